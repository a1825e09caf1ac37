"""差评整改回访: completing the follow-up a bad rating opened, and the applicant's second rating.

The follow-up is a task of the handling department with its own clock; completing it records
what was done, stops that clock (its warnings are resolved with it) and tells the applicant, who
may then rate once more. The second rating sits beside the first: the first is what was rated
before rectification and stays what it was.
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from tongban.cases import events
from tongban.cases.conclusion import check_rating
from tongban.cases.runner import ActionContext, case_action, complete_open_task
from tongban.cases.types import Case
from tongban.errors import MAX_TEXT_CHARS, ConflictError, ValidationError, check_length
from tongban.review import repository as review_repo
from tongban.review.types import Task


async def _follow_ups(
    conn: asyncpg.Connection, case: Case, *_: object, **__: object
) -> Sequence[Task]:
    return [
        t for t in await review_repo.tasks_of(conn, case_ids=[case.id]) if t.kind == "follow_up"
    ]


@case_action("complete_follow_up", tasks=_follow_ups)
async def complete_follow_up(ctx: ActionContext, actions: str) -> Case:
    """The handling department records the rectification; the follow-up clock stops."""
    text = actions.strip()
    if not text:
        raise ValidationError(
            "record what was done to rectify the bad rating",
            field="actions",
            problem="FOLLOW_UP_ACTIONS_REQUIRED",
        )
    check_length(text, field="actions", max_chars=MAX_TEXT_CHARS)
    task = await complete_open_task(
        ctx,
        text,
        ConflictError(
            "this case has no open follow-up: it was completed, or no bad rating opened one",
            problem="NO_OPEN_FOLLOW_UP",
        ),
    )
    return await ctx.record(
        event=events.FollowUpCompleted(task_id=task.id, completed_on=ctx.today),
        transition="complete_follow_up",
        reason=text,
    )


@case_action("rerate", tasks=_follow_ups)
async def rerate(ctx: ActionContext, rating: int, comment: str) -> Case:
    """One more rating, only once the follow-up of the bad one is completed."""
    if ctx.case.rerating is not None:
        raise ConflictError("this case was already rated again", problem="ALREADY_RERATED")
    if not any(t.state == "completed" for t in ctx.tasks):
        raise ConflictError(
            "a case is rated again only after the follow-up of a bad rating is completed",
            problem="FOLLOW_UP_NOT_COMPLETED",
        )
    check_rating(rating, comment)
    return await ctx.record(
        event=events.Rerated(rating=rating),
        transition="rerate",
        reason=comment or None,
        changes={"rerating": rating, "rerating_comment": comment or None, "rerated_at": ctx.now},
    )
