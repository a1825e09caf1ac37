"""Events → messages: which notification an event gives, to whom, on which channels, with what text.

Planning an outbox row and marking it handled happen in one transaction, and every message is
unique per (event, recipient, channel): an event the relay delivers twice, or a planner killed
half-way, yields each message once.

A row another transaction holds is never waited for: the relay locks the rows it publishes until
it commits, a moment *after* the stream entry is readable, and a planner that waited on it while
holding other rows could deadlock with it. Such rows are reported back as ``busy`` so that the
stream consumer keeps their entries pending and tries again shortly, instead of acknowledging
an event nobody planned.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import msgspec

from tongban.clock import local_day
from tongban.config import Settings
from tongban.config_checks import quiet_hours
from tongban.deadlines import events as de
from tongban.events.catalog import AnyEvent, decode
from tongban.licences.document import validity_words
from tongban.notifications import repository as repo
from tongban.notifications import template_texts, templates
from tongban.notifications.bundle_notices import bundle_kind, bundle_values
from tongban.notifications.delivery_notice import delivery_values
from tongban.notifications.kinds import kind_of
from tongban.notifications.templates import Template
from tongban.notifications.types import (
    Contact,
    EventToPlan,
    NewMessage,
    Planned,
    PublishedTemplate,
)

log = logging.getLogger(__name__)

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


def _event_of(row: EventToPlan) -> AnyEvent | None:
    try:
        return decode(row.action, row.payload)
    except msgspec.ValidationError as exc:
        # One malformed history row must not hold up the notices of every event after it.
        log.warning("event %s not planned: %s", row.event_id, exc)
        return None


def in_quiet_hours(now: datetime, settings: Settings) -> datetime | None:
    """When quiet hours end, if ``now`` falls in them (None otherwise)."""
    window = quiet_hours(settings.notify_quiet_hours)
    if window is None:
        return None
    start, end = window
    local = now.astimezone(ZoneInfo(settings.timezone))
    minute = local.hour * 60 + local.minute
    quiet = start <= minute < end if start < end else (minute >= start or minute < end)
    if not quiet:
        return None
    end_at = datetime.combine(local.date(), time(end // 60, end % 60), local.tzinfo)
    if end_at <= local:
        end_at += timedelta(days=1)
    return end_at


def in_force(
    published: dict[tuple[str, str, str], PublishedTemplate],
) -> dict[tuple[str, str, str], Template]:
    """The template in force for every (kind, channel, audience): newest published, else default."""
    found: dict[tuple[str, str, str], Template] = {
        (t.kind, t.channel, t.audience): t for t in template_texts.DEFAULTS.values()
    }
    found.update({key: p.template for key, p in published.items()})
    return found


def _collect_at(row: EventToPlan) -> str:
    suffix = "便民服务中心" if row.receiving_region_level == "township" else "政务服务中心"
    return row.receiving_region_name + suffix


def _values(row: EventToPlan, event: Any, kind: str, settings: Settings) -> dict[str, str]:
    deadlines: dict[str, Any] = getattr(event, "deadlines", None) or {}
    reason = row.reason or ""
    values: dict[str, Any] = {
        "caseNumber": row.number,
        "matterName": row.matter_name,
        "applicantName": row.applicant_name,
        "receivedOn": chinese_date(row.received_on),
        "department": row.department_name,
    }
    if kind in _SUPPLEMENT_KINDS:
        _supplement_values(event, kind, reason, values)
    elif kind in ("accepted", "accepted_deferred"):
        values["acceptedOn"] = chinese_date(event.accepted_on)
        values["promisedDueOn"] = chinese_date(deadlines.get("promised"))
        values["statutoryDueOn"] = chinese_date(deadlines.get("statutory"))
    elif kind == "owed_materials_received":
        values["receivedMaterials"] = _names(event.materials)
        values["outstandingMaterials"] = _names(event.outstanding)
    elif kind == "extended":
        values["extensionDays"] = str(event.days)
        values["dueOn"] = chinese_date(deadlines.get("statutory"))
        values["reason"] = reason
    elif kind == "special_procedure":
        values["procedure"] = PROCEDURES.get(event.kind, event.kind)
        values["expectedDays"] = str(event.expected_days)
        values["reason"] = reason
    elif kind in ("decided", "ready_for_delivery", "ready_for_delivery_deferred"):
        _decision_values(row, event, reason, values)
    elif kind.startswith("delivered_"):
        values["resultNumber"] = row.result_number or "无"
        values["deliveredOn"] = chinese_date(
            None if event.delivered_at is None else local_day(event.delivered_at, settings.timezone)
        )
        values |= delivery_values(event, settings)
    elif kind in ("approved_on_commitment", "commitment_revoked"):
        _commitment_values(row, event, kind, values)
    elif kind == "licence_issued":
        values["licenceName"] = event.type_name
        values["licenceNumber"] = event.licence_number
        values["validity"] = validity_words(event.valid_from, event.valid_until)
    elif kind == "verification_passed":
        values["findings"] = reason
    elif kind in ("handed_up", "transferred"):
        values["newDepartment"] = event.to_department_name or row.department_name
        values["reason"] = reason
    elif kind == "follow_up_completed":
        values["actions"] = reason
    elif kind == "revoked":
        _revocation_values(row, reason, values)
    elif kind == "not_applicable":
        values["reason"] = reason or row.terminal_reason or ""
    elif kind == "refused":
        values["reason"] = reason or row.terminal_reason or ""
        values["competentAgency"] = row.competent_agency or "有权机关"
    elif kind.startswith("deadline_"):
        values["deadline"] = DEADLINES.get(str(event.clock), "办理期限")
        values["dueOn"] = chinese_date(event.due_on)
        values["level"] = LEVELS.get(str(event.level), "")
    if kind in ("accepted_deferred", "ready_for_delivery_deferred"):
        values["owedMaterials"] = _names(event.owed)
        values["owedDueOn"] = chinese_date(event.owed_due_on)
    return values


def _decision_values(row: EventToPlan, event: Any, reason: str, values: dict[str, Any]) -> None:
    """决定 in the matter kind's own words, its document number and where to collect it."""
    wording = DECISIONS.get(row.matter_kind, DECISIONS["licence"])
    values["decision"] = wording.get(event.decision, "")
    values["reason"] = reason or row.decision_reason or ""
    values["resultNumber"] = event.result_number or row.result_number or "无"
    values["collectAt"] = _collect_at(row)
    values["deliveryDueOn"] = chinese_date(row.delivery_due_on)


def _revocation_values(row: EventToPlan, reason: str, values: dict[str, Any]) -> None:
    """撤销 names what is revoked in the matter's own words (准予许可, 予以核准, 准予给付 …)."""
    wording = DECISIONS.get(row.matter_kind, DECISIONS["licence"])
    values["decision"] = wording.get(row.decision or "approved", wording["approved"])
    values["resultNumber"] = row.result_number or "无"
    values["reason"] = reason or row.terminal_reason or ""


_SUPPLEMENT_KINDS = (
    "supplement_requested",
    "supplement_partly_received",
    "closed_no_supplement",
    "closed_no_show",
)


def _supplement_values(event: Any, kind: str, reason: str, values: dict[str, Any]) -> None:
    """补正 and 终止办理: what is asked or still missing, by when; the hearing not attended."""
    if kind == "supplement_requested":
        values["missingMaterials"] = "、".join(m.name for m in event.materials)
        values["note"] = reason or "无"
        values["periodDays"] = str(event.period_days or "")
        values["dueOn"] = chinese_date(event.due_on)
    elif kind == "supplement_partly_received":
        values["outstandingMaterials"] = "、".join(m.name for m in event.outstanding)
        values["dueOn"] = chinese_date(event.due_on)
    elif kind == "closed_no_supplement":
        values["missingMaterials"] = "、".join(m.name for m in event.missing)
        values["dueOn"] = chinese_date(event.due_on)
    else:
        values["procedure"] = PROCEDURES.get(event.procedure, event.procedure)
        values["reason"] = reason


def _commitment_values(row: EventToPlan, event: Any, kind: str, values: dict[str, Any]) -> None:
    """告知承诺制: the approval on the commitment, or its revocation after a false one."""
    wording = DECISIONS.get(row.matter_kind, DECISIONS["licence"])
    values["decision"] = wording["approved"]
    values["resultNumber"] = event.result_number or row.result_number or "无"
    if kind == "approved_on_commitment":
        values["collectAt"] = _collect_at(row)
        values["deliveryDueOn"] = chinese_date(event.deadlines.get("delivery"))
        values["verificationDays"] = str(event.verification_days)
        values["verificationDueOn"] = chinese_date(event.verification_due_on)
    else:
        values["committedOn"] = chinese_date(event.committed_on)
        values["conditions"] = event.conditions
        values["findings"] = row.reason or ""


async def plan(
    conn: asyncpg.Connection, outbox_ids: list[int], *, settings: Settings, now: datetime
) -> Planned:
    """Plan the messages of these outbox rows and mark them handled, in the caller's transaction.

    Rows already handled are skipped; rows another transaction holds come back in ``busy``.
    """
    locked = await repo.lock_unplanned(conn, outbox_ids=outbox_ids)
    busy: frozenset[int] = frozenset()
    if len(locked) < len(set(outbox_ids)):
        # Skipped by SKIP LOCKED, or handled already (by us earlier or by a planner that has
        # committed since): only the former are still unhandled.
        busy = await repo.unplanned_among(conn, outbox_ids=outbox_ids, besides=locked)
    if not locked:
        return Planned(0, 0, busy)
    rows = await repo.events_to_plan(conn, outbox_ids=locked)
    events = [(row, _event_of(row)) for row in rows]
    in_force_now = in_force(await repo.newest_published(conn))
    officers = await _officers(conn, [e for _, e in events])
    quiet_until = in_quiet_hours(now, settings)
    messages: list[NewMessage] = []
    for row, event in events:
        messages += _messages_of(row, event, officers, in_force_now, quiet_until, now, settings)
    inserted = await repo.insert_messages(conn, messages=messages)
    # Every locked row is handled, also one whose event notifies nobody: left unmarked it would
    # come back to every catch-up scan and keep its stream entry pending for ever.
    # Delivery bookkeeping (database clock): catch-up scans compare it with real elapsed time.
    await repo.mark_planned(conn, outbox_ids=locked)
    return Planned(len(locked), inserted, busy)


def _messages_of(
    row: EventToPlan,
    event: AnyEvent | None,
    officers: dict[str, Contact],
    in_force_now: dict[tuple[str, str, str], Template],
    quiet_until: datetime | None,
    now: datetime,
    settings: Settings,
) -> list[NewMessage]:
    """One message per recipient and channel the event's kind notifies and they accept."""
    kind = None if event is None else kind_of(event)
    own = kind
    if kind is not None and row.bundle_application_id is not None:
        kind = bundle_kind(kind, row)
    if kind is None or own is None:
        return []
    audience = templates.KINDS[kind].audience
    values = _values(row, event, own, settings)
    if kind != own:
        values = bundle_values(kind, row, event, values)
    if audience == "applicant":
        recipients = [Contact(row.applicant_id, row.mobile, row.email, row.channels)]
    else:
        ids = event.recipients if isinstance(event, de.DeadlineWarning) else []
        recipients = [officers[r.officer_id] for r in ids if r.officer_id in officers]
    messages: list[NewMessage] = []
    for recipient in recipients:
        for channel, address in (("sms", recipient.mobile), ("email", recipient.email)):
            template = in_force_now[(kind, channel, audience)]
            if channel not in recipient.channels or not address or not template.enabled:
                continue
            waits = channel == "sms" and not template.urgent and quiet_until is not None
            messages.append(
                NewMessage(
                    event_id=row.event_id,
                    event_seq=row.outbox_id,
                    case_id=row.case_id,
                    kind=kind,
                    audience=audience,
                    recipient_id=recipient.recipient_id,
                    channel=channel,
                    address=address,
                    template_version=template.version,
                    urgent=template.urgent,
                    subject=templates.render(template.subject, values),
                    body=templates.render(template.body, values),
                    params=values,
                    next_attempt_at=quiet_until if waits and quiet_until else now,
                )
            )
    return messages


async def _officers(conn: asyncpg.Connection, events: list[AnyEvent | None]) -> dict[str, Contact]:
    ids = {
        r.officer_id
        for event in events
        if isinstance(event, de.DeadlineWarning)
        for r in event.recipients
        if r.officer_id
    }
    if not ids:
        return {}
    return await repo.officer_contacts(conn, ids=list(ids))


async def plan_pending(
    pool: asyncpg.Pool,
    *,
    settings: Settings,
    now: datetime,
    outbox_ids: list[int] | None = None,
    older_than_seconds: float = 0.0,
    batch: int = 500,
) -> Planned:
    """Plan the given outbox rows, or (catch-up) every published row not yet handled.

    Given rows that another transaction holds come back in ``busy`` (the catch-up scan simply
    finds them again next time)."""
    events = messages = 0
    while True:
        async with pool.acquire() as conn, conn.transaction():
            ids = outbox_ids
            if ids is None:
                ids = await repo.unplanned_published(
                    conn, older_than_seconds=older_than_seconds, limit=batch
                )
            if not ids:
                return Planned(events, messages)
            done = await plan(conn, ids, settings=settings, now=now)
        events += done.events
        messages += done.messages
        if outbox_ids is not None:
            return Planned(events, messages, done.busy)
        if len(ids) < batch or done.events == 0:
            return Planned(events, messages)
