"""Templates admins publish, a case's messages, and delivery receipts from the SMS provider."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from tongban.auth.types import Principal
from tongban.errors import ForbiddenError, InvalidInputError
from tongban.identifiers import is_uuid
from tongban.notifications import repository as repo
from tongban.notifications import template_texts, templates
from tongban.notifications.channels import Receipt
from tongban.notifications.errors import TemplateVersionChangedError
from tongban.notifications.planner import in_force
from tongban.notifications.templates import Template
from tongban.notifications.types import Message, PublishedTemplate


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
    published = await repo.newest_published(conn)
    return [
        published[key]
        if key in published
        else PublishedTemplate(template=t, published_at=None, published_by=None)
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
    found = await repo.template_versions(conn, kind=kind, channel=channel)
    default = template_texts.DEFAULTS.get((kind, channel))  # type: ignore[arg-type]
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
    current = await repo.latest_template_version(conn, kind=kind, channel=channel)
    if current != expected_version:
        raise TemplateVersionChangedError(
            f"version {current} was published since you loaded version {expected_version}",
            current_version=current,
        )
    published = await repo.insert_template(
        conn, template=template, published_by=principal.name or principal.subject
    )
    if published is None:
        raise TemplateVersionChangedError(
            "another administrator published this template at the same moment",
            current_version=template.version,
        )
    return published


async def messages_of_cases(
    conn: asyncpg.Connection, principal: Principal, case_ids: Sequence[str]
) -> dict[str, list[Message]]:
    """Messages per case, oldest first: applicants see those sent to them, officers all.

    The caller has established that the viewer may see each case."""
    if not case_ids or principal.is_anonymous:
        return {}
    return await repo.messages_of_cases(
        conn,
        case_ids=case_ids,
        applicant_id=principal.applicant_id if principal.is_applicant else None,
    )


async def apply_receipts(conn: asyncpg.Connection, receipts: Sequence[Receipt]) -> int:
    """Record delivery reports; a report for a message we never sent changes nothing."""
    usable = [r for r in receipts if is_uuid(r.message_id)]
    if not usable:
        return 0
    return await repo.apply_receipts(conn, receipts=usable)
