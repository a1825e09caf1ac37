"""Where the checkout (or the image's /app) is: the worker groups, the schema file and the
development data directory are found relative to it, whatever the working directory."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
