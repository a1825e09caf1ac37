"""One vocabulary: the API's enums are the domain's own lists, and nothing writes outside them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import get_args

import asyncpg
import pytest

from tongban.api.enums import ActorKind, CaseEventAction, NotificationKind
from tongban.auth.types import Principal
from tongban.cases import history_repository as history_repo
from tongban.cases import types as cases
from tongban.events.catalog import EVENT_TYPES
from tongban.events.types import Event, OutboxMessage
from tongban.notifications.kinds import NOTIFICATIONS
from tongban.notifications.templates import KINDS

SRC = Path(__file__).parents[2] / "src" / "tongban"


def test_the_graphql_enums_are_the_domain_lists() -> None:
    assert [m.value for m in CaseEventAction] == list(get_args(cases.EventAction))
    assert [m.value for m in ActorKind] == list(get_args(cases.ActorKind))
    assert [m.value for m in NotificationKind] == list(KINDS)
    assert all(m.name == m.value.upper() for m in CaseEventAction)


class _Teleported(Event, frozen=True, tag="teleported"):
    pass


def test_every_kind_of_event_is_a_member_and_every_member_a_kind_of_event() -> None:
    # The code writes typed events only (events/catalog.py): their tags are the actions.
    assert set(EVENT_TYPES) == set(get_args(cases.EventAction))


def test_every_notification_an_event_gives_is_a_member() -> None:
    given = {v for v in NOTIFICATIONS.values() if isinstance(v, str)}
    given |= {"decided", "ready_for_delivery"}  # a decision's notice depends on the decision
    # A delivery's notice depends on its method.
    given |= {"delivered_window", "delivered_post", "delivered_electronic"}
    given |= {"supplement_partly_received"}  # a supplement's on whether materials are owed
    assert given <= {m.value for m in NotificationKind}


async def test_an_action_outside_the_vocabulary_is_never_written(
    conn: asyncpg.Connection,
) -> None:
    with pytest.raises(ValueError, match="not an EventAction"):
        await history_repo.insert_event(
            conn,
            case_id="00000000-0000-0000-0000-000000000000",
            case_version=1,
            occurred_at=datetime.now(UTC),
            principal=Principal(kind="anonymous", name="test"),
            reason=None,
            changes={},
            event=_Teleported(),
            topic="case.teleported",
            outbox=OutboxMessage(action="teleported"),
        )
