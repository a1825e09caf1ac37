"""What each export holds: the officer's case list (the ``cases`` search, its visibility and
masking, and the personal-data access record of each page's unmasked rows) and the figure
tables of supervision (the same services the GraphQL figure queries call, so the same roles and
regions). The header row is the zh title of each column; the keys name them in code and tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime
from typing import Literal, cast

import asyncpg

from tongban.auth.types import Principal
from tongban.cases import export as case_export
from tongban.cases import search_repository as search_repo
from tongban.cases.types import CaseFilter
from tongban.config import Settings
from tongban.errors import ValidationError
from tongban.exports.types import Cell, Column, FigureFilter, Kind, Table
from tongban.government import repository as gov_repo
from tongban.supervision import ratings, service
from tongban.supervision.types import RatingFigures

Pages = AsyncIterator[list[tuple[Cell, ...]]]
_CASE_TITLES = {
    "number": "办件编号",
    "state": "办件状态",
    "received_on": "收件日期",
    "accepted_on": "受理日期",
    "applicant_name": "申请人",
    "applicant_id_number": "证件号码",
    "applicant_credit_code": "统一社会信用代码",
    "applicant_mobile": "手机号码",
    "applicant_email": "电子邮箱",
}
CASE_COLUMNS = tuple(Column(key, _CASE_TITLES[key]) for key in case_export.HEADER)
_GROUP = (
    Column("group", "分组编码"),
    Column("group_name", "分组名称"),
    Column("period_start", "期间起始"),
)
SUPERVISION_COLUMNS = (
    *_GROUP,
    Column("open_cases", "在办件数"),
    Column("concluded_cases", "办结件数"),
    Column("on_time_rate", "按时办结率"),
    Column("overdue_count", "超期件数"),
    Column("average_working_days_used", "平均办理用时（工作日）"),
)
RATING_COLUMNS = (
    *_GROUP,
    Column("rated", "评价数"),
    Column("very_satisfied", "非常满意"),
    Column("satisfied", "满意"),
    Column("basically_satisfied", "基本满意"),
    Column("dissatisfied", "不满意"),
    Column("very_dissatisfied", "非常不满意"),
    Column("satisfaction_rate", "满意率"),
    Column("bad_count", "差评数"),
    Column("follow_ups_opened", "整改回访数"),
    Column("follow_ups_completed", "整改完成数"),
    Column("follow_ups_completed_on_time", "按时整改数"),
    Column("rectification_rate", "整改率"),
    Column("on_time_rectification_rate", "按时整改率"),
    Column("rerated", "再评价数"),
)
DEPARTMENT_RANKING_COLUMNS = (
    Column("rank", "名次"),
    Column("department_code", "部门编码"),
    Column("department_name", "部门名称"),
    Column("concluded_cases", "办结件数"),
    Column("on_time_rate", "按时办结率"),
    Column("overdue_count", "超期件数"),
    Column("bad_ratings", "差评数"),
)
MATTER_RANKING_COLUMNS = (
    Column("rank", "名次"),
    Column("matter_code", "事项编码"),
    Column("concluded_cases", "办结件数"),
    Column("late_cases", "超期办结件数"),
    Column("average_days_over_promised", "平均超出承诺天数"),
    Column("average_promised_days", "平均承诺时限（工作日）"),
)


async def case_table(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    filter: CaseFilter,
    now: Callable[[], datetime],
    request_id: str | None,
    client_address: str | None,
) -> Table:
    case_export.require_officer(principal)
    total = await search_repo.count_cases(conn, principal=principal, filter=filter)
    pages = case_export.export_rows(
        conn,
        principal,
        filter=filter,
        now=now,
        request_id=request_id,
        client_address=client_address,
    )
    return Table(name="cases", columns=CASE_COLUMNS, pages=cast(Pages, pages), total=total)


async def _one_page(rows: list[tuple[Cell, ...]]) -> AsyncIterator[list[tuple[Cell, ...]]]:
    if rows:
        yield rows


async def _names(conn: asyncpg.Connection, kind: str, keys: Sequence[str | None]) -> dict[str, str]:
    wanted = sorted({k for k in keys if k is not None})
    if kind == "department":
        return {d.id: d.name for d in await gov_repo.departments_by_id(conn, ids=wanted)}
    if kind == "region":
        return {r.code: r.name for r in await gov_repo.regions_by_code(conn, codes=wanted)}
    return {}


async def _supervision_rows(
    conn: asyncpg.Connection, principal: Principal, f: FigureFilter, settings: Settings
) -> list[tuple[Cell, ...]]:
    if f.group_by not in ("department", "region"):
        raise ValidationError(
            "supervision figures are grouped by department or region",
            field="groupBy",
            problem="EXPORT_ARGUMENT",
        )
    group_by: Literal["department", "region"] = "region" if f.group_by == "region" else "department"
    found = await service.figures(
        conn,
        principal,
        settings=settings,
        region_code=f.region_code or principal.region_code or "",
        start=f.start,
        end=f.end,
        group_by=group_by,
        period=f.period,  # type: ignore[arg-type]  # checked by the adapters
    )
    names = await _names(conn, group_by, [g.key for g in found])
    return [
        (
            g.key,
            names.get(g.key, ""),
            g.period_start,
            g.open_cases,
            g.concluded_cases,
            g.on_time_rate,
            g.overdue,
            g.average_working_days,
        )
        for g in found
    ]


def _rating_row(g: RatingFigures, name: str) -> tuple[Cell, ...]:
    group = g.matter_code if g.matter_code is not None else g.key
    return (
        group,
        name,
        g.period_start,
        g.rated,
        *g.levels,
        g.satisfaction_rate,
        g.bad,
        g.follow_ups,
        g.rectified,
        g.rectified_on_time,
        g.rectification_rate,
        g.on_time_rectification_rate,
        g.rerated,
    )


async def _rating_rows(
    conn: asyncpg.Connection, principal: Principal, f: FigureFilter, settings: Settings
) -> list[tuple[Cell, ...]]:
    found = await ratings.rating_figures(
        conn,
        principal,
        settings=settings,
        region_code=f.region_code,
        department_id=f.department_id,
        matter_code=f.matter_code,
        start=f.start,
        end=f.end,
        group_by=f.group_by,
        period=f.period,
    )
    names = await _names(conn, f.group_by, [g.key for g in found])
    return [_rating_row(g, names.get(g.key or "", "")) for g in found]


async def _department_rows(
    conn: asyncpg.Connection, principal: Principal, f: FigureFilter, settings: Settings
) -> list[tuple[Cell, ...]]:
    found = await ratings.department_ranking(
        conn,
        principal,
        settings=settings,
        region_code=f.region_code,
        start=f.start,
        end=f.end,
        by=f.by,
        first=f.first,
    )
    ids = [d.department_id for d in found]
    departments = {d.id: d for d in await gov_repo.departments_by_id(conn, ids=ids)}
    return [
        (
            rank,
            departments[d.department_id].code,
            departments[d.department_id].name,
            d.concluded,
            d.on_time_rate,
            d.overdue,
            d.bad_ratings,
        )
        for rank, d in enumerate(found, start=1)
    ]


async def _matter_rows(
    conn: asyncpg.Connection, principal: Principal, f: FigureFilter, settings: Settings
) -> list[tuple[Cell, ...]]:
    found = await ratings.matter_ranking(
        conn,
        principal,
        settings=settings,
        region_code=f.region_code,
        start=f.start,
        end=f.end,
        first=f.first,
    )
    return [
        (
            rank,
            m.matter_code,
            m.concluded,
            m.late,
            m.average_days_over_promised,
            m.average_promised_days,
        )
        for rank, m in enumerate(found, start=1)
    ]


_FIGURES = {
    "supervision": (SUPERVISION_COLUMNS, _supervision_rows),
    "ratings": (RATING_COLUMNS, _rating_rows),
    "department_ranking": (DEPARTMENT_RANKING_COLUMNS, _department_rows),
    "matter_ranking": (MATTER_RANKING_COLUMNS, _matter_rows),
}


async def figure_table(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    kind: Kind,
    filter: FigureFilter,
    settings: Settings,
) -> Table:
    """A figure table: computed whole (groups × periods, bounded by the services' own limits),
    handed out as one page."""
    columns, compute = _FIGURES[kind]
    rows = await compute(conn, principal, filter, settings)
    return Table(
        name=kind.replace("_", "-"), columns=columns, pages=_one_page(rows), total=len(rows)
    )
