"""GraphQL mutations of bundles: publish (administrators), submit (applicants or a window),
the lead window's intake of every item at once, and the applicant's withdrawal."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

import asyncpg
import strawberry

from tongban.api.bundle_types import Bundle
from tongban.api.bundles import (
    ApplicationId,
    BundleApplicationPayload,
    BundlePayload,
    BundleSpecInput,
    SubmitBundleInput,
    load_application,
)
from tongban.api.case_inputs import MaterialUpload, read_files
from tongban.api.context import Info
from tongban.api.convert import as_json
from tongban.api.errors import user_errors
from tongban.bundles import actions, catalogue, submission
from tongban.bundles import types as domain
from tongban.cases.runner import Env
from tongban.errors import DomainError

Reason = Annotated[str | None, strawberry.argument(description="Why (shown in the history).")]


async def _on_application(
    info: Info,
    application_id: str,
    run: Callable[[asyncpg.Connection, Env], Awaitable[object]],
) -> BundleApplicationPayload:
    """Run ``run`` on the application in one transaction; its items' cases after it."""
    ctx = info.context
    principal = ctx.require_signed_in()
    env = Env(settings=ctx.settings, clock=ctx.clock, blobs=ctx.blobs)
    try:
        async with ctx.transaction() as conn:
            await run(conn, env)
            application = await load_application(
                conn, principal, application_id, ctx.settings, ctx.clock
            )
    except DomainError as exc:
        return BundleApplicationPayload(
            application=None, created=False, user_errors=user_errors(exc)
        )
    await ctx.after_commit([str(c.id) for c in application.items])
    return BundleApplicationPayload(application=application, created=False, user_errors=[])


@strawberry.type
class BundleMutation:
    @strawberry.mutation(
        description="Publish a bundle's next version (administrators); applications filed "
        "before keep the version they pinned."
    )
    async def publish_bundle(
        self,
        info: Info,
        code: Annotated[str, strawberry.argument(description="Bundle code.")],
        spec: Annotated[BundleSpecInput, strawberry.argument(description="The version.")],
    ) -> BundlePayload:
        principal = info.context.require_signed_in()
        try:
            async with info.context.transaction() as conn:
                version = await catalogue.publish_bundle(
                    conn, principal, code=code, spec=spec.to_domain(), clock=info.context.clock
                )
        except DomainError as exc:
            return BundlePayload(bundle=None, user_errors=user_errors(exc, root="spec"))
        return BundlePayload(bundle=Bundle.from_domain(version), user_errors=[])

    @strawberry.mutation(
        description="一件事一次办: one application (one form, one set of files, one key) for "
        "every matter of a bundle; one case per matter."
    )
    async def submit_bundle(
        self,
        info: Info,
        input: Annotated[SubmitBundleInput, strawberry.argument(description="The application.")],
    ) -> BundleApplicationPayload:
        ctx = info.context
        principal = ctx.require_signed_in()
        await ctx.limit_submissions()
        filed = domain.BundleSubmission(
            bundle_code=input.bundle_code,
            region_code=input.region_code,
            applicant=None if input.applicant is None else input.applicant.to_domain(),
            idempotency_key=input.idempotency_key,
            form_data=dict(as_json(input.form_data) or {}),
            files=await read_files(info, input.materials),
        )
        try:
            async with ctx.transaction() as conn:
                application_id, created = await submission.submit_bundle(
                    conn, principal, filed, settings=ctx.settings, blobs=ctx.blobs, clock=ctx.clock
                )
                application = await load_application(
                    conn, principal, application_id, ctx.settings, ctx.clock
                )
        except DomainError as exc:
            return BundleApplicationPayload(
                application=None, created=False, user_errors=user_errors(exc, root="input")
            )
        await ctx.after_commit([str(c.id) for c in application.items])
        return BundleApplicationPayload(application=application, created=created, user_errors=[])

    @strawberry.mutation(
        description="受理 every received item of the bundle at once (lead window)."
    )
    async def accept_bundle(self, info: Info, id: ApplicationId) -> BundleApplicationPayload:
        principal = info.context.require_signed_in()
        return await _on_application(
            info, str(id), lambda conn, env: actions.accept_bundle(conn, principal, env, str(id))
        )

    @strawberry.mutation(
        description="一次性告知 for the whole bundle: one notice of the bundle's missing "
        "materials, covering every item that needs them."
    )
    async def request_bundle_supplement(
        self,
        info: Info,
        id: ApplicationId,
        material_codes: Annotated[
            list[str], strawberry.argument(description="The bundle's material codes missing.")
        ],
        note: Annotated[str, strawberry.argument(description="What is wrong or missing.")] = "",
    ) -> BundleApplicationPayload:
        principal = info.context.require_signed_in()
        return await _on_application(
            info,
            str(id),
            lambda conn, env: actions.request_bundle_supplement(
                conn, principal, env, str(id), material_codes, note
            ),
        )

    @strawberry.mutation(
        description="补正 for the whole bundle: files under the bundle's material codes, each "
        "given to every item waiting for a supplement that asks for it."
    )
    async def supplement_bundle(
        self,
        info: Info,
        id: ApplicationId,
        materials: Annotated[list[MaterialUpload], strawberry.argument(description="The files.")],
    ) -> BundleApplicationPayload:
        principal = info.context.require_signed_in()
        files = await read_files(info, materials)
        return await _on_application(
            info,
            str(id),
            lambda conn, env: actions.supplement_bundle(conn, principal, env, str(id), files),
        )

    @strawberry.mutation(description="撤回 the whole application: every undecided item.")
    async def withdraw_bundle(
        self, info: Info, id: ApplicationId, reason: Reason = None
    ) -> BundleApplicationPayload:
        principal = info.context.require_signed_in()
        return await _on_application(
            info,
            str(id),
            lambda conn, env: actions.withdraw_bundle(conn, principal, env, str(id), reason),
        )
