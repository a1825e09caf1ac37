"""The one way to act on a case.

Every case mutation does the same first steps, in this order: find and lock the case (NOT_FOUND
when the caller may not see it, CONFLICT when they saw an older version), find the tasks the
rule needs, check who may act (``permissions``) and whether the state allows it (``states``).
``perform`` does them once; the action itself only receives an ``ActionContext`` holding the
locked case and what it may need (connection, caller, settings, clock, today, blob store). All of
it happens in the caller's transaction: a raised error rolls back everything the action wrote.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Concatenate, Generic, ParamSpec

import asyncpg

from tongban.auth.types import Principal
from tongban.blobs import BlobStore
from tongban.bundles.progression import after_item_action
from tongban.cases import permissions, states
from tongban.cases.types import Case
from tongban.cases.workflow import load_for_action, record
from tongban.catalogue import repository as catalogue_repo
from tongban.catalogue.types import MatterVersion
from tongban.clock import Clock, local_day
from tongban.config import Settings
from tongban.deadlines import service as deadlines
from tongban.errors import DomainError
from tongban.events.types import Event
from tongban.review import repository as review_repo
from tongban.review.types import Task

P = ParamSpec("P")


@dataclass(frozen=True, slots=True)
class Env:
    """What the request (or the job) brings to every action."""

    settings: Settings
    clock: Clock
    blobs: BlobStore | None = None


@dataclass(frozen=True, slots=True)
class ActionContext:
    """The locked case an action works on, and everything it may need for that."""

    conn: asyncpg.Connection
    principal: Principal
    case: Case
    env: Env
    # The day the action happens in the authority's time zone, read once per action so that
    # every deadline it starts or stops counts from the same day.
    today: date
    # The instant of the action on the injectable clock: every timestamp it writes.
    now: datetime
    tasks: Sequence[Task] = field(default_factory=tuple)

    @property
    def settings(self) -> Settings:
        return self.env.settings

    @property
    def clock(self) -> Clock:
        return self.env.clock

    @property
    def blobs(self) -> BlobStore:
        assert self.env.blobs is not None, "this action stores files: pass a blob store"
        return self.env.blobs

    async def record(
        self,
        *,
        event: Event,
        changes: dict[str, Any] | None = None,
        reason: str | None = None,
        transition: str | None = None,
    ) -> Case:
        """Apply the transition and changes to the locked case and append ``event``."""
        return await record(
            self.conn,
            self.case,
            self.principal,
            event=event,
            changes=changes,
            reason=reason,
            transition=transition,
            at=self.now,
        )


async def pinned_matter(conn: asyncpg.Connection, case: Case) -> MatterVersion:
    """The matter version the case was filed under (its plan and limits stay those)."""
    versions = await catalogue_repo.versions_of(
        conn, matter_ids=[case.matter_id], published_only=True
    )
    return next(v for v in versions if v.version == case.matter_version)


async def complete_open_task(ctx: ActionContext, comment: str, missing: DomainError) -> Task:
    """Complete the case's open (or claimed) task the action is about — a follow-up, a
    verification — with ``comment``, and stop its clock; ``missing`` when there is none."""
    task = next((t for t in ctx.tasks if t.state in ("open", "claimed")), None)
    if task is None:
        raise missing
    await review_repo.update_task(
        ctx.conn,
        task_id=task.id,
        changes={
            "state": "completed",
            "comment": comment,
            "completed_by": ctx.principal.officer_id,
            "completed_at": ctx.now,
        },
    )
    await deadlines.stop(
        ctx.conn, case_id=ctx.case.id, at=ctx.now, on=ctx.today, task_ids=[task.id]
    )
    return task


Body = Callable[Concatenate[ActionContext, P], Awaitable[Case]]
# Called with the connection, the locked case and the action's own arguments.
TaskLoader = Callable[..., Awaitable[Sequence[Task]]]


@dataclass(frozen=True, slots=True)
class CaseAction(Generic[P]):
    """An action of the state table (``name``) and what it does once allowed (``body``)."""

    name: str
    body: Body[P]
    # The tasks the permission rule looks at (the task acted on, or all of the case's).
    tasks: TaskLoader | None = None
    # An action that is one of several depending on the locked case's state.
    route: Callable[[Case], CaseAction[P]] | None = None


def case_action(
    name: str, *, tasks: TaskLoader | None = None
) -> Callable[[Body[P]], CaseAction[P]]:
    """Make ``body`` the action ``name`` of the state and permission tables."""

    def wrap(body: Body[P]) -> CaseAction[P]:
        return CaseAction(name=name, body=body, tasks=tasks)

    return wrap


def routed(choose: Callable[[Case], CaseAction[P]]) -> CaseAction[P]:
    """One mutation, several actions: ``choose`` picks by the locked case."""

    async def unreachable(ctx: ActionContext, /, *args: P.args, **kwargs: P.kwargs) -> Case:
        raise AssertionError("a routed action runs the action it routes to")

    return CaseAction(name="", body=unreachable, route=choose)


async def perform(
    conn: asyncpg.Connection,
    principal: Principal,
    env: Env,
    action: CaseAction[P],
    number: str,
    expected_version: int,
    /,
    *args: P.args,
    **kwargs: P.kwargs,
) -> Case:
    """Lock the case, check the caller and the state, then run the action on it."""
    case = await load_for_action(conn, principal, number=number, expected_version=expected_version)
    if action.route is not None:
        action = action.route(case)
    tasks: Sequence[Task] = ()
    if action.tasks is not None:
        tasks = await action.tasks(conn, case, *args, **kwargs)
    permissions.require(action.name, principal, case, tasks)
    states.check(action.name, case.state)
    now = env.clock.now()
    ctx = ActionContext(
        conn=conn,
        principal=principal,
        case=case,
        env=env,
        today=local_day(now, env.settings.timezone),
        now=now,
        tasks=tasks,
    )
    case = await action.body(ctx, *args, **kwargs)
    # 一件事一次办: an item's outcome releases or closes the items waiting for its result.
    await after_item_action(conn, case, settings=env.settings, at=now, today=ctx.today)
    return case
