"""电子证照 on a case: an approval of a matter that issues a licence issues it (``licences``)."""

from __future__ import annotations

from tongban.cases.runner import ActionContext, pinned_matter
from tongban.cases.types import Case
from tongban.licences import service as licences


async def issue_licence(ctx: ActionContext, decided: Case) -> Case:
    """The licence of the approval just recorded on ``decided`` (none: the case unchanged)."""
    spec = (await pinned_matter(ctx.conn, decided)).spec
    return await licences.issue(
        ctx.conn,
        ctx.principal,
        decided,
        spec=spec,
        settings=ctx.settings,
        blobs=ctx.blobs,
        today=ctx.today,
        now=ctx.now,
    )
