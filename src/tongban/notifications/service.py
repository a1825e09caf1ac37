"""Templates admins publish, a case's messages, and delivery receipts from the SMS provider."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg
import msgspec

from tongban.auth.types import Principal
from tongban.errors import ConflictError, ForbiddenError, InvalidInputError
from tongban.identifiers import is_uuid
from tongban.notifications import templates
from tongban.notifications.channels import Receipt
from tongban.notifications.planner import in_force, newest_published, template_of
from tongban.notifications.templates import Template


class PublishedTemplate(msgspec.Struct, frozen=True, kw_only=True):
    template: Template
    published_at: datetime | None
    published_by: str | None


class Message(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    kind: str
    audience: str
    recipient_id: str
    channel: str
    address: str
    subject: str
    body: str
    status: str
    attempts: int
    provider_message_id: str | None
    last_error: str | None
    next_attempt_at: datetime
    created_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None
    failed_at: datetime | None


def _require_admin(principal: Principal) -> None:
    if not (principal.is_officer and principal.has_role("admin")):
        raise ForbiddenError(
            "only administrators manage notification templates", problem="ADMINS_ONLY"
        )


async def templates_in_force(
    conn: asyncpg.Connection, principal: Principal
) -> list[PublishedTemplate]:
    """Every (kind, channel) with the template in force: the newest published, else default."""
    _require_admin(principal)
    published = await newest_published(conn)
    return [
        PublishedTemplate(
            template=t,
            published_at=published[key]["published_at"] if key in published else None,
            published_by=published[key]["published_by"] if key in published else None,
        )
        for key, t in sorted(
            in_force(published).items(),
            key=lambda kv: (list(templates.KINDS).index(kv[0][0]), kv[0][1]),
        )
    ]


async def template_versions(
    conn: asyncpg.Connection, principal: Principal, *, kind: str, channel: str
) -> list[PublishedTemplate]:
    """Every published version of one template, newest first, then the built-in default."""
    _require_admin(principal)
    rows = await conn.fetch(
        """SELECT kind, channel, audience, version, enabled, urgent, subject, body,
                  published_at, published_by
           FROM notification_template WHERE kind = $1 AND channel = $2 ORDER BY version DESC""",
        kind,
        channel,
    )
    found = [
        PublishedTemplate(
            template=template_of(r),
            published_at=r["published_at"],
            published_by=r["published_by"],
        )
        for r in rows
    ]
    default = templates.DEFAULTS.get((kind, channel))  # type: ignore[arg-type]
    if default is not None:
        found.append(PublishedTemplate(template=default, published_at=None, published_by=None))
    return found


async def publish_template(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    kind: str,
    channel: templates.Channel,
    subject: str,
    body: str,
    enabled: bool,
    urgent: bool,
    expected_version: int,
) -> PublishedTemplate:
    """Publish the next version of a template; placeholders are checked first.

    ``expected_version`` is the version the admin edited (0: the built-in default): if someone
    published in between, this is a CONFLICT instead of silently replacing their text.
    """
    if not principal.is_province_admin:
        # Templates speak to every applicant of the province: not one city's to change.
        raise ForbiddenError(
            "only the province's administrators publish notification templates",
            problem="PROVINCE_ADMINS_ONLY",
        )
    audience = templates.KINDS[kind].audience if kind in templates.KINDS else "applicant"
    template = Template(
        kind=kind,
        channel=channel,
        audience=audience,
        version=expected_version + 1,
        enabled=enabled,
        urgent=urgent,
        subject=subject.strip(),
        body=body.strip(),
    )
    problems = templates.check(template)
    if problems:
        raise InvalidInputError(problems)
    current: int = await conn.fetchval(
        """SELECT coalesce(max(version), 0) FROM notification_template
           WHERE kind = $1 AND channel = $2""",
        kind,
        channel,
    )
    if current != expected_version:
        raise ConflictError(
            f"version {current} was published since you loaded version {expected_version}",
            field="expectedVersion",
            details={"currentVersion": current},
            problem="TEMPLATE_VERSION_CHANGED",
            params={"currentVersion": current},
        )
    try:
        row = await conn.fetchrow(
            """INSERT INTO notification_template
                   (kind, channel, audience, version, enabled, urgent, subject, body, published_by)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
               RETURNING published_at, published_by""",
            kind,
            channel,
            audience,
            template.version,
            enabled,
            urgent,
            template.subject,
            template.body,
            principal.name or principal.subject,
        )
    except asyncpg.UniqueViolationError:
        raise ConflictError(
            "another administrator published this template at the same moment",
            field="expectedVersion",
            details={"currentVersion": template.version},
            problem="TEMPLATE_VERSION_CHANGED",
            params={"currentVersion": template.version},
        ) from None
    assert row is not None
    return PublishedTemplate(
        template=template, published_at=row["published_at"], published_by=row["published_by"]
    )


async def messages_of_cases(
    conn: asyncpg.Connection, principal: Principal, case_ids: Sequence[str]
) -> dict[str, list[Message]]:
    """Messages per case, oldest first: applicants see those sent to them, officers all.

    The caller has established that the viewer may see each case."""
    if not case_ids or principal.is_anonymous:
        return {}
    rows = await conn.fetch(
        """SELECT id::text, case_id::text, kind, audience, recipient_id::text, channel, address,
                  subject, body, status, attempts, provider_message_id, last_error,
                  next_attempt_at, created_at, sent_at, delivered_at, failed_at
           FROM notification_message
           WHERE case_id = ANY($1::uuid[])
             AND ($2::uuid IS NULL OR (audience = 'applicant' AND recipient_id = $2::uuid))
           ORDER BY case_id, event_seq, channel""",
        list(case_ids),
        principal.applicant_id if principal.is_applicant else None,
    )
    found: dict[str, list[Message]] = {}
    for r in rows:
        values = dict(r)
        found.setdefault(values.pop("case_id"), []).append(Message(**values))
    return found


async def apply_receipts(conn: asyncpg.Connection, receipts: Sequence[Receipt]) -> int:
    """Record delivery reports; a report for a message we never sent changes nothing."""
    usable = [r for r in receipts if is_uuid(r.message_id)]
    if not usable:
        return 0
    status = await conn.execute(
        """UPDATE notification_message m
           SET status = CASE WHEN r.delivered THEN 'delivered' ELSE 'failed' END,
               delivered_at = CASE WHEN r.delivered THEN r.at END,
               failed_at = CASE WHEN r.delivered THEN NULL ELSE r.at END,
               sent_at = coalesce(m.sent_at, r.at),
               last_error = CASE WHEN r.delivered THEN m.last_error
                                 ELSE coalesce(r.error, 'not delivered') END,
               provider_message_id = coalesce(m.provider_message_id, r.provider_id),
               lease_until = NULL,
               updated_at = now()
           FROM unnest($1::uuid[], $2::text[], $3::bool[], $4::text[], $5::timestamptz[])
                AS r(id, provider_id, delivered, error, at)
           WHERE m.id = r.id AND m.channel = 'sms' AND m.status IN ('sending', 'sent')""",
        [r.message_id for r in usable],
        [r.provider_message_id for r in usable],
        [r.delivered for r in usable],
        [r.error for r in usable],
        [r.reported_at for r in usable],
    )
    return int(status.split()[-1])
