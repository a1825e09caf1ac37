"""GraphQL: supervision (电子监察) — open warnings and performance figures."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Annotated, Any

import strawberry

from tongban.api.context import Info
from tongban.api.convert import raw
from tongban.api.enums import DeadlineKind
from tongban.api.government import Department, Region, department_of, region_of
from tongban.api.pagination import (
    After,
    Before,
    Connection,
    Last,
    connection,
    encode_cursor,
)
from tongban.api.supervision_figures import FigurePeriod
from tongban.identifiers import validate_region_code
from tongban.supervision import repository as repo
from tongban.supervision import service
from tongban.supervision.types import OpenWarning

_WARNINGS = "warnings:raised"


@strawberry.enum(description="Warning level.")
class WarningLevel(Enum):
    YELLOW = strawberry.enum_value("yellow", description="Yellow card: few working days remain.")
    RED = strawberry.enum_value("red", description="Red card: past the promised or stage limit.")
    ESCALATION = strawberry.enum_value("escalation", description="Past the statutory limit.")


@strawberry.enum(description="How supervision figures are grouped.")
class FigureGrouping(Enum):
    DEPARTMENT = strawberry.enum_value("department", description="Per handling department.")
    REGION = strawberry.enum_value("region", description="Per handling region.")


@strawberry.type(description="A supervision warning that is still open.")
class SupervisionWarning:
    id: strawberry.ID = strawberry.field(description="Stable identifier.")
    level: WarningLevel = strawberry.field(description="Yellow, red or escalation.")
    clock: DeadlineKind = strawberry.field(description="Which limit.")
    due_on: date = strawberry.field(description="The limit's due date.")
    raised_at: datetime = strawberry.field(description="When it was raised.")
    case_number: str = strawberry.field(description="The case.")
    department_id: strawberry.Private[str]
    region_code: strawberry.Private[str]

    @classmethod
    def from_domain(cls, w: OpenWarning) -> SupervisionWarning:
        return cls(
            id=strawberry.ID(w.id),
            level=WarningLevel(w.level),
            clock=DeadlineKind(w.kind),
            due_on=w.due_on,
            raised_at=w.raised_at,
            case_number=w.case_number,
            department_id=w.department_id,
            region_code=w.region_code,
        )

    @strawberry.field(description="The department responsible.")
    async def department(self, info: Info) -> Department:
        return await department_of(info, self.department_id)

    @strawberry.field(description="The handling region.")
    async def region(self, info: Info) -> Region:
        return await region_of(info, self.region_code)


@strawberry.type(description="Performance figures of one department or region for a period.")
class SupervisionFigures:
    key: str = strawberry.field(description="Department id or region code.")
    grouping: strawberry.Private[str]
    period_start: date | None = strawberry.field(
        description="First day of the day, week (from Monday) or month (null when not split "
        "by period); the figures count only days within from…to."
    )
    open_cases: int = strawberry.field(description="Accepted by the period end, not yet decided.")
    concluded_cases: int = strawberry.field(description="Decided within the period.")
    on_time_rate: float | None = strawberry.field(
        description="Share of concluded cases decided by their promised due date."
    )
    overdue_count: int = strawberry.field(
        description="Concluded late, plus open cases past their promised due date."
    )
    average_working_days_used: float | None = strawberry.field(
        description="Working days from acceptance to decision (pauses not counted)."
    )

    @strawberry.field(description="The department (grouped by department).")
    async def department(self, info: Info) -> Department | None:
        return await department_of(info, self.key) if self.grouping == "department" else None

    @strawberry.field(description="The region (grouped by region).")
    async def region(self, info: Info) -> Region | None:
        return await region_of(info, self.key) if self.grouping == "region" else None


@strawberry.type
class SupervisionQuery:
    @strawberry.field(description="Open warnings you may see, oldest first.")
    async def open_warnings(
        self,
        info: Info,
        region_code: Annotated[
            str | None, strawberry.argument(description="Region subtree.")
        ] = None,
        department_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Department.")
        ] = None,
        levels: Annotated[
            list[WarningLevel] | None, strawberry.argument(description="Levels (default all).")
        ] = None,
        first: Annotated[
            int | None,
            strawberry.argument(
                description="Page size, reading forwards (default 50; not with `last`)."
            ),
        ] = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[SupervisionWarning]:
        principal = info.context.require_signed_in()
        page = info.context.page(first=first, after=after, last=last, before=before, default=50)
        window = page.window(tuple[datetime, str], _WARNINGS)
        scope: dict[str, Any] = {
            "principal": principal,
            "region_code": None if region_code is None else validate_region_code(region_code),
            "department_id": None if department_id is None else str(department_id),
            "levels": [raw(v) for v in levels] if levels else ["yellow", "red", "escalation"],
        }
        rows = await info.context.read(lambda c: repo.open_warnings(c, window=window, **scope))
        return connection(
            rows,
            page,
            node=SupervisionWarning.from_domain,
            cursor=lambda w: encode_cursor([w.raised_at, w.id], _WARNINGS),
            counter=info.context.counter(lambda c: repo.count_open_warnings(c, **scope)),
        )

    @strawberry.field(description="On-time rate, overdue count and more, per department or region.")
    async def supervision_figures(
        self,
        info: Info,
        region_code: Annotated[str, strawberry.argument(description="Region subtree.")],
        start: Annotated[
            date, strawberry.argument(name="from", description="First day of the period.")
        ],
        end: Annotated[date, strawberry.argument(name="to", description="Last day of the period.")],
        group_by: Annotated[
            FigureGrouping, strawberry.argument(description="Grouping.")
        ] = FigureGrouping.DEPARTMENT,
        period: Annotated[
            FigurePeriod,
            strawberry.argument(description="Time series step (a daily one: at most 367 days)."),
        ] = FigurePeriod.NONE,
    ) -> list[SupervisionFigures]:
        principal = info.context.require_signed_in()
        region = validate_region_code(region_code)
        async with info.context.pool.acquire() as conn:
            found = await service.figures(
                conn,
                principal,
                settings=info.context.settings,
                region_code=region,
                start=start,
                end=end,
                group_by=raw(group_by),
                period=raw(period),
            )
        return [
            SupervisionFigures(
                key=f.key,
                grouping=raw(group_by),
                period_start=f.period_start,
                open_cases=f.open_cases,
                concluded_cases=f.concluded_cases,
                on_time_rate=f.on_time_rate,
                overdue_count=f.overdue,
                average_working_days_used=f.average_working_days,
            )
            for f in found
        ]
