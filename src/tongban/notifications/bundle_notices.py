"""一件事一次办: one notice per bundle step to the applicant, not one per item.

The items of a bundle are ordinary cases with their own events; what the applicant is told of
a step every item takes in one transaction (filed, accepted, asked for materials, withdrawn)
is one notice naming every item, sent from the event of the first item in the bundle's order
(``lead``); the other items' events of that step notify nobody. An item refused or denied is
told at once, naming the items closed with it and saying the others go on; the decision that
leaves no item open is the notice that the whole bundle is decided. Steps that are an item's
own (extension, special procedure, delivery, the per-licence collection notice, the electronic
licence an approval issued) stay per case.
"""

from __future__ import annotations

from typing import Any

import msgspec

from tongban.notifications.types import EventToPlan

SUMMARY_OF: dict[str, str] = {
    "received": "bundle_received",
    "accepted": "bundle_accepted",
    "supplement_requested": "bundle_supplement_requested",
    "withdrawn": "bundle_withdrawn",
}
# The item's own notices that say it ends without a result ("decided" is the denial's).
NO_RESULT = frozenset(
    {"refused", "not_applicable", "decided", "closed_no_supplement", "closed_no_show"}
)
RESULT = frozenset({"ready_for_delivery", "ready_for_delivery_deferred", "approved_on_commitment"})
_CONCLUDED = frozenset(
    {
        "approved",
        "approved_deferred",
        "delivered",
        "denied",
        "refused",
        "not_applicable",
        "withdrawn",
        "revoked",
        "closed_no_supplement",
        "closed_no_show",
        "closed_prerequisite",
    }
)
DECISION_WORDS = {"approved": "准予办理", "approved_deferred": "容缺准予办理", "denied": "不予办理"}
STATE_WORDS = {
    "refused": "不予受理",
    "not_applicable": "不予受理",
    "withdrawn": "已撤回",
    "revoked": "已撤销",
    "closed_no_supplement": "终止办理",
    "closed_no_show": "终止办理",
    "closed_prerequisite": "终止办理",
}


class GroupEvent(msgspec.Struct, frozen=True):
    """An event of the same transaction on an item of the same bundle."""

    number: str
    matter: str
    action: str
    position: int
    payload: dict[str, Any] | None = None


class Item(msgspec.Struct, frozen=True):
    number: str
    matter: str
    state: str
    decision: str | None = None
    result: str | None = None


def _item_text(i: Item) -> str:
    if i.decision is not None:
        outcome = DECISION_WORDS.get(i.decision, i.decision)
        return f"{i.matter}（{i.number}）{outcome}" + (f"，文号{i.result}" if i.result else "")
    return f"{i.matter}（{i.number}）{STATE_WORDS.get(i.state, '办理中')}"


def bundle_kind(kind: str, row: EventToPlan) -> str | None:
    """The notice a bundle item's event gives instead of ``kind``: a bundle notice, the item's
    own (``kind``), or None when the bundle's notice of the step comes from another item."""
    group = msgspec.convert(row.bundle_group or [], list[GroupEvent])
    items = msgspec.convert(row.bundle_items or [], list[Item])
    all_done = bool(items) and all(i.state in _CONCLUDED for i in items)
    if kind in SUMMARY_OF:
        same = [g for g in group if g.action == row.action]
        lead = min((g.position for g in same), default=row.bundle_position)
        return SUMMARY_OF[kind] if lead == row.bundle_position else None
    if kind in NO_RESULT or kind in RESULT:
        if all_done and row.bundle_last_closing:
            return "bundle_completed"
        return "bundle_item_refused" if kind in NO_RESULT else kind
    return kind


def bundle_values(
    kind: str, row: EventToPlan, event: Any, values: dict[str, str]
) -> dict[str, str]:
    """The placeholders of a bundle notice, besides the item's own."""
    group = msgspec.convert(row.bundle_group or [], list[GroupEvent])
    items = msgspec.convert(row.bundle_items or [], list[Item])
    same = [g for g in group if g.action == row.action]
    out = dict(values) | {"bundleName": row.bundle_name or ""}
    out["items"] = "；".join(f"{g.matter}（{g.number}）" for g in same) or "无"
    if kind == "bundle_received":
        waiting = [i for i in items if i.state == "waiting"]
        out["waitingItems"] = "、".join(i.matter for i in waiting) or "无"
    elif kind == "bundle_supplement_requested":
        names: list[str] = []
        for g in same:
            for m in (g.payload or {}).get("materials", []):
                if m.get("name") not in names:
                    names.append(m.get("name"))
        out["missingMaterials"] = "、".join(names)
    elif kind == "bundle_item_refused":
        closed = [g for g in group if g.action == "closed_prerequisite"]
        out["closedItems"] = "、".join(f"{g.matter}（{g.number}）" for g in closed) or "无"
        out["reason"] = values.get("reason") or row.reason or row.terminal_reason or ""
    elif kind == "bundle_completed":
        out["outcomes"] = "；".join(_item_text(i) for i in items)
    return out
