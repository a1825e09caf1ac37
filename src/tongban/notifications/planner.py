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
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import msgspec

from tongban.config import Settings
from tongban.config_checks import quiet_hours
from tongban.deadlines import events as de
from tongban.events.catalog import AnyEvent, decode
from tongban.notifications import repository as repo
from tongban.notifications import template_texts, templates
from tongban.notifications.bundle_notices import bundle_kind, bundle_values
from tongban.notifications.kinds import kind_of
from tongban.notifications.notice_values import values_of
from tongban.notifications.templates import Template
from tongban.notifications.types import (
    Contact,
    EventToPlan,
    NewMessage,
    Planned,
    PublishedTemplate,
)

log = logging.getLogger(__name__)


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
    values = values_of(row, event, own, settings)
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
