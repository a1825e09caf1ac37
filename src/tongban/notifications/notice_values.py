"""What each kind of notice fills in its template: the case's common values, then the kind's own
from its event (one filler per kind, looked up in ``FILLERS``), worded as the law words them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from tongban.clock import local_day
from tongban.config import Settings
from tongban.licences.document import validity_words
from tongban.notifications.delivery_notice import delivery_values
from tongban.notifications.types import EventToPlan

# The decision as the law names it for the matter's kind of power (catalogue matter_kind).
DECISIONS: dict[str, dict[str, str]] = {
    "licence": {"approved": "准予许可", "approved_deferred": "容缺准予许可", "denied": "不予许可"},
    "approval": {"approved": "予以核准", "approved_deferred": "容缺予以核准", "denied": "不予核准"},
    "confirmation": {
        "approved": "予以确认",
        "approved_deferred": "容缺予以确认",
        "denied": "不予确认",
    },
    "payment": {"approved": "准予给付", "approved_deferred": "容缺准予给付", "denied": "不予给付"},
    "service": {"approved": "办结", "approved_deferred": "容缺办结", "denied": "不予办理"},
}
PROCEDURES = {
    "hearing": "听证",
    "tendering": "招标",
    "auction": "拍卖",
    "testing": "检验检测",
    "inspection": "检查",
    "quarantine": "检疫",
    "appraisal": "鉴定",
    "expert_review": "专家评审",
}
DEADLINES = {
    "one_notice": "一次性告知期限",
    "promised": "承诺办结期限",
    "statutory": "法定办结期限",
    "stage": "环节办理期限",
    "delivery": "送达期限",
    "follow_up": "差评整改期限",
    "verification": "告知承诺核查期限",
    "owed_materials": "容缺材料补交期限",
}
LEVELS = {"yellow": "黄牌", "red": "红牌", "escalation": "督办"}


def chinese_date(value: str | date | None) -> str:
    if value is None or value == "":
        return "待定"
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{day.year}年{day.month}月{day.day}日"


def _names(materials: Any) -> str:
    return "、".join(m.name for m in materials) or "无"


def _collect_at(row: EventToPlan) -> str:
    suffix = "便民服务中心" if row.receiving_region_level == "township" else "政务服务中心"
    return row.receiving_region_name + suffix


Filler = Callable[[EventToPlan, Any, str, Settings], dict[str, str]]


def values_of(row: EventToPlan, event: Any, kind: str, settings: Settings) -> dict[str, str]:
    """Every value the notice of ``kind`` about this event may name."""
    values: dict[str, Any] = {
        "caseNumber": row.number,
        "matterName": row.matter_name,
        "applicantName": row.applicant_name,
        "receivedOn": chinese_date(row.received_on),
        "department": row.department_name,
    }
    filler = FILLERS.get(kind) or next(
        (f for prefix, f in PREFIX_FILLERS if kind.startswith(prefix)), None
    )
    if filler is not None:
        values |= filler(row, event, row.reason or "", settings)
    if kind in ("accepted_deferred", "ready_for_delivery_deferred"):
        values["owedMaterials"] = _names(event.owed)
        values["owedDueOn"] = chinese_date(event.owed_due_on)
    return values


def _deadline_of(event: Any, clock: str) -> str:
    deadlines: dict[str, Any] = getattr(event, "deadlines", None) or {}
    return chinese_date(deadlines.get(clock))


def _accepted(row: EventToPlan, event: Any, reason: str, settings: Settings) -> dict[str, str]:
    return {
        "acceptedOn": chinese_date(event.accepted_on),
        "promisedDueOn": _deadline_of(event, "promised"),
        "statutoryDueOn": _deadline_of(event, "statutory"),
    }


def _supplement_requested(
    row: EventToPlan, event: Any, reason: str, settings: Settings
) -> dict[str, str]:
    """补正: what is asked, by when."""
    return {
        "missingMaterials": "、".join(m.name for m in event.materials),
        "note": reason or "无",
        "periodDays": str(event.period_days or ""),
        "dueOn": chinese_date(event.due_on),
    }


def _supplement_partly_received(
    row: EventToPlan, event: Any, reason: str, settings: Settings
) -> dict[str, str]:
    outstanding = "、".join(m.name for m in event.outstanding)
    return {"outstandingMaterials": outstanding, "dueOn": chinese_date(event.due_on)}


def _closed_no_supplement(
    row: EventToPlan, event: Any, reason: str, settings: Settings
) -> dict[str, str]:
    """终止办理: what was still missing when the period ran out."""
    missing = "、".join(m.name for m in event.missing)
    return {"missingMaterials": missing, "dueOn": chinese_date(event.due_on)}


def _closed_no_show(
    row: EventToPlan, event: Any, reason: str, settings: Settings
) -> dict[str, str]:
    """终止办理: the hearing (or other procedure) the applicant did not attend."""
    return {"procedure": PROCEDURES.get(event.procedure, event.procedure), "reason": reason}


def _owed_received(row: EventToPlan, event: Any, reason: str, settings: Settings) -> dict[str, str]:
    return {
        "receivedMaterials": _names(event.materials),
        "outstandingMaterials": _names(event.outstanding),
    }


def _extended(row: EventToPlan, event: Any, reason: str, settings: Settings) -> dict[str, str]:
    return {
        "extensionDays": str(event.days),
        "dueOn": _deadline_of(event, "statutory"),
        "reason": reason,
    }


def _special_procedure(
    row: EventToPlan, event: Any, reason: str, settings: Settings
) -> dict[str, str]:
    return {
        "procedure": PROCEDURES.get(event.kind, event.kind),
        "expectedDays": str(event.expected_days),
        "reason": reason,
    }


def _decision(row: EventToPlan, event: Any, reason: str, settings: Settings) -> dict[str, str]:
    """决定 in the matter kind's own words, its document number and where to collect it."""
    wording = DECISIONS.get(row.matter_kind, DECISIONS["licence"])
    return {
        "decision": wording.get(event.decision, ""),
        "reason": reason or row.decision_reason or "",
        "resultNumber": event.result_number or row.result_number or "无",
        "collectAt": _collect_at(row),
        "deliveryDueOn": chinese_date(row.delivery_due_on),
    }


def _delivered(row: EventToPlan, event: Any, reason: str, settings: Settings) -> dict[str, str]:
    at = event.delivered_at
    return {
        "resultNumber": row.result_number or "无",
        "deliveredOn": chinese_date(None if at is None else local_day(at, settings.timezone)),
        **delivery_values(event, settings),
    }


def _committed(row: EventToPlan, event: Any) -> dict[str, str]:
    """告知承诺制: the approval on the commitment, named in the matter kind's own words."""
    wording = DECISIONS.get(row.matter_kind, DECISIONS["licence"])
    return {
        "decision": wording["approved"],
        "resultNumber": event.result_number or row.result_number or "无",
    }


def _approved_on_commitment(
    row: EventToPlan, event: Any, reason: str, settings: Settings
) -> dict[str, str]:
    """Approved on the commitment, the verification to come."""
    return {
        **_committed(row, event),
        "collectAt": _collect_at(row),
        "deliveryDueOn": chinese_date(event.deadlines.get("delivery")),
        "verificationDays": str(event.verification_days),
        "verificationDueOn": chinese_date(event.verification_due_on),
    }


def _commitment_revoked(
    row: EventToPlan, event: Any, reason: str, settings: Settings
) -> dict[str, str]:
    """The approval revoked after a false commitment."""
    return {
        **_committed(row, event),
        "committedOn": chinese_date(event.committed_on),
        "conditions": event.conditions,
        "findings": row.reason or "",
    }


def _licence_issued(
    row: EventToPlan, event: Any, reason: str, settings: Settings
) -> dict[str, str]:
    return {
        "licenceName": event.type_name,
        "licenceNumber": event.licence_number,
        "validity": validity_words(event.valid_from, event.valid_until),
    }


def _moved(row: EventToPlan, event: Any, reason: str, settings: Settings) -> dict[str, str]:
    return {"newDepartment": event.to_department_name or row.department_name, "reason": reason}


def _revoked(row: EventToPlan, event: Any, reason: str, settings: Settings) -> dict[str, str]:
    """撤销 names what is revoked in the matter's own words (准予许可, 予以核准, 准予给付 …)."""
    wording = DECISIONS.get(row.matter_kind, DECISIONS["licence"])
    return {
        "decision": wording.get(row.decision or "approved", wording["approved"]),
        "resultNumber": row.result_number or "无",
        "reason": reason or row.terminal_reason or "",
    }


def _not_applicable(
    row: EventToPlan, event: Any, reason: str, settings: Settings
) -> dict[str, str]:
    return {"reason": reason or row.terminal_reason or ""}


def _refused(row: EventToPlan, event: Any, reason: str, settings: Settings) -> dict[str, str]:
    return {
        "reason": reason or row.terminal_reason or "",
        "competentAgency": row.competent_agency or "有权机关",
    }


def _deadline(row: EventToPlan, event: Any, reason: str, settings: Settings) -> dict[str, str]:
    return {
        "deadline": DEADLINES.get(str(event.clock), "办理期限"),
        "dueOn": chinese_date(event.due_on),
        "level": LEVELS.get(str(event.level), ""),
    }


FILLERS: dict[str, Filler] = {
    "supplement_requested": _supplement_requested,
    "supplement_partly_received": _supplement_partly_received,
    "closed_no_supplement": _closed_no_supplement,
    "closed_no_show": _closed_no_show,
    "accepted": _accepted,
    "accepted_deferred": _accepted,
    "owed_materials_received": _owed_received,
    "extended": _extended,
    "special_procedure": _special_procedure,
    "decided": _decision,
    "ready_for_delivery": _decision,
    "ready_for_delivery_deferred": _decision,
    "approved_on_commitment": _approved_on_commitment,
    "commitment_revoked": _commitment_revoked,
    "licence_issued": _licence_issued,
    "verification_passed": lambda row, event, reason, settings: {"findings": reason},
    "handed_up": _moved,
    "transferred": _moved,
    "follow_up_completed": lambda row, event, reason, settings: {"actions": reason},
    "revoked": _revoked,
    "not_applicable": _not_applicable,
    "refused": _refused,
}
# Kinds that name a family: 送达 by each method, and each deadline warning level.
PREFIX_FILLERS: tuple[tuple[str, Filler], ...] = (
    ("delivered_", _delivered),
    ("deadline_", _deadline),
)
