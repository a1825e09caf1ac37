"""GraphQL subscriptions (graphql-transport-ws): live case updates from the relay's Redis
channels, so a subscriber on any API process receives them."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import msgspec
import strawberry

from tongban.api.context import Info
from tongban.api.errors import graphql_error
from tongban.auth.errors import NotAllowedError
from tongban.cases import repository as repo
from tongban.cases.errors import CaseNotFoundError
from tongban.errors import DomainError
from tongban.events.relay import CHANNEL_PREFIX, DEPARTMENT_PREFIX
from tongban.identifiers import validate_case_number


@strawberry.type(description="Something happened to a case you may see.")
class CaseUpdate:
    event_id: strawberry.ID = strawberry.field(description="The event; ignore one seen before.")
    case_number: str = strawberry.field(description="The case.")
    action: str = strawberry.field(description="What happened, e.g. accepted, deadline_red.")
    version: int | None = strawberry.field(description="Case version after the change.")
    state: str | None = strawberry.field(description="Case state after the change.")


class _Message(msgspec.Struct):
    eventId: str
    caseId: str
    payload: dict[str, object]


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
        case_number: Annotated[str, strawberry.argument(description="Case number.")],
    ) -> AsyncGenerator[CaseUpdate, None]:
        principal = info.context.require_signed_in()
        try:
            number = validate_case_number(case_number, field="caseNumber")
        except DomainError as exc:
            raise graphql_error(exc) from None
        async with info.context.pool.acquire() as conn:
            found = await repo.visible_cases_by_number(conn, principal=principal, numbers=[number])
        if not found:
            raise graphql_error(CaseNotFoundError(f"no case {number}", field="caseNumber"))
        case_id = found[0].id
        redis = info.context.redis
        assert redis is not None
        pubsub = redis.pubsub()
        await pubsub.subscribe(CHANNEL_PREFIX + case_id)
        seen: set[str] = set()
        try:
            async for message in pubsub.listen():
                if message.get("type") != "message":
                    continue
                event = msgspec.json.decode(message["data"], type=_Message)
                if event.eventId in seen:
                    continue  # at-least-once delivery: a relay retry may repeat an event
                seen.add(event.eventId)
                # Access can change (a hand-up, a transfer): check it for every event.
                async with info.context.pool.acquire() as conn:
                    still = await repo.visible_cases_by_id(conn, principal=principal, ids=[case_id])
                if not still:
                    return
                payload = event.payload
                version = payload.get("version")
                state = payload.get("state")
                yield CaseUpdate(
                    event_id=strawberry.ID(event.eventId),
                    case_number=number,
                    action=str(payload.get("action", "")),
                    version=version if isinstance(version, int) else None,
                    state=state if isinstance(state, str) else None,
                )
        finally:
            await pubsub.unsubscribe()
            await pubsub.aclose()  # type: ignore[no-untyped-call]

    @strawberry.subscription(
        description="Events of cases your department works on (its worklist), as they are "
        "published; each is checked against what you may see."
    )
    async def worklist_updated(self, info: Info) -> AsyncGenerator[CaseUpdate, None]:
        principal = info.context.require_signed_in()
        if not principal.is_officer or principal.department_id is None:
            raise graphql_error(NotAllowedError("worklists belong to officers"))
        redis = info.context.redis
        assert redis is not None
        pubsub = redis.pubsub()
        await pubsub.subscribe(DEPARTMENT_PREFIX + principal.department_id)
        seen: set[str] = set()
        try:
            async for message in pubsub.listen():
                if message.get("type") != "message":
                    continue
                event = msgspec.json.decode(message["data"], type=_Message)
                if event.eventId in seen:
                    continue
                seen.add(event.eventId)
                async with info.context.pool.acquire() as conn:
                    visible = await repo.visible_cases_by_id(
                        conn, principal=principal, ids=[event.caseId]
                    )
                if not visible:
                    continue
                payload = event.payload
                version = payload.get("version")
                state = payload.get("state")
                yield CaseUpdate(
                    event_id=strawberry.ID(event.eventId),
                    case_number=visible[0].number,
                    action=str(payload.get("action", "")),
                    version=version if isinstance(version, int) else None,
                    state=state if isinstance(state, str) else None,
                )
        finally:
            await pubsub.unsubscribe()
            await pubsub.aclose()  # type: ignore[no-untyped-call]
