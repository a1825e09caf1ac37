"""GraphQL types of bundles (一件事一次办): the catalogue's bundles and an application's progress."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from tongban.api.enums import Colour, derived_enum
from tongban.bundles import types as domain
from tongban.bundles.types import BundleProgress

if TYPE_CHECKING:
    from tongban.api.cases import Case

if TYPE_CHECKING:
    BundleState = Enum
else:
    BundleState = derived_enum(
        "BundleState",
        {
            "submitted": "Filed; no item accepted yet.",
            "in_progress": "At least one item accepted and some still open.",
            "completed": "Every item has its result.",
            "partly_refused": "Concluded: some items have results, others were refused or denied.",
            "refused": "Concluded without any result.",
            "withdrawn": "The applicant withdrew the application.",
        },
        description="Where a bundle application is, computed from its items' cases.",
    )


@strawberry.type(description="A matter of a bundle and the items whose results it needs.")
class BundleItem:
    matter_code: str = strawberry.field(description="The matter.")
    depends_on: list[str] = strawberry.field(
        description="Matter codes whose approval (result) this item waits for."
    )


@strawberry.type(description="Where a merged material goes: one item's own material.")
class BundleMaterialTarget:
    matter_code: str = strawberry.field(description="The item's matter.")
    material_code: str = strawberry.field(description="The material code of that matter.")


@strawberry.type(description="A material of the merged list: asked once for every item needing it.")
class BundleMaterial:
    code: str = strawberry.field(description="The bundle's code for it (uploads use it).")
    name: str = strawberry.field(description="Its name.")
    maps_to: list[BundleMaterialTarget] = strawberry.field(description="The items it serves.")
    produced_by: str | None = strawberry.field(
        description="The item whose result it is (supplied on its approval, not uploaded)."
    )


@strawberry.type(description="一件事: several matters applied for at once (a published version).")
class Bundle:
    code: str = strawberry.field(description="Bundle code.")
    version: int = strawberry.field(description="The published version.")
    name: str = strawberry.field(description="Name (e.g. 开餐馆).")
    description: str = strawberry.field(description="What it covers.")
    lead_department_id: strawberry.ID = strawberry.field(
        description="The department whose window runs the bundle."
    )
    promised_limit: int = strawberry.field(
        description="Working days promised for the whole bundle, from its acceptance."
    )
    items: list[BundleItem] = strawberry.field(description="Its matters, in order.")
    materials: list[BundleMaterial] = strawberry.field(description="The merged material list.")
    published_at: datetime = strawberry.field(description="When this version was published.")

    @classmethod
    def from_domain(cls, v: domain.BundleVersion) -> Bundle:
        s = v.spec
        return cls(
            code=v.code,
            version=v.version,
            name=s.name,
            description=s.description,
            lead_department_id=strawberry.ID(s.lead_department_id),
            promised_limit=s.promised_limit,
            items=[
                BundleItem(matter_code=i.matter_code, depends_on=list(i.depends_on))
                for i in s.items
            ],
            materials=[
                BundleMaterial(
                    code=m.code,
                    name=m.name,
                    maps_to=[
                        BundleMaterialTarget(
                            matter_code=t.matter_code, material_code=t.material_code
                        )
                        for t in m.maps_to
                    ],
                    produced_by=m.produced_by,
                )
                for m in s.materials
            ],
            published_at=v.published_at,
        )


@strawberry.type(description="The bundle's own promised-limit clock, for supervision.")
class BundleClock:
    due_on: date | None = strawberry.field(description="Its last working day.")
    remaining_days: int | None = strawberry.field(description="Working days left.")
    overdue: bool = strawberry.field(description="Past its due date.")
    colour: Colour | None = strawberry.field(description="Green, yellow or red.")


@strawberry.type(description="One bundle application (一件事一次办) and its items' cases.")
class BundleApplication:
    id: strawberry.ID = strawberry.field(description="The application.")
    bundle: Bundle = strawberry.field(description="The bundle version it was filed under.")
    state: BundleState = strawberry.field(description="Computed from its items.")
    received_on: date = strawberry.field(description="The day it was filed.")
    accepted_on: date | None = strawberry.field(description="The day its first item was accepted.")
    due_on: date | None = strawberry.field(
        description="The later of the bundle's own promised due date and its items'."
    )
    clock: BundleClock | None = strawberry.field(description="The bundle's own limit.")
    items: list[Annotated[Case, strawberry.lazy("tongban.api.cases")]] = strawberry.field(
        description="The items' cases the viewer may see, in the bundle's order."
    )

    @classmethod
    def from_domain(cls, p: BundleProgress, cases: list[Case]) -> BundleApplication:
        own = p.bundle_clock
        return cls(
            id=strawberry.ID(p.application.id),
            bundle=Bundle.from_domain(p.bundle),
            state=BundleState(p.state),
            received_on=p.application.received_on,
            accepted_on=p.accepted_on,
            due_on=p.due_on,
            clock=None
            if own is None
            else BundleClock(
                due_on=own["due_on"],
                remaining_days=own["remaining_days"],
                overdue=own["overdue"],
                colour=None if own["colour"] is None else Colour(own["colour"]),
            ),
            items=cases,
        )
