"""GraphQL subscriptions (graphql-transport-ws): live case updates from the relay's Redis
channels, so a subscriber on any API process receives them."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Annotated

import msgspec
import strawberry
from redis.exceptions import RedisError

from tongban.api.arguments import CaseNumber
from tongban.api.cases import Case as CaseView
from tongban.api.context import Info
from tongban.api.enums import CaseEventAction, CaseState
from tongban.api.errors import graphql_error
from tongban.api.supervision import SupervisionWarning
from tongban.auth.errors import NotAllowedError, TokenError
from tongban.auth.types import Principal
from tongban.cases import events as ce
from tongban.cases import repository as repo
from tongban.cases.errors import CaseNotFoundError
from tongban.cases.types import Case
from tongban.deadlines import events as de
from tongban.errors import DomainError, NotFoundError, ServiceUnavailableError, ValidationError
from tongban.events import repository as events_repo
from tongban.events.catalog import EVENT_TYPES
from tongban.events.relay import (
    CHANNEL_PREFIX,
    DEPARTMENT_PREFIX,
    REGION_PREFIX,
    SUPERVISION_PREFIX,
)
from tongban.events.types import Event, OutboxMessage, RelayMessage
from tongban.identifiers import is_uuid, validate_case_number, validate_region_code
from tongban.licences import events as le
from tongban.review import events as rv
from tongban.supervision import repository as supervision_repo
from tongban.supervision.ratings import supervised_region

log = logging.getLogger(__name__)
# Seconds a subscription's Redis connection may stay silent before it is pinged.
PUBSUB_IDLE_SECONDS = 30


@strawberry.type(description="Something happened to a case you may see.")
class CaseUpdate:
    event_id: strawberry.ID = strawberry.field(description="The event; ignore one seen before.")
    case_number: str = strawberry.field(description="The case.")
    action: CaseEventAction = strawberry.field(description="What happened.")
    version: int | None = strawberry.field(description="Case version after the change.")
    state: CaseState | None = strawberry.field(description="Case state after the change.")
    visible_case: strawberry.Private[Case]

    @strawberry.field(
        description="The case as it stands when the event is delivered (read afresh, with what "
        "you may see of it now; personal data shown whole is recorded per delivered event)."
    )
    def case(self) -> CaseView:
        return CaseView.from_domain(self.visible_case)


@strawberry.type(
    description="Live updates over graphql-transport-ws (authenticate in connection_init)."
)
class Subscription:
    @strawberry.subscription(
        description="Events of one case, as they are published. Access is checked when you "
        "subscribe and again for every event."
    )
    async def case_updated(
        self,
        info: Info,
        case_number: CaseNumber,
        after_event_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Resume after this event (the last one you received): the events "
                "since then come first, from the case history, then the live ones — nothing in "
                "a reconnect's gap is lost."
            ),
        ] = None,
    ) -> AsyncGenerator[CaseUpdate, None]:
        principal = info.context.require_signed_in()
        case_id, _ = await _followed_case(info, principal, case_number)
        resume_after = _resume_point(after_event_id)

        async def missed() -> list[RelayMessage]:
            return [] if resume_after is None else await _missed(info, case_id, resume_after)

        seen: set[str] = set()
        stream = _events(info, [CHANNEL_PREFIX + case_id], replay=missed)
        async with contextlib.aclosing(stream) as events:
            async for event in events:
                if event.eventId in seen:
                    continue  # at-least-once delivery: a relay retry may repeat an event
                seen.add(event.eventId)
                if not _shown_to(principal, event):
                    continue
                # Access can change (a hand-up, a transfer): check it for every event.
                visible = await _visible_now(info, principal, case_id)
                if visible is None:
                    return
                yield _update(event, visible)

    @strawberry.subscription(
        description="Events of cases your department works on (its worklist), as they are "
        "published; each is checked against what you may see."
    )
    async def worklist_updated(self, info: Info) -> AsyncGenerator[CaseUpdate, None]:
        principal = info.context.require_signed_in()
        if not principal.is_officer or principal.department_id is None:
            raise graphql_error(
                NotAllowedError("worklists belong to officers", problem="WORKLIST_OFFICERS_ONLY")
            )
        seen: set[str] = set()
        channels = [DEPARTMENT_PREFIX + principal.department_id]
        if principal.has_role("intake") and principal.region_code:
            # A window's worklist is also what arrives in its region.
            channels.append(REGION_PREFIX + principal.region_code)
        async with contextlib.aclosing(_events(info, channels)) as events:
            async for event in events:
                if event.eventId in seen:
                    continue
                seen.add(event.eventId)
                visible = await _visible_now(info, principal, event.caseId)
                if visible is None:
                    continue
                yield _update(event, visible)

    @strawberry.subscription(
        description="Deadline warnings (yellow, red, escalation) newly raised on cases handled "
        "in your region or below it, as they are published (supervisors, heads and "
        "administrators); each is checked against what you may see."
    )
    async def supervision_warnings(
        self,
        info: Info,
        region_code: Annotated[
            str | None,
            strawberry.argument(description="Region subtree (default: your own region)."),
        ] = None,
    ) -> AsyncGenerator[SupervisionWarning, None]:
        principal = info.context.require_signed_in()
        try:
            code = None if region_code is None else validate_region_code(region_code)
            region = await info.context.read(lambda c: supervised_region(c, principal, code))
        except DomainError as exc:
            raise graphql_error(exc) from None
        seen: set[str] = set()
        async with contextlib.aclosing(_events(info, [SUPERVISION_PREFIX + region])) as events:
            async for event in events:
                if event.eventId in seen:
                    continue
                seen.add(event.eventId)
                warning = await _raised_warning(info, principal, event)
                if warning is not None:
                    yield warning


async def _raised_warning(
    info: Info, principal: Principal, event: RelayMessage
) -> SupervisionWarning | None:
    """The warning a deadline event announced, if the subscriber may see its case."""
    level, clock = event.payload.level, event.payload.clock
    if level is None or clock is None:
        return None
    row = await info.context.read(
        lambda c: supervision_repo.raised_warning(
            c, principal=principal, case_id=event.caseId, level=level, clock=clock
        )
    )
    return None if row is None else SupervisionWarning.from_domain(row)


async def _followed_case(info: Info, principal: Principal, case_number: str) -> tuple[str, str]:
    """The id and number of a case the subscriber may see, or a GraphQL error."""
    try:
        number = validate_case_number(case_number, field="caseNumber")
    except DomainError as exc:
        raise graphql_error(exc) from None
    found = await info.context.read(
        lambda c: repo.visible_cases_by_number(c, principal=principal, numbers=[number])
    )
    if not found:
        raise graphql_error(
            CaseNotFoundError(f"no case {number}", field="caseNumber", params={"number": number})
        )
    return found[0].id, number


async def _visible_now(info: Info, principal: Principal, case_id: str) -> Case | None:
    """The case if the subscriber may see it at this moment: read afresh for every event (no
    loader, whose cache would outlive a hand-up or a transfer)."""
    found = await info.context.read(
        lambda c: repo.visible_cases_by_id(c, principal=principal, ids=[case_id])
    )
    return found[0] if found else None


def _resume_point(after_event_id: strawberry.ID | None) -> str | None:
    if after_event_id is None:
        return None
    if not is_uuid(str(after_event_id)):
        raise graphql_error(
            ValidationError(
                "afterEventId is an event id", field="afterEventId", problem="INVALID_EVENT_ID"
            )
        )
    return str(after_event_id)


async def _missed(info: Info, case_id: str, after_event_id: str) -> list[RelayMessage]:
    """The case's events since ``after_event_id``, from the outbox, as the relay sent them."""
    rows = await info.context.read(
        lambda c: events_repo.outbox_after(c, case_id=case_id, after_event_id=after_event_id)
    )
    if rows is None:
        raise graphql_error(
            NotFoundError(
                "no such event of this case", field="afterEventId", problem="EVENT_NOT_FOUND"
            )
        )
    return [_replayed(case_id, r.event_id, r.payload) for r in rows]


def _replayed(case_id: str, event_id: str, payload: object) -> RelayMessage:
    """An event from the outbox table, as the relay published it."""
    return RelayMessage(
        eventId=event_id, caseId=case_id, payload=msgspec.convert(payload, OutboxMessage)
    )


def _update(event: RelayMessage, case: Case) -> CaseUpdate:
    payload = event.payload
    return CaseUpdate(
        event_id=strawberry.ID(event.eventId),
        case_number=case.number,
        visible_case=case,
        action=CaseEventAction(payload.action),
        version=payload.version,
        state=None if payload.state is None else CaseState(payload.state),
    )


# Whether an applicant following their case sees each kind of event live: not deadline
# warnings nor the internal handling of tasks (officers see everything they may see). A new
# kind of event without a row here fails tests/events/test_event_types.py.
APPLICANT_SEES: dict[type[Event], bool] = {
    ce.Submitted: True,
    ce.Accepted: True,
    ce.AcceptedAutomatically: True,
    ce.AcceptedDeferred: True,
    ce.OwedMaterialsSupplied: True,
    ce.DeclaredNotApplicable: True,
    ce.Refused: True,
    ce.SupplementRequested: True,
    ce.Supplemented: True,
    ce.Decided: True,
    ce.Delivered: True,
    ce.Withdrawn: True,
    ce.ClosedNoSupplement: True,
    ce.ClosedNoShow: True,
    ce.Released: True,
    ce.ClosedPrerequisite: True,
    ce.Revoked: True,
    ce.Rated: True,
    ce.FollowUpCompleted: True,
    ce.Rerated: True,
    ce.ApprovedOnCommitment: True,
    ce.VerificationPassed: True,
    ce.CommitmentRevoked: True,
    le.LicenceIssued: True,
    le.LicenceRevoked: True,
    rv.TaskClaimed: False,
    rv.OpinionGiven: True,
    rv.SentBack: True,
    rv.HandedUp: True,
    rv.Transferred: True,
    rv.SpecialProcedureStarted: True,
    rv.SpecialProcedureEnded: True,
    rv.Extended: True,
    de.DeadlineYellow: False,
    de.DeadlineRed: False,
    de.DeadlineEscalation: False,
}


def _shown_to(principal: Principal, event: RelayMessage) -> bool:
    kind = EVENT_TYPES.get(event.payload.action)
    # An action no type knows is not shown to applicants: what they see is decided above.
    return not principal.is_applicant or (kind is not None and APPLICANT_SEES[kind])


async def _events(
    info: Info,
    channels: list[str],
    replay: Callable[[], Awaitable[list[RelayMessage]]] | None = None,
) -> AsyncGenerator[RelayMessage, None]:
    """The relay's events on one channel, for as long as the subscriber stays.

    A quiet channel is normal (a worklist may see nothing for hours): reads wait without a
    timeout and Redis is pinged on idle connections. When Redis goes away the subscription ends
    with SERVICE_UNAVAILABLE (retryable), so clients resubscribe with backoff instead of taking
    it for a bug; missed events are in the case history.
    """
    redis = info.context.pubsub
    assert redis is not None
    expires_at = info.context.principal.expires_at
    pubsub = redis.pubsub(ignore_subscribe_messages=True)
    try:
        # Subscribed before the history is read: an event published meanwhile is not lost
        # (it may come twice; the caller drops repeats).
        await pubsub.subscribe(*channels)
        for missed in await replay() if replay is not None else []:
            yield missed
        while True:
            wait = float(PUBSUB_IDLE_SECONDS)
            if expires_at is not None:
                left = expires_at - time.time()
                if left <= 0:
                    raise graphql_error(
                        TokenError("expired", "the access token has expired; subscribe again")
                    )
                wait = min(wait, left)
            # A bounded wait, so that each idle period ends with a health-check ping.
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=wait)
            if message is None or message.get("type") != "message":
                continue
            yield msgspec.json.decode(message["data"], type=RelayMessage)
    except (RedisError, OSError) as exc:
        log.warning("subscription ended: Redis unavailable: %s", exc)
        raise graphql_error(
            ServiceUnavailableError("live updates are unavailable for now; subscribe again later")
        ) from None
    finally:
        with contextlib.suppress(RedisError, OSError):
            await pubsub.unsubscribe()
        with contextlib.suppress(RedisError, OSError):
            await pubsub.aclose()  # type: ignore[no-untyped-call]
