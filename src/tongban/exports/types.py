"""Structs of exports: a table (columns and pages of rows), what a figure export is filtered by,
and a background export job."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Literal, NamedTuple

import msgspec

Kind = Literal["cases", "supervision", "ratings", "department_ranking", "matter_ranking"]
KINDS: tuple[Kind, ...] = (
    "cases",
    "supervision",
    "ratings",
    "department_ranking",
    "matter_ranking",
)
Format = Literal["csv", "xlsx"]
FORMATS: tuple[Format, ...] = ("csv", "xlsx")
JobState = Literal["queued", "running", "done", "failed"]
Cell = str | int | float | date | None


class Column(NamedTuple):
    key: str
    title: str
    """The header a reader sees (zh)."""


class Table(msgspec.Struct, kw_only=True):
    """Columns, and the rows as pages: a page is handed out only once whatever it needs (the
    personal-data access records of its unmasked rows) has been committed."""

    name: str
    """The file's base name (``cases``, ``ratings`` …)."""
    columns: tuple[Column, ...]
    pages: AsyncIterator[list[tuple[Cell, ...]]]
    total: int
    """How many rows the pages will hold (counted before the first page)."""


class FigureFilter(msgspec.Struct, frozen=True, kw_only=True):
    """The arguments of the figure queries (supervisionFigures, ratingFigures,
    departmentRanking, matterRanking); each uses the parts it knows."""

    start: date
    end: date
    region_code: str | None = None
    department_id: str | None = None
    matter_code: str | None = None
    group_by: str = "department"
    period: str = "none"
    by: str = "overdue"
    first: int = 100


class ExportJob(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    principal_id: str
    principal: bytes
    """The requester's Principal as JSON, as the token said when the export was asked for."""
    kind: Kind
    format: Format
    filter: bytes
    """The checked filter as JSON: a case filter, or a FigureFilter."""
    state: JobState
    rows_done: int
    rows_total: int | None
    blob_key: str | None
    error: str | None
    request_id: str | None
    client_address: str | None
    created_at: datetime
    finished_at: datetime | None
