"""Supplement notices (补正通知) on a case: what was asked for, by when, and what has come."""

from __future__ import annotations

from datetime import date

import strawberry

from tongban.cases import types as domain


@strawberry.type(description="A material a supplement notice asked for.")
class SupplementMaterial:
    material_code: str = strawberry.field(description="The matter's material code.")
    name: str = strawberry.field(description="The material's name.")
    arrived_on: date | None = strawberry.field(
        description="When it arrived; null while it is still owed."
    )


@strawberry.type(
    description="A supplement notice (补正通知). Materials may come in parts; the notice is "
    "fulfilled, and the case moves on, when every one of them has arrived."
)
class SupplementNotice:
    phase: str = strawberry.field(description="`intake` (before acceptance) or `review`.")
    note: str = strawberry.field(description="What the officer explained.")
    requested_on: date = strawberry.field(description="When the notice was given.")
    period_days: int | None = strawberry.field(description="补正期限 in working days.")
    due_on: date | None = strawberry.field(
        description="Last day of the period; after it an incomplete supplement may be closed."
    )
    fulfilled_on: date | None = strawberry.field(description="When the last material arrived.")
    materials: list[SupplementMaterial] = strawberry.field(
        description="Each requested material, in the notice's order."
    )

    @classmethod
    def from_domain(cls, n: domain.SupplementNotice, names: dict[str, str]) -> SupplementNotice:
        return cls(
            phase=n.phase,
            note=n.note,
            requested_on=n.requested_on,
            period_days=n.period_days,
            due_on=n.due_on,
            fulfilled_on=n.fulfilled_on,
            materials=[
                SupplementMaterial(
                    material_code=i.material_code,
                    name=names.get(i.material_code, i.material_code),
                    arrived_on=i.arrived_on,
                )
                for i in n.items
            ],
        )
