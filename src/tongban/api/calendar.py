"""GraphQL: the official working-day schedules administrators publish."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Annotated

import strawberry

from tongban.api.context import Info
from tongban.api.errors import UserError, user_errors
from tongban.auth.errors import NotAllowedError
from tongban.deadlines import repository as repo
from tongban.deadlines import service
from tongban.deadlines.calendar import ScheduleError, YearSchedule, package_schedule
from tongban.errors import DomainError, InvalidInputError, Problem


@strawberry.enum(description="Where a year's schedule comes from.")
class CalendarSource(Enum):
    PUBLISHED = strawberry.enum_value("published", description="Published by an administrator.")
    PACKAGE = strawberry.enum_value("package", description="The chinese-calendar package's data.")


@strawberry.type(description="One year's official schedule of holidays and make-up working days.")
class CalendarYear:
    year: int = strawberry.field(description="The year.")
    source: CalendarSource = strawberry.field(
        description="Published by an administrator, or the package's data."
    )
    holidays: list[date] = strawberry.field(description="Days off (statutory holidays).")
    makeup_workdays: list[date] = strawberry.field(
        description="Weekend days that are working days (调休)."
    )


def _view(schedule: YearSchedule, source: CalendarSource) -> CalendarYear:
    return CalendarYear(
        year=schedule.year,
        source=source,
        holidays=sorted(schedule.holidays),
        makeup_workdays=sorted(schedule.makeup_workdays),
    )


@strawberry.type(description="Result of publishing a calendar year.")
class CalendarYearPayload:
    calendar_year: CalendarYear | None = strawberry.field(description="The published year.")
    user_errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type
class CalendarQuery:
    @strawberry.field(description="Known years: published schedules override the package's.")
    async def calendar_years(self, info: Info) -> list[CalendarYear]:
        info.context.require_signed_in()
        published = {s.year: s for s in await info.context.read(repo.calendar_years)}
        years = []
        for year in sorted(set(published) | set(range(2004, 2027))):
            if year in published:
                years.append(_view(published[year], CalendarSource.PUBLISHED))
            elif (found := package_schedule(year)) is not None:
                years.append(_view(found, CalendarSource.PACKAGE))
        return years


@strawberry.type
class CalendarMutation:
    @strawberry.mutation(
        description="Publish (or correct) a year's official schedule (administrators). Clocks "
        "waiting for that year are recomputed."
    )
    async def publish_calendar_year(
        self,
        info: Info,
        year: Annotated[int, strawberry.argument(description="The year, e.g. 2027.")],
        holidays: Annotated[list[date], strawberry.argument(description="Days off.")],
        makeup_workdays: Annotated[
            list[date], strawberry.argument(description="Weekend working days (调休).")
        ],
    ) -> CalendarYearPayload:
        principal = info.context.require_signed_in()
        try:
            # The official schedule holds for every deadline in the province: one city's
            # administrator must not shift another's.
            if not principal.is_province_admin:
                raise NotAllowedError(
                    "only the province's administrators publish the calendar",
                    problem="PROVINCE_ADMINS_ONLY",
                )
            try:
                schedule = YearSchedule(
                    year=year,
                    holidays=frozenset(holidays),
                    makeup_workdays=frozenset(makeup_workdays),
                )
            except ValueError as exc:
                days = {"days": exc.days} if isinstance(exc, ScheduleError) else None
                raise InvalidInputError(
                    [Problem("holidays", "INVALID_SCHEDULE", str(exc), days)]
                ) from None
            if not 2000 <= year <= 2100:
                raise InvalidInputError([Problem("year", "OUT_OF_RANGE", "year must be 2000–2100")])
            async with info.context.transaction() as conn:
                await repo.upsert_calendar_year(
                    conn, schedule=schedule, officer_id=principal.officer_id
                )
                await conn.execute(
                    """UPDATE deadline_clock SET next_check_at = $1, version = version + 1
                       WHERE state = 'running' AND next_level = 'recheck'""",
                    info.context.clock.now(),
                )
        except DomainError as exc:
            return CalendarYearPayload(calendar_year=None, user_errors=user_errors(exc))
        _ = service
        return CalendarYearPayload(
            calendar_year=_view(schedule, CalendarSource.PUBLISHED), user_errors=[]
        )
