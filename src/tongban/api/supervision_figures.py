"""GraphQL: 好差评 figures, time series and ranked lists for supervisors (issue 17)."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Annotated

import strawberry

from tongban.api.catalogue import Matter
from tongban.api.context import Info
from tongban.api.convert import raw
from tongban.api.government import Department, Region, department_of, region_of
from tongban.identifiers import validate_region_code
from tongban.supervision import ratings
from tongban.supervision import types as domain


@strawberry.enum(description="How 好差评 figures are grouped.")
class RatingGrouping(Enum):
    DEPARTMENT = strawberry.enum_value("department", description="Per handling department.")
    REGION = strawberry.enum_value("region", description="Per handling region.")
    MATTER = strawberry.enum_value("matter", description="Per matter (事项).")
    NONE = strawberry.enum_value("none", description="One group: the whole region subtree.")


@strawberry.enum(
    description="Time series step; periods start at local midnight (the configured time zone, "
    "Asia/Shanghai), weeks on Monday."
)
class FigurePeriod(Enum):
    DAY = strawberry.enum_value("day", description="Per day.")
    WEEK = strawberry.enum_value("week", description="Per week, Monday to Sunday.")
    MONTH = strawberry.enum_value("month", description="Per calendar month.")
    NONE = strawberry.enum_value("none", description="The whole range as one period.")


@strawberry.enum(description="What departments are ranked by.")
class DepartmentRankingOrder(Enum):
    OVERDUE_COUNT = strawberry.enum_value(
        "overdue", description="Most overdue cases first (as in supervisionFigures)."
    )
    ON_TIME_RATE = strawberry.enum_value(
        "on_time_rate",
        description="Lowest on-time rate first; departments that concluded nothing come last.",
    )
    BAD_RATINGS = strawberry.enum_value(
        "bad_ratings", description="Most bad ratings (4 and 5) given in the range first."
    )


@strawberry.input(description="Which ratings the figures count.")
class RatingFilter:
    region_code: str | None = strawberry.field(
        default=None, description="Region subtree (default: your own region)."
    )
    department_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only this handling department."
    )
    matter_code: str | None = strawberry.field(default=None, description="Only this matter.")
    start: date = strawberry.field(
        name="from", description="First local day (ratings from its 00:00, Asia/Shanghai)."
    )
    end: date = strawberry.field(
        name="to", description="Last local day (ratings until its 24:00, Asia/Shanghai)."
    )


@strawberry.type(description="Counts per rating level (GB/T 39046: 1 best … 5 worst).")
class RatingLevelCounts:
    very_satisfied: int = strawberry.field(description="1 非常满意.")
    satisfied: int = strawberry.field(description="2 满意.")
    basically_satisfied: int = strawberry.field(description="3 基本满意.")
    dissatisfied: int = strawberry.field(description="4 不满意.")
    very_dissatisfied: int = strawberry.field(description="5 非常不满意.")

    @classmethod
    def of(cls, counts: tuple[int, int, int, int, int]) -> RatingLevelCounts:
        one, two, three, four, five = counts
        return cls(
            very_satisfied=one,
            satisfied=two,
            basically_satisfied=three,
            dissatisfied=four,
            very_dissatisfied=five,
        )


@strawberry.type(description="A group of figures: a department, a region or a matter.")
class FigureGroup:
    key: strawberry.Private[str | None]
    kind: strawberry.Private[str]
    matter_obj: strawberry.Private[Matter | None]

    @strawberry.field(description="The department (grouped by department).")
    async def department(self, info: Info) -> Department | None:
        if self.kind != "department" or self.key is None:
            return None
        return await department_of(info, self.key)

    @strawberry.field(description="The region (grouped by region).")
    async def region(self, info: Info) -> Region | None:
        if self.kind != "region" or self.key is None:
            return None
        return await region_of(info, self.key)

    @strawberry.field(description="The matter (grouped by matter).")
    def matter(self) -> Matter | None:
        return self.matter_obj


@strawberry.type(
    description="好差评 figures of one group and period. Ratings are counted in the period the "
    "first rating was given; the follow-ups and re-ratings they led to count with them."
)
class RatingFigureRow:
    group: FigureGroup = strawberry.field(description="Who or what the figures are about.")
    period_start: date | None = strawberry.field(
        description="First local day of the period (null when not split by period)."
    )
    rated: int = strawberry.field(description="Ratings given.")
    levels: RatingLevelCounts = strawberry.field(description="Ratings per level.")
    satisfaction_rate: float | None = strawberry.field(
        description="Levels 1–3 (非常满意, 满意, 基本满意) over all ratings; null without ratings."
    )
    bad_count: int = strawberry.field(description="Bad ratings (4 and 5).")
    follow_ups_opened: int = strawberry.field(description="Follow-ups (差评整改回访) opened.")
    follow_ups_completed: int = strawberry.field(description="Follow-ups completed so far.")
    follow_ups_completed_on_time: int = strawberry.field(
        description="Completed on or before the follow-up's due date."
    )
    rectification_rate: float | None = strawberry.field(
        description="Follow-ups completed over follow-ups opened; null when none opened."
    )
    on_time_rectification_rate: float | None = strawberry.field(
        description="Follow-ups completed on time over follow-ups opened (open or late ones "
        "count against it); null when none opened."
    )
    rerated: int = strawberry.field(description="Second ratings after a completed follow-up.")
    rerating_levels: RatingLevelCounts = strawberry.field(description="Second ratings per level.")

    @classmethod
    def of(cls, f: domain.RatingFigures, kind: str) -> RatingFigureRow:
        matter = None
        if kind == "matter" and f.key is not None and f.matter_code is not None:
            matter = Matter(
                id=strawberry.ID(f.key), code=f.matter_code, current_version=f.matter_version
            )
        return cls(
            group=FigureGroup(key=f.key, kind=kind, matter_obj=matter),
            period_start=f.period_start,
            rated=f.rated,
            levels=RatingLevelCounts.of(f.levels),
            satisfaction_rate=f.satisfaction_rate,
            bad_count=f.bad,
            follow_ups_opened=f.follow_ups,
            follow_ups_completed=f.rectified,
            follow_ups_completed_on_time=f.rectified_on_time,
            rectification_rate=f.rectification_rate,
            on_time_rectification_rate=f.on_time_rectification_rate,
            rerated=f.rerated,
            rerating_levels=RatingLevelCounts.of(f.rerating_levels),
        )


@strawberry.type(description="A department's place in a ranked list.")
class DepartmentRankRow:
    department_id: strawberry.Private[str]
    concluded_cases: int = strawberry.field(description="Decided within the range.")
    on_time_rate: float | None = strawberry.field(
        description="Share of concluded cases decided by their promised due date."
    )
    overdue_count: int = strawberry.field(
        description="Concluded late, plus open cases past their promised due date."
    )
    bad_ratings: int = strawberry.field(description="Bad ratings given within the range.")

    @strawberry.field(description="The department.")
    async def department(self, info: Info) -> Department:
        return await department_of(info, self.department_id)


@strawberry.type(
    description="A matter's place in the ranked list of working days used against the promise."
)
class MatterRankRow:
    matter: Matter = strawberry.field(description="The matter.")
    concluded_cases: int = strawberry.field(description="Decided within the range.")
    late_cases: int = strawberry.field(description="Decided after their promised due date.")
    average_days_over_promised: float | None = strawberry.field(
        description="Calendar days from the promised due date to the decision, 0 when on "
        "time, averaged over concluded cases."
    )
    average_promised_days: float | None = strawberry.field(
        description="The promised limit in working days (extensions included), averaged."
    )
    average_working_days_used: float | None = strawberry.field(
        description="Working days of the promised clock used up to the decision (paused days "
        "not counted), averaged over concluded cases."
    )
    average_working_days_over_promised: float | None = strawberry.field(
        description="Working days used less the promised limit, averaged: negative when the "
        "matter is decided within its promise on average. The ranking's order."
    )
    share_over_promised: float | None = strawberry.field(
        description="Share of concluded cases that used more working days than promised."
    )


First = Annotated[int, strawberry.argument(description="How many rows (1–100; default 10).")]
From = Annotated[date, strawberry.argument(name="from", description="First local day.")]
To = Annotated[date, strawberry.argument(name="to", description="Last local day.")]
RegionArg = Annotated[
    str | None, strawberry.argument(description="Region subtree (default: your own region).")
]


def _region(code: str | None) -> str | None:
    return None if code is None else validate_region_code(code)


@strawberry.type
class SupervisionFiguresQuery:
    @strawberry.field(
        description="好差评 figures of your region or one below it, per group and period "
        "(supervisors, heads and administrators)."
    )
    async def rating_figures(
        self,
        info: Info,
        filter: Annotated[RatingFilter, strawberry.argument(description="Which ratings.")],
        group_by: Annotated[
            RatingGrouping, strawberry.argument(description="Grouping.")
        ] = RatingGrouping.DEPARTMENT,
        period: Annotated[
            FigurePeriod, strawberry.argument(description="Time series step.")
        ] = FigurePeriod.NONE,
    ) -> list[RatingFigureRow]:
        principal = info.context.require_signed_in()
        kind = raw(group_by)
        found = await info.context.read(
            lambda c: ratings.rating_figures(
                c,
                principal,
                settings=info.context.settings,
                region_code=_region(filter.region_code),
                department_id=None if filter.department_id is None else str(filter.department_id),
                matter_code=filter.matter_code,
                start=filter.start,
                end=filter.end,
                group_by=kind,
                period=raw(period),
            )
        )
        return [RatingFigureRow.of(f, kind) for f in found]

    @strawberry.field(description="Departments of your region subtree, ranked.")
    async def department_ranking(
        self,
        info: Info,
        by: Annotated[DepartmentRankingOrder, strawberry.argument(description="Ranked by.")],
        start: From,
        end: To,
        region_code: RegionArg = None,
        first: First = 10,
    ) -> list[DepartmentRankRow]:
        principal = info.context.require_signed_in()
        found = await info.context.read(
            lambda c: ratings.department_ranking(
                c,
                principal,
                settings=info.context.settings,
                region_code=_region(region_code),
                start=start,
                end=end,
                by=raw(by),
                first=first,
            )
        )
        return [
            DepartmentRankRow(
                department_id=d.department_id,
                concluded_cases=d.concluded,
                on_time_rate=d.on_time_rate,
                overdue_count=d.overdue,
                bad_ratings=d.bad_ratings,
            )
            for d in found
        ]

    @strawberry.field(
        description="Matters of cases decided in your region subtree, the most working days "
        "used beyond the promised limit on average first (CALENDAR_YEAR_UNKNOWN when a case's "
        "days reach a year whose working-day schedule is not published)."
    )
    async def matter_ranking(
        self,
        info: Info,
        start: From,
        end: To,
        region_code: RegionArg = None,
        first: First = 10,
    ) -> list[MatterRankRow]:
        principal = info.context.require_signed_in()
        found = await info.context.read(
            lambda c: ratings.matter_ranking(
                c,
                principal,
                settings=info.context.settings,
                region_code=_region(region_code),
                start=start,
                end=end,
                first=first,
            )
        )
        return [
            MatterRankRow(
                matter=Matter(
                    id=strawberry.ID(m.matter_id),
                    code=m.matter_code,
                    current_version=m.matter_version,
                ),
                concluded_cases=m.concluded,
                late_cases=m.late,
                average_days_over_promised=m.average_days_over_promised,
                average_promised_days=m.average_promised_days,
                average_working_days_used=m.average_working_days_used,
                average_working_days_over_promised=m.average_working_days_over_promised,
                share_over_promised=m.share_over_promised,
            )
            for m in found
        ]
