"""GraphQL of bundles (一件事一次办): the public bundle catalogue, publishing a bundle, filing
one application for all its matters, the lead window's intake of all items at once, the
applicant's withdrawal, and one progress for the application."""

from __future__ import annotations

from typing import Annotated

import asyncpg
import strawberry
from strawberry.scalars import JSON

from tongban.api.bundle_types import Bundle, BundleApplication
from tongban.api.case_inputs import ApplicantInput, MaterialUpload
from tongban.api.cases import Case
from tongban.api.context import Info
from tongban.api.errors import UserError
from tongban.auth.types import Principal
from tongban.bundles import repository as repo
from tongban.bundles import types as domain
from tongban.bundles.progress import visible_progress
from tongban.bundles.supervision import warned_bundles
from tongban.cases import repository as case_repo
from tongban.clock import Clock, local_day
from tongban.config import Settings
from tongban.errors import NotFoundError

ApplicationId = Annotated[strawberry.ID, strawberry.argument(description="The application.")]


@strawberry.input(description="A matter of the bundle.")
class BundleItemInput:
    matter_code: str = strawberry.field(description="A published matter.")
    depends_on: list[str] = strawberry.field(
        default_factory=list, description="Items (matter codes) whose result it waits for."
    )


@strawberry.input(description="Where a merged material goes.")
class BundleMaterialTargetInput:
    matter_code: str = strawberry.field(description="The item's matter.")
    material_code: str = strawberry.field(description="That matter's material code.")


@strawberry.input(description="A material of the merged list.")
class BundleMaterialInput:
    code: str = strawberry.field(description="The bundle's code for it.")
    name: str = strawberry.field(description="Its name.")
    maps_to: list[BundleMaterialTargetInput] = strawberry.field(description="The items it serves.")
    produced_by: str | None = strawberry.field(
        default=None,
        description="The item (matter code) whose result it is: not uploaded, supplied to the "
        "items it maps to once that item is approved (each must depend on it).",
    )


@strawberry.input(description="Everything a bundle version says.")
class BundleSpecInput:
    name: str = strawberry.field(description="Name.")
    description: str = strawberry.field(default="", description="What it covers.")
    lead_department_id: strawberry.ID = strawberry.field(description="The lead department.")
    promised_limit: int = strawberry.field(description="Working days promised for the bundle.")
    items: list[BundleItemInput] = strawberry.field(description="Its matters, in order.")
    materials: list[BundleMaterialInput] = strawberry.field(description="The merged list.")

    def to_domain(self) -> domain.BundleSpec:
        return domain.BundleSpec(
            name=self.name,
            description=self.description,
            lead_department_id=str(self.lead_department_id),
            promised_limit=self.promised_limit,
            items=tuple(
                domain.BundleItem(matter_code=i.matter_code, depends_on=tuple(i.depends_on))
                for i in self.items
            ),
            materials=tuple(
                domain.BundleMaterial(
                    code=m.code,
                    name=m.name,
                    maps_to=tuple(
                        domain.MaterialTarget(
                            matter_code=t.matter_code, material_code=t.material_code
                        )
                        for t in m.maps_to
                    ),
                    produced_by=m.produced_by,
                )
                for m in self.materials
            ),
        )


@strawberry.input(description="One application for every matter of a bundle.")
class SubmitBundleInput:
    bundle_code: str = strawberry.field(description="The bundle; its published version is pinned.")
    region_code: str = strawberry.field(description="Receiving region.")
    idempotency_key: str = strawberry.field(
        description="A retry with the same key and content returns the same application."
    )
    form_data: JSON | None = strawberry.field(default=None, description="The one merged form.")
    materials: list[MaterialUpload] = strawberry.field(
        default_factory=list, description="Files, under the bundle's material codes."
    )
    applicant: ApplicantInput | None = strawberry.field(
        default=None, description="The applicant, when an intake officer files at the window."
    )


@strawberry.type(description="Result of publishing a bundle.")
class BundlePayload:
    bundle: Bundle | None = strawberry.field(description="The version published.")
    user_errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="Result of a bundle application mutation.")
class BundleApplicationPayload:
    application: BundleApplication | None = strawberry.field(description="After the change.")
    created: bool = strawberry.field(
        description="submitBundle: false when the key returned an earlier identical application."
    )
    user_errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


async def load_application(
    conn: asyncpg.Connection,
    principal: Principal,
    application_id: str,
    settings: Settings,
    clock: Clock,
) -> BundleApplication:
    """The application as the viewer may see it: NOT_FOUND unless they see one of its items."""
    found = await visible_progress(
        conn,
        principal,
        application_ids=[application_id],
        settings=settings,
        today=local_day(clock.now(), settings.timezone),
    )
    if application_id not in found:
        raise NotFoundError("no such bundle application", problem="UNKNOWN_BUNDLE_APPLICATION")
    progress, cases = found[application_id]
    return BundleApplication.from_domain(progress, [Case.from_domain(c) for c in cases])


async def warned_applications(
    conn: asyncpg.Connection, principal: Principal, settings: Settings, clock: Clock
) -> list[BundleApplication]:
    found = await warned_bundles(
        conn, principal, settings=settings, today=local_day(clock.now(), settings.timezone)
    )
    visible = await case_repo.visible_cases_by_id(
        conn, principal=principal, ids=[i for p in found for i in p.case_ids]
    )
    by_id = {c.id: c for c in visible}
    return [
        BundleApplication.from_domain(
            p, [Case.from_domain(by_id[i]) for i in p.case_ids if i in by_id]
        )
        for p in found
    ]


@strawberry.type
class BundleQuery:
    @strawberry.field(description="一件事一次办: the published bundles (public), by code.")
    async def bundles(self, info: Info) -> list[Bundle]:
        found = await info.context.read(lambda conn: repo.current_versions(conn))
        return [Bundle.from_domain(v) for v in found]

    @strawberry.field(description="A published bundle by code (public); null when unknown.")
    async def bundle(
        self, info: Info, code: Annotated[str, strawberry.argument(description="Bundle code.")]
    ) -> Bundle | None:
        found = await info.context.read(lambda conn: repo.current_versions(conn, codes=[code]))
        return Bundle.from_domain(found[0]) if found else None

    @strawberry.field(
        description="A bundle application: its state, combined due date, own clock and items."
    )
    async def bundle_application(self, info: Info, id: ApplicationId) -> BundleApplication | None:
        principal = info.context.require_signed_in()
        ctx = info.context
        try:
            return await ctx.read(
                lambda conn: load_application(conn, principal, str(id), ctx.settings, ctx.clock)
            )
        except NotFoundError:
            return None

    @strawberry.field(
        description="电子监察: open bundle applications of your region whose own promised limit "
        "is near (yellow) or past (red), oldest first; each item's own warnings are in "
        "`openWarnings`. Supervisors, heads and administrators."
    )
    async def bundle_warnings(self, info: Info) -> list[BundleApplication]:
        principal = info.context.require_signed_in()
        ctx = info.context
        return await ctx.read(
            lambda conn: warned_applications(conn, principal, ctx.settings, ctx.clock)
        )
