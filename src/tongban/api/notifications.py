"""GraphQL for notifications: a case's messages and their delivery, and template management."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from tongban.api.context import Info
from tongban.api.convert import raw
from tongban.api.enums import MessageAudience, MessageChannel, NotificationKind
from tongban.api.errors import UserError, user_errors
from tongban.errors import DomainError
from tongban.identifiers import mask_email, mask_phone
from tongban.notifications import service, templates
from tongban.notifications.types import Message, PublishedTemplate


@strawberry.enum(description="Where a message is in its delivery.")
class MessageStatus(Enum):
    PENDING = strawberry.enum_value("pending", description="Waiting to be sent (or quiet hours).")
    SENDING = strawberry.enum_value("sending", description="A worker is sending it now.")
    SENT = strawberry.enum_value("sent", description="The provider accepted it.")
    DELIVERED = strawberry.enum_value("delivered", description="The phone reported receipt.")
    RETRY = strawberry.enum_value("retry", description="Failed for now; tried again later.")
    FAILED = strawberry.enum_value("failed", description="Will not be delivered (see lastError).")


@strawberry.type(description="One SMS or e-mail about a case, with its delivery status.")
class NotificationMessage:
    id: strawberry.ID = strawberry.field(description="Message id (the provider's OutId).")
    kind: NotificationKind = strawberry.field(description="What the notification is about.")
    audience: MessageAudience = strawberry.field(description="Applicant or officer.")
    channel: MessageChannel = strawberry.field(description="SMS or e-mail.")
    address: str = strawberry.field(
        description="Phone number or e-mail address (masked unless it is yours)."
    )
    subject: str = strawberry.field(description="E-mail subject (empty for SMS).")
    body: str = strawberry.field(description="The text as sent.")
    status: MessageStatus = strawberry.field(description="Delivery status.")
    attempts: int = strawberry.field(description="Send attempts so far.")
    provider_message_id: str | None = strawberry.field(
        description="The provider's id (SMS BizId), once accepted."
    )
    last_error: str | None = strawberry.field(
        description="The most recent failure, kept after a later success (null: none)."
    )
    next_attempt_at: datetime = strawberry.field(
        description="When it is (re)tried, while pending or retry."
    )
    created_at: datetime = strawberry.field(description="When the event was turned into it.")
    sent_at: datetime | None = strawberry.field(description="When the provider accepted it.")
    delivered_at: datetime | None = strawberry.field(description="When delivery was reported.")
    failed_at: datetime | None = strawberry.field(description="When it was given up.")

    @classmethod
    def from_domain(cls, m: Message, *, own: bool) -> NotificationMessage:
        address = m.address
        if not own:
            address = mask_phone(address) if m.channel == "sms" else mask_email(address)
        return cls(
            id=strawberry.ID(m.id),
            kind=NotificationKind(m.kind),
            audience=MessageAudience(m.audience),
            channel=MessageChannel(m.channel),
            address=address,
            subject=m.subject,
            body=m.body,
            status=MessageStatus(m.status),
            attempts=m.attempts,
            provider_message_id=m.provider_message_id,
            last_error=m.last_error,
            next_attempt_at=m.next_attempt_at,
            created_at=m.created_at,
            sent_at=m.sent_at,
            delivered_at=m.delivered_at,
            failed_at=m.failed_at,
        )


async def messages_of(info: Info, case_id: str) -> list[NotificationMessage]:
    principal = info.context.principal
    found = await info.context.loaders.messages.load(case_id)
    return [
        NotificationMessage.from_domain(
            m,
            own=(principal.is_applicant and m.recipient_id == principal.applicant_id)
            or (principal.is_officer and m.recipient_id == principal.officer_id),
        )
        for m in found
    ]


@strawberry.type(description="A placeholder a template may use, as ${name}.")
class Placeholder:
    name: str = strawberry.field(description="Write it as ${name}.")
    meaning: str = strawberry.field(description="What it is replaced with.")


@strawberry.type(description="The text of one notification kind on one channel.")
class NotificationTemplate:
    id: strawberry.ID = strawberry.field(
        description="Stable identifier of this version: "
        "NotificationTemplate:<kind>:<channel>:<audience>:<version>."
    )
    kind: NotificationKind = strawberry.field(description="Notification kind (see `title`).")
    title: str = strawberry.field(description="What the notification is about, in Chinese.")
    channel: MessageChannel = strawberry.field(description="SMS or e-mail.")
    audience: MessageAudience = strawberry.field(description="Who receives it.")
    version: int = strawberry.field(
        description="Published version (0: the built-in default); send it as expectedVersion."
    )
    enabled: bool = strawberry.field(description="False: this notification is not sent.")
    urgent: bool = strawberry.field(description="Urgent SMS are sent in quiet hours too.")
    subject: str = strawberry.field(description="E-mail subject (empty for SMS).")
    body: str = strawberry.field(description="The text with ${placeholders}.")
    placeholders: list[Placeholder] = strawberry.field(
        description="The placeholders this kind fills."
    )
    published_at: datetime | None = strawberry.field(description="When it was published.")
    published_by: str | None = strawberry.field(description="Who published it.")

    @classmethod
    def from_domain(cls, p: PublishedTemplate) -> NotificationTemplate:
        t = p.template
        return cls(
            id=strawberry.ID(f"NotificationTemplate:{t.kind}:{t.channel}:{t.audience}:{t.version}"),
            kind=NotificationKind(t.kind),
            title=templates.KINDS[t.kind].title,
            channel=MessageChannel(t.channel),
            audience=MessageAudience(t.audience),
            version=t.version,
            enabled=t.enabled,
            urgent=t.urgent,
            subject=t.subject,
            body=t.body,
            placeholders=[
                Placeholder(name=k, meaning=v) for k, v in templates.variables(t.kind).items()
            ],
            published_at=p.published_at,
            published_by=p.published_by,
        )


@strawberry.input(description="A new version of a template.")
class NotificationTemplateInput:
    kind: NotificationKind = strawberry.field(description="Notification kind.")
    channel: MessageChannel = strawberry.field(description="SMS or e-mail.")
    body: str = strawberry.field(description="Text with ${placeholders} of this kind.")
    subject: str = strawberry.field(default="", description="E-mail subject (SMS: empty).")
    enabled: bool = strawberry.field(default=True, description="False stops this notification.")
    urgent: bool = strawberry.field(default=False, description="Send SMS in quiet hours too.")
    expected_version: int = strawberry.field(
        description="The version you edited (0: the default); a newer one is a CONFLICT."
    )


@strawberry.type(description="Result of publishing a template.")
class NotificationTemplatePayload:
    template: NotificationTemplate | None = strawberry.field(
        description="The version now in force, when publishing succeeded."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why publishing failed (every faulty placeholder); nothing was written."
    )


@strawberry.type
class NotificationQuery:
    @strawberry.field(description="The template in force for every notification (administrators).")
    async def notification_templates(self, info: Info) -> list[NotificationTemplate]:
        principal = info.context.require_signed_in()
        found = await info.context.read(lambda c: service.templates_in_force(c, principal))
        return [NotificationTemplate.from_domain(p) for p in found]

    @strawberry.field(description="Every version of one template, newest first (administrators).")
    async def notification_template_versions(
        self,
        info: Info,
        kind: Annotated[NotificationKind, strawberry.argument(description="Notification kind.")],
        channel: Annotated[MessageChannel, strawberry.argument(description="SMS or e-mail.")],
    ) -> list[NotificationTemplate]:
        principal = info.context.require_signed_in()
        found = await info.context.read(
            lambda c: service.template_versions(c, principal, kind=raw(kind), channel=raw(channel))
        )
        return [
            NotificationTemplate.from_domain(p) for p in found if p.template.kind in templates.KINDS
        ]


@strawberry.type
class NotificationMutation:
    @strawberry.mutation(
        description="Publish a new version of a template (administrators); placeholders are checked."
    )
    async def publish_notification_template(
        self,
        info: Info,
        input: Annotated[
            NotificationTemplateInput, strawberry.argument(description="The new version.")
        ],
    ) -> NotificationTemplatePayload:
        principal = info.context.require_signed_in()
        try:
            async with info.context.transaction() as conn:
                published = await service.publish_template(
                    conn,
                    principal,
                    kind=raw(input.kind),
                    channel=raw(input.channel),
                    subject=input.subject,
                    body=input.body,
                    enabled=input.enabled,
                    urgent=input.urgent,
                    expected_version=input.expected_version,
                )
        except DomainError as exc:
            return NotificationTemplatePayload(
                template=None, user_errors=user_errors(exc, root="input")
            )
        return NotificationTemplatePayload(
            template=NotificationTemplate.from_domain(published), user_errors=[]
        )
