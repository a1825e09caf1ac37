"""好差评 figures and ranked lists for supervisors, each computed in one SQL statement.

Who may ask: supervisors, heads and administrators, for their own region or one below it
(a supervisor sees their region and below). The figures count every case handled in that
subtree: they are counts, with no applicant's data in them.

Definitions (ratings counted by when the first rating was given, in the configured time zone):
- satisfaction rate: ratings 1–3 (非常满意, 满意, 基本满意) over all ratings;
- bad ratings: 4 and 5, each of which opens a follow-up (差评整改回访) with its own limit;
- rectification rate: follow-ups completed over follow-ups opened; on-time rectification rate:
  completed on or before the follow-up clock's due date, over follow-ups opened (one still open,
  or completed late, counts against it);
- re-ratings: the applicant's second rating after the follow-up, per level.
The follow-ups and re-ratings belong to the period of the rating that opened them.
"""

from __future__ import annotations

from datetime import date

import asyncpg

from tongban.auth.errors import NotAllowedError
from tongban.auth.types import Principal
from tongban.config import Settings
from tongban.deadlines.service import load_calendar
from tongban.errors import ValidationError
from tongban.government import repository as gov_repo
from tongban.identifiers import is_uuid
from tongban.supervision import repository as repo
from tongban.supervision.matter_rank_repository import matter_ranks
from tongban.supervision.service import check_series, periods, require_supervisor
from tongban.supervision.types import DepartmentRank, MatterRank, RatingFigures

MAX_RANKED = 100


async def supervised_region(
    conn: asyncpg.Connection, principal: Principal, region_code: str | None
) -> str:
    """The region asked about (the caller's own by default), once the caller may supervise it."""
    require_supervisor(principal)
    code = region_code or principal.region_code or ""
    found = await gov_repo.regions_by_code(conn, codes=[code])
    if not found:
        raise ValidationError(
            f"unknown region {code}",
            field="regionCode",
            problem="UNKNOWN_REGION",
            params={"code": code},
        )
    if principal.region_code not in found[0].lineage:
        raise NotAllowedError(
            "supervisors see the figures of their own region and the regions below it",
            problem="OUTSIDE_SUPERVISED_REGION",
        )
    return code


def _check_period(start: date, end: date) -> None:
    if end < start:
        raise ValidationError(
            "the period ends before it starts", field="to", problem="PERIOD_ENDS_BEFORE_START"
        )


async def rating_figures(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    settings: Settings,
    region_code: str | None,
    department_id: str | None,
    matter_code: str | None,
    start: date,
    end: date,
    group_by: str,
    period: str,
) -> list[RatingFigures]:
    region = await supervised_region(conn, principal, region_code)
    _check_period(start, end)
    if department_id is not None and not is_uuid(department_id):
        return []
    check_series(start, end, period)
    return await repo.rating_figures(
        conn,
        region_code=region,
        spans=periods(start, end, period),
        timezone=settings.timezone,
        department_id=department_id,
        matter_code=matter_code,
        group_by=group_by,
    )


async def _ranked_region(
    conn: asyncpg.Connection,
    principal: Principal,
    region_code: str | None,
    start: date,
    end: date,
    first: int,
) -> str:
    """The region a ranked list is asked for, once the caller, period and length are fine."""
    region = await supervised_region(conn, principal, region_code)
    _check_period(start, end)
    _check_limit(first)
    return region


def _check_limit(first: int) -> None:
    if not 1 <= first <= MAX_RANKED:
        raise ValidationError(
            f"a ranked list holds 1 to {MAX_RANKED} rows",
            field="first",
            problem="PAGE_SIZE_OUT_OF_RANGE",
            params={"max": MAX_RANKED},
        )


async def department_ranking(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    settings: Settings,
    region_code: str | None,
    start: date,
    end: date,
    by: str,
    first: int,
) -> list[DepartmentRank]:
    region = await _ranked_region(conn, principal, region_code, start, end, first)
    return await repo.department_ranks(
        conn,
        region_code=region,
        start=start,
        end=end,
        timezone=settings.timezone,
        order_by=by,
        limit=first,
    )


async def matter_ranking(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    settings: Settings,
    region_code: str | None,
    start: date,
    end: date,
    first: int,
) -> list[MatterRank]:
    region = await _ranked_region(conn, principal, region_code, start, end, first)
    return await matter_ranks(
        conn,
        cal=await load_calendar(conn),
        region_code=region,
        start=start,
        end=end,
        timezone=settings.timezone,
        limit=first,
    )
