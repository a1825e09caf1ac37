"""GraphQL view of deadline clocks."""

from __future__ import annotations

from datetime import date

import strawberry

from tongban.api.context import Info
from tongban.api.enums import ClockState, Colour, DeadlineKind
from tongban.api.node import Node
from tongban.api.preload import MISSING, known
from tongban.clock import local_day
from tongban.deadlines import service
from tongban.deadlines.calendar import WorkingCalendar
from tongban.deadlines.types import DeadlineClock


@strawberry.type(description="A working-day deadline and where it stands today.")
class Deadline(Node):
    id: strawberry.ID = strawberry.field(description="Stable identifier of the clock.")
    kind: DeadlineKind = strawberry.field(description="Which limit.")
    state: ClockState = strawberry.field(description="Running, paused or stopped.")
    start_on: date = strawberry.field(description="Day the clock started (not counted).")
    limit_days: int = strawberry.field(description="Limit in working days, extension included.")
    extension_days: int = strawberry.field(description="Working days added by an extension.")
    due_on: date | None = strawberry.field(
        description="End of the last working day; null while paused or if the year's "
        "official schedule is not yet published."
    )
    remaining_days: int | None = strawberry.field(
        description="Working days left (negative: overdue)."
    )
    days_paused: int | None = strawberry.field(description="Working days not counted.")
    colour: Colour | None = strawberry.field(description="Green, yellow or red.")
    overdue: bool = strawberry.field(description="Past the due date.")


async def deadlines_of(info: Info, case_id: str, task_id: str | None) -> list[Deadline]:
    clocks: list[DeadlineClock] = [
        c for c in await info.context.loaders.clocks.load(case_id) if c.task_id == task_id
    ]
    if not clocks:
        return []
    return deadline_views(info, clocks, await info.context.loaders.calendar())


def known_deadlines(info: Info, case_id: str, task_id: str | None) -> list[Deadline] | None:
    """The deadlines without awaiting, when a list resolver preloaded them; else None."""
    loaded = known(info.context.loaders.clocks, case_id)
    cal = info.context.loaders.calendar_if_read
    if loaded is MISSING or cal is None:
        return None
    return deadline_views(info, [c for c in loaded if c.task_id == task_id], cal)


def deadline_views(info: Info, clocks: list[DeadlineClock], cal: WorkingCalendar) -> list[Deadline]:
    settings = info.context.settings
    today = local_day(info.context.clock.now(), settings.timezone)
    found = []
    for c in clocks:
        s = service.status(c, cal, settings, today)
        found.append(
            Deadline(
                id=strawberry.ID(c.id),
                kind=DeadlineKind(c.kind),
                state=ClockState(c.state),
                start_on=c.start_on,
                limit_days=s["limit_days"],
                extension_days=c.extension_days,
                due_on=None if c.state == "paused" else s["due_on"],
                remaining_days=s["remaining_days"],
                days_paused=s["days_paused"],
                colour=None if s["colour"] is None else Colour(s["colour"]),
                overdue=s["overdue"],
            )
        )
    return found
