"""GraphQL: the materials a case owes after a deferred acceptance (容缺受理)."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from tongban.cases import types as domain


@strawberry.type(
    description="A material owed after a deferred acceptance (容缺受理): the applicant signed an "
    "undertaking to bring it by `dueOn`."
)
class OwedMaterial:
    code: str = strawberry.field(description="Material code of the matter.")
    name: str = strawberry.field(description="Material name.")
    due_on: date = strawberry.field(description="The last working day to bring it.")
    undertaking_signed_at: datetime = strawberry.field(
        description="When the applicant's undertaking (承诺补交) was recorded at acceptance."
    )
    arrived_on: date | None = strawberry.field(description="The day it arrived; null while owed.")
    arrived_at: datetime | None = strawberry.field(description="When it arrived.")

    @classmethod
    def from_domain(cls, o: domain.OwedMaterial) -> OwedMaterial:
        return cls(
            code=o.material_code,
            name=o.name,
            due_on=o.due_on,
            undertaking_signed_at=o.undertaking_at,
            arrived_on=o.arrived_on,
            arrived_at=o.arrived_at,
        )
