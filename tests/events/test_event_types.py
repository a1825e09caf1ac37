"""Every kind of event is typed, decided on by the notification planner, and mapped for the
live subscriptions; the history keeps the keys it always had."""

from datetime import date

import msgspec
import pytest

from tongban.api.subscriptions import APPLICANT_SEES
from tongban.cases import events as ce
from tongban.deadlines import events as de
from tongban.events.catalog import EVENT_TYPES, decode
from tongban.events.types import OutboxMessage, action_of, payload_of
from tongban.notifications import templates
from tongban.notifications.kinds import NOTIFICATIONS, kind_of
from tongban.review import events as rv


@pytest.mark.parametrize("action", sorted(EVENT_TYPES))
def test_every_event_has_a_notification_decision(action: str) -> None:
    # "No notification" (None) is a decision too; a missing row is not.
    assert EVENT_TYPES[action] in NOTIFICATIONS, f"notifications/kinds.py has no row for {action}"
    decision = NOTIFICATIONS[EVENT_TYPES[action]]
    if isinstance(decision, str):
        assert decision in templates.KINDS


@pytest.mark.parametrize("action", sorted(EVENT_TYPES))
def test_every_event_has_a_subscription_mapping(action: str) -> None:
    assert EVENT_TYPES[action] in APPLICANT_SEES, f"subscriptions has no row for {action}"


def test_tables_name_only_known_events() -> None:
    known = set(EVENT_TYPES.values())
    assert set(NOTIFICATIONS) <= known
    assert set(APPLICANT_SEES) <= known


def test_history_payloads_keep_their_keys() -> None:
    accepted = ce.AcceptedAutomatically(
        accepted_on=date(2026, 3, 2), deadlines={"promised": "2026-03-20", "statutory": None}
    )
    assert action_of(accepted) == "accepted_automatically"
    assert payload_of(accepted) == {
        "acceptedOn": "2026-03-02",
        "deadlines": {"promised": "2026-03-20", "statutory": None},
    }
    requested = ce.SupplementRequested(
        phase="intake",
        materials=[ce.RequestedMaterial(code="id", name="身份证")],
        requested_on=date(2026, 3, 2),
        period_days=30,
        due_on=date(2026, 4, 14),
    )
    assert payload_of(requested) == {
        "phase": "intake",
        "materials": [{"code": "id", "name": "身份证"}],
        "requestedOn": "2026-03-02",
        "periodDays": 30,
        "dueOn": "2026-04-14",
    }
    assert payload_of(ce.Decided(decision="approved", result_number=None)) == {
        "decision": "approved",
        "resultNumber": None,
    }
    moved = rv.Transferred(to_region="440106", to_department_id="d", to_department_name="n")
    assert payload_of(moved) == {
        "toRegion": "440106",
        "toDepartmentId": "d",
        "toDepartmentName": "n",
    }
    assert payload_of(ce.Refused()) == {}


def test_a_stored_row_decodes_to_its_type() -> None:
    row = {"taskId": "t", "stage": "初审", "departmentId": "d", "opinion": "agree", "stageDone": 1}
    with pytest.raises(msgspec.ValidationError):
        decode("opinion_given", row)  # stageDone is a boolean
    row["stageDone"] = True
    assert decode("opinion_given", row) == rv.OpinionGiven(
        task_id="t", stage="初审", department_id="d", opinion="agree", stage_done=True
    )
    warning = decode(
        "deadline_red",
        {
            "clock": "statutory",
            "dueOn": "2026-04-01",
            "level": "red",
            "recipients": [{"officerId": "o", "username": "u", "roles": ["head"]}],
        },
    )
    assert isinstance(warning, de.DeadlineRed)
    assert warning.recipients[0].officer_id == "o"
    assert kind_of(warning) == "deadline_red"


def test_the_planner_decides_on_the_decision() -> None:
    assert kind_of(ce.Decided(decision="denied", result_number=None)) == "decided"
    assert kind_of(ce.Decided(decision="approved", result_number="X1")) == "ready_for_delivery"
    assert kind_of(rv.SentBack(to_stage=0, stage_name="初审")) is None


def test_a_delivery_notice_follows_its_method() -> None:
    assert kind_of(ce.Delivered(method="post", carrier="EMS", tracking_number="EA1")) == (
        "delivered_post"
    )
    assert kind_of(ce.Delivered(method="electronic", document_id="d")) == "delivered_electronic"
    # Recorded before deliveries had a method: only the rating invitation.
    assert kind_of(decode("delivered", {})) == "rating_invitation"


def test_outbox_messages_keep_their_keys() -> None:
    case_change = OutboxMessage(
        action="accepted", caseId="c", caseNumber="n", version=3, state="accepted"
    )
    assert msgspec.to_builtins(case_change) == {
        "action": "accepted",
        "caseId": "c",
        "caseNumber": "n",
        "version": 3,
        "state": "accepted",
    }
