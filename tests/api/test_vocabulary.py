"""One vocabulary: the API's enums are the domain's own lists, and nothing writes outside them."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path
from typing import get_args

import asyncpg
import pytest

from tongban.api.enums import ActorKind, CaseEventAction, NotificationKind
from tongban.auth.types import Principal
from tongban.cases import repository as repo
from tongban.cases import types as cases
from tongban.deadlines.service import _WARNING_ACTIONS
from tongban.notifications.planner import kind_of
from tongban.notifications.templates import KINDS

SRC = Path(__file__).parents[2] / "src" / "tongban"


def _written_actions() -> set[str]:
    """Every string the source passes as ``action=`` (directly or as either branch of an if).

    mypy checks the same through the ``EventAction`` annotations; this scan keeps the rule when
    a caller loosens a type to ``str``."""
    found: set[str] = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or getattr(node.func, "attr", "") == "add_argument":
                continue
            for keyword in node.keywords:
                if keyword.arg != "action":
                    continue
                values = [keyword.value]
                if isinstance(keyword.value, ast.IfExp):
                    values = [keyword.value.body, keyword.value.orelse]
                found |= {
                    v.value
                    for v in values
                    if isinstance(v, ast.Constant) and isinstance(v.value, str)
                }
    return found


def test_the_graphql_enums_are_the_domain_lists() -> None:
    assert [m.value for m in CaseEventAction] == list(get_args(cases.EventAction))
    assert [m.value for m in ActorKind] == list(get_args(cases.ActorKind))
    assert [m.value for m in NotificationKind] == list(KINDS)
    assert all(m.name == m.value.upper() for m in CaseEventAction)


def test_every_action_the_code_writes_is_a_member() -> None:
    written = _written_actions() | set(_WARNING_ACTIONS.values())
    # The scan must see the code, or this test proves nothing.
    assert {"submitted", "decided", "handed_up", "transferred", "deadline_red"} <= written
    assert written <= {m.value for m in CaseEventAction}


def test_every_notification_an_event_gives_is_a_member() -> None:
    given = {kind_of(action, {}) for action in cases.EVENT_ACTIONS}
    given |= {kind_of("decided", {"decision": "denied"})}
    assert given - {None} <= {m.value for m in NotificationKind}


async def test_an_action_outside_the_vocabulary_is_never_written(
    conn: asyncpg.Connection,
) -> None:
    with pytest.raises(ValueError, match="not an EventAction"):
        await repo.insert_event(
            conn,
            case_id="00000000-0000-0000-0000-000000000000",
            case_version=1,
            occurred_at=datetime.now(UTC),
            action="teleported",  # type: ignore[arg-type]
            principal=Principal(kind="anonymous", name="test"),
            reason=None,
            changes={},
            payload={},
            topic="case.teleported",
            outbox_payload={},
        )
