"""Who may take which action on a case: one table, read by the use cases (to refuse) and by
``Case.allowedActions`` (so that a front end shows exactly the buttons that will work for the
person looking — an applicant is never offered ``accept``).

An action is allowed for a viewer when the state table allows it (``states``), the viewer's
role and relation to the case allow it (here), and the case's own preconditions hold (rated
once, extended once, decided when every review task is done). Visibility is checked before any
of this: these rules only ever see cases the viewer may see.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Final

from tongban.auth.errors import NotAllowedError
from tongban.auth.types import Principal
from tongban.cases import states
from tongban.cases.types import Case
from tongban.review.types import Task

Rule = Callable[[Principal, Case, Sequence[Task]], bool]

_UNFINISHED = ("waiting", "open", "claimed")


def _intake_window(p: Principal, c: Case, _: Sequence[Task]) -> bool:
    # Art. 32 decisions belong to the window of the region that received the application.
    return p.is_officer and p.has_role("intake") and p.region_code == c.receiving_region


def _applicant_or_window(p: Principal, c: Case, _: Sequence[Task]) -> bool:
    return p.is_applicant or (p.is_officer and p.has_role("intake"))


def _own_applicant(p: Principal, c: Case, _: Sequence[Task]) -> bool:
    return p.is_applicant and p.applicant_id == c.applicant_id


def _handling_head(p: Principal, c: Case, _: Sequence[Task]) -> bool:
    return p.is_officer and p.has_role("head") and p.department_id == c.handling_department_id


def _task_officer(p: Principal, c: Case, tasks: Sequence[Task]) -> bool:
    """A reviewer or head of a department holding one of ``tasks`` (the task acted on)."""
    return (
        p.is_officer
        and p.has_role("reviewer", "head")
        and any(t.department_id == p.department_id for t in tasks)
    )


def _involved_reviewer(p: Principal, c: Case, tasks: Sequence[Task]) -> bool:
    involved = p.department_id == c.handling_department_id or any(
        t.department_id == p.department_id for t in tasks
    )
    return p.is_officer and involved and p.has_role("reviewer", "head")


def _deliverer(p: Principal, c: Case, _: Sequence[Task]) -> bool:
    handling = p.department_id == c.handling_department_id
    window = p.has_role("intake") and p.region_code == c.receiving_region
    return p.is_officer and (handling or window)


def _follow_up_officer(p: Principal, c: Case, tasks: Sequence[Task]) -> bool:
    """差评整改回访 belongs to the department the bad rating's follow-up task went to."""
    holds = any(t.kind == "follow_up" and t.department_id == p.department_id for t in tasks)
    return p.is_officer and p.has_role("reviewer", "head") and holds


def _commitment_approver(p: Principal, c: Case, tasks: Sequence[Task]) -> bool:
    """即办 on a commitment: the receiving window, or the handling department's head."""
    return _intake_window(p, c, tasks) or _handling_head(p, c, tasks)


def _verifier(p: Principal, c: Case, tasks: Sequence[Task]) -> bool:
    """事中事后核查 belongs to the department the verification task went to."""
    holds = any(t.kind == "verification" and t.department_id == p.department_id for t in tasks)
    return p.is_officer and p.has_role("reviewer", "head") and holds


def _case_holder(p: Principal, c: Case, tasks: Sequence[Task]) -> bool:
    """Before acceptance the receiving window holds the case, after it the handling head."""
    if c.state == "supplement_requested":
        return _intake_window(p, c, tasks)
    return _handling_head(p, c, tasks)


def _admin(p: Principal, c: Case, _: Sequence[Task]) -> bool:
    return p.is_officer and p.has_role("admin")


def _revoker(p: Principal, c: Case, tasks: Sequence[Task]) -> bool:
    """撤销: administrators; and, for an approval with deferred materials (容缺, state 12) that
    still owes them, the handling department's head — once they are overdue (the action checks
    the day)."""
    owing = c.owed_due_on is not None and c.decision == "approved_deferred"
    return _admin(p, c, tasks) or (owing and _handling_head(p, c, tasks))


_INTAKE = (_intake_window, "only the receiving region's intake window decides on intake")
_TASK = (_task_officer, "only officers of the task's department act on it")

# action → (who may take it, what a refused caller is told). Only actions that a mutation
# performs are here: the state table may know more (a closure).
RULES: Final[dict[str, tuple[Rule, str]]] = {
    "accept": _INTAKE,
    "declare_not_applicable": _INTAKE,
    "refuse": _INTAKE,
    "request_intake_supplement": _INTAKE,
    "supplement": (
        _applicant_or_window,
        "the applicant, or the window on their behalf, supplements",
    ),
    "supply_owed": (
        _applicant_or_window,
        "the applicant, or the window on their behalf, brings owed materials",
    ),
    "close_no_supplement": (
        _case_holder,
        "only the window (at intake) or the handling head (in review) holding the case closes it",
    ),
    "close_no_show": (_handling_head, "the head of the handling department closes the case"),
    "claim_task": _TASK,
    "complete_task": _TASK,
    "send_back": (_handling_head, "the head of the handling department sends a case back"),
    "hand_up": (_handling_head, "the head of the handling department hands a case up"),
    "transfer": (_handling_head, "the head of the handling department transfers a case"),
    "start_special_procedure": (
        _handling_head,
        "the head of the handling department starts a special procedure",
    ),
    "end_special_procedure": (
        _handling_head,
        "the head of the handling department ends a special procedure",
    ),
    "request_review_supplement": (
        _involved_reviewer,
        "only reviewers working on the case request supplements",
    ),
    "extend": (_handling_head, "the head of the handling department extends the limit"),
    "decide": (_handling_head, "the head of the handling department decides"),
    "deliver": (
        _deliverer,
        "the handling department or the receiving window records delivery",
    ),
    "withdraw": (_own_applicant, "only the applicant withdraws their case"),
    "revoke": (
        _revoker,
        "only administrators revoke, or the handling head an approval whose deferred materials "
        "are owed",
    ),
    "rate": (_own_applicant, "only the applicant rates their case"),
    "complete_follow_up": (
        _follow_up_officer,
        "only officers of the department handling the follow-up complete it",
    ),
    "rerate": (_own_applicant, "only the applicant rates their case again"),
    "approve_on_commitment": (
        _commitment_approver,
        "the receiving window or the head of the handling department approves on a commitment",
    ),
    "pass_verification": (
        _verifier,
        "only officers of the department verifying the commitment record its outcome",
    ),
    "fail_verification": (
        _verifier,
        "only officers of the department verifying the commitment record its outcome",
    ),
}


def may(action: str, principal: Principal, case: Case, tasks: Sequence[Task] = ()) -> bool:
    rule = RULES.get(action)
    return rule is not None and rule[0](principal, case, tasks)


def require(action: str, principal: Principal, case: Case, tasks: Sequence[Task] = ()) -> None:
    """Refuse with FORBIDDEN unless ``principal`` may take ``action`` on ``case``."""
    if not may(action, principal, case, tasks):
        raise NotAllowedError(
            RULES[action][1] if action in RULES else f"no such action {action}",
            problem="ACTION_NOT_PERMITTED",
            params={"action": action},
        )


def _precondition(
    action: str, case: Case, tasks: Sequence[Task], today: date | None = None
) -> bool:
    """The case's own conditions a button depends on (each use case checks them too)."""
    if action == "close_no_supplement":
        # Closable the day after the period's last day. A notice older than migration 0019 has
        # no day on the case: offered, and the use case counts its period to decide.
        due = case.supplement_due_on
        return due is None or (today is not None and today > due)
    if action == "close_no_show":
        return case.special_procedure_kind == "hearing"
    if action == "rate":
        return case.rating is None
    if action == "complete_follow_up":
        return any(t.kind == "follow_up" and t.state in _UNFINISHED for t in tasks)
    if action == "rerate":
        done = any(t.kind == "follow_up" and t.state == "completed" for t in tasks)
        return done and case.rerating is None
    if action in ("pass_verification", "fail_verification"):
        return any(t.kind == "verification" and t.state in _UNFINISHED for t in tasks)
    if action == "approve_on_commitment":
        return case.committed_at is not None
    if action == "extend":
        return case.extension_days is None
    if action == "supply_owed":
        return case.owed_due_on is not None
    if action == "decide":
        return not any(t.kind == "review" and t.state in _UNFINISHED for t in tasks)
    return True


def _task_ready(action: str, principal: Principal, tasks: Sequence[Task]) -> bool:
    """For the viewer's buttons: a task of their department in a state the action takes."""
    if action == "complete_follow_up":
        return any(
            t.kind == "follow_up"
            and t.department_id == principal.department_id
            and t.state in _UNFINISHED
            for t in tasks
        )
    if action in ("pass_verification", "fail_verification"):
        return any(
            t.kind == "verification"
            and t.department_id == principal.department_id
            and t.state in _UNFINISHED
            for t in tasks
        )
    wanted = {"claim_task": ("open",), "complete_task": ("open", "claimed")}.get(action)
    if wanted is None:
        return True
    return any(t.department_id == principal.department_id and t.state in wanted for t in tasks)


def allowed_actions(
    principal: Principal, case: Case, tasks: Sequence[Task], today: date | None = None
) -> list[str]:
    """What ``principal`` can do to ``case`` now (``today``, in the authority's time zone), in
    the state table's order of names."""
    return [
        action
        for action in states.allowed_actions(case.state)
        if may(action, principal, case, tasks)
        and _precondition(action, case, tasks, today)
        and _task_ready(action, principal, tasks)
    ]
