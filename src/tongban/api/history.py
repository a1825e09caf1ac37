"""GraphQL: a case's history, in the API's own names."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from tongban.api.convert import as_json
from tongban.api.enums import ActorKind, CaseEventAction, OfficerRole
from tongban.api.node import Node
from tongban.cases import types as domain


@strawberry.type(description="One change in a case's history: who, when, what, why.")
class CaseEvent(Node):
    id: strawberry.ID = strawberry.field(
        description="Stable identifier of the event (the eventId of live updates)."
    )
    seq: int = strawberry.field(description="Global order of events.")
    case_version: int = strawberry.field(description="Case version after the change.")
    action: CaseEventAction = strawberry.field(description="What happened.")
    actor_kind: ActorKind = strawberry.field(description="Applicant, officer or the system.")
    actor_name: str = strawberry.field(description="Who acted.")
    actor_roles: list[OfficerRole] = strawberry.field(
        description="The actor's roles at the time (officers only)."
    )
    actor_department_id: strawberry.ID | None = strawberry.field(description="Actor's department.")
    reason: str | None = strawberry.field(description="Why, as the actor said.")
    changes: JSON = strawberry.field(
        description="Changed fields of the case, by their API names: {field: [before, after]}."
    )
    payload: JSON = strawberry.field(description="Facts of the event (e.g. the opinion given).")
    occurred_at: datetime = strawberry.field(description="When it happened.")


# History speaks the API's names, not the columns a change was stored under; values of enum
# fields are the enum names a front end compares with. Lineages and claim holders are storage.
_CHANGE_NAMES = {
    "handling_region": "handlingRegionCode",
    "receiving_region": "receivingRegionCode",
    "handling_department_id": "handlingDepartmentId",
}
# special_procedure_kind is what closing reads; the started / ended events say the kind.
_HIDDEN_CHANGES = frozenset(
    {"handling_lineage", "receiving_lineage", "claimed_by", "special_procedure_kind"}
)
_ENUM_CHANGES = frozenset({"state", "decision"})


def _api_changes(changes: dict[str, Any]) -> dict[str, Any]:
    shown: dict[str, Any] = {}
    for column, values in changes.items():
        if column in _HIDDEN_CHANGES:
            continue
        name = _CHANGE_NAMES.get(column) or re.sub(r"_(\w)", lambda m: m.group(1).upper(), column)
        if column in _ENUM_CHANGES and isinstance(values, list):
            values = [v.upper() if isinstance(v, str) else v for v in values]
        shown[name] = values
    return shown


def case_events(found: list[domain.Event]) -> list[CaseEvent]:
    return [
        CaseEvent(
            id=strawberry.ID(e.id),
            seq=e.seq,
            case_version=e.case_version,
            action=CaseEventAction(e.action),
            actor_kind=ActorKind(e.actor_kind),
            actor_name=e.actor_name,
            actor_roles=[OfficerRole(r) for r in e.actor_roles],
            actor_department_id=None
            if e.actor_department_id is None
            else strawberry.ID(e.actor_department_id),
            reason=e.reason,
            changes=as_json(_api_changes(e.changes)),
            payload=as_json(e.payload),
            occurred_at=e.occurred_at,
        )
        for e in found
    ]
