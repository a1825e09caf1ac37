"""Public results (结果公示): what anyone may read of approved results, and its search.

A result is shown with its holder — an organisation by its full name, a person masked (张*明)
— its result number, matter, department and decision day. Which cases qualify is decided in
``public_repository`` (approved and in force, public matter version, never confidential).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from tongban.errors import ValidationError
from tongban.identifiers import is_uuid, mask_person_name, validate_region_code
from tongban.keyset import Window
from tongban.supervision import public_repository as repo
from tongban.supervision.types import PublicResult, PublicResultFilter, Published

__all__ = ["PublicResultFilter", "Published", "count", "public_filter", "search"]

MAX_TEXT = 50
# An id that is no uuid names no department: nothing matches, as for an unknown one.
_NO_DEPARTMENT = "00000000-0000-0000-0000-000000000000"


def _text(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    v = value.strip()
    if not v or len(v) > MAX_TEXT:
        raise ValidationError(
            f"give 1 to {MAX_TEXT} characters",
            field=field,
            problem="FILTER_TEXT_LENGTH",
            params={"max": MAX_TEXT},
        )
    return v


def public_filter(
    *,
    keyword: str | None = None,
    matter_code: str | None = None,
    department_id: str | None = None,
    region_code: str | None = None,
    start: date | None = None,
    end: date | None = None,
    timezone: str,
    prefix: str = "filter.",
) -> PublicResultFilter:
    """The checked search; ``start`` and ``end`` are local decision days, both included."""
    if start is not None and end is not None and start > end:
        raise ValidationError("`from` is after `to`", field=f"{prefix}to", problem="RANGE_REVERSED")
    tz = ZoneInfo(timezone)

    def edge(day: date | None) -> datetime | None:
        return None if day is None else datetime.combine(day, time(), tzinfo=tz)

    return PublicResultFilter(
        keyword=_text(keyword, f"{prefix}keyword"),
        matter_code=_text(matter_code, f"{prefix}matterCode"),
        department_id=None
        if department_id is None
        else (department_id if is_uuid(department_id) else _NO_DEPARTMENT),
        region_code=None
        if region_code is None
        else validate_region_code(region_code, field=f"{prefix}regionCode"),
        decided_from=edge(start),
        decided_before=edge(None if end is None else end + timedelta(days=1)),
    )


def published(r: PublicResult, timezone: str) -> Published:
    return Published(
        holder_name=r.holder_name
        if r.holder_kind == "organisation"
        else mask_person_name(r.holder_name),
        result_number=r.result_number,
        matter_code=r.matter_code,
        matter_name=r.matter_name,
        department_id=r.department_id,
        department_name=r.department_name,
        decided_on=r.decided_at.astimezone(ZoneInfo(timezone)).date(),
        position=(r.decided_at, r.case_id),
    )


async def search(
    conn: asyncpg.Connection,
    *,
    filter: PublicResultFilter,
    window: Window[Any],
    timezone: str,
) -> list[Published]:
    found = await repo.public_results(conn, filter=filter, window=window)
    return [published(r, timezone) for r in found]


async def count(conn: asyncpg.Connection, *, filter: PublicResultFilter) -> int:
    return await repo.count_public_results(conn, filter=filter)
