"""Kept for bench/supervision.py, which imports ``matter_ranks`` from here; the statement lives in
``matter_rank_repository`` (SQL only in ``*repository.py``). Remove once the bench imports it
from there."""

from tongban.supervision.matter_rank_repository import matter_ranks

__all__ = ["matter_ranks"]
