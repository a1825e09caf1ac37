"""The rows of the API benchmark's data set, one case at a time (bench/api_seed.py loads them).

Cases over every state, matter and receiving level, with their review tasks (the matter's pinned
review plan up to the current stage), materials metadata, ~20 history events each and deadline
clocks whose start days are chosen so that every colour shows today (green, yellow, red, paused,
stopped in time and late).
"""

from __future__ import annotations

import hashlib
import random
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from typing import Any
from zoneinfo import ZoneInfo

from tongban.catalogue.types import MatterVersion
from tongban.deadlines.calendar import WorkingCalendar
from tongban.deadlines.clock import clock_status, colour, due_date
from tongban.deadlines.errors import UnknownCalendarYearError
from tongban.demo.directory import REGIONS
from tongban.identifiers import make_case_number

ZONE = ZoneInfo("Asia/Shanghai")
BATCH = 10_000

# (state, weight): open cases are ~half, as in a live platform.
STATES: list[tuple[str, int]] = [
    ("received", 8),
    ("supplement_requested", 4),
    ("accepted", 2),
    ("under_review", 30),
    ("special_procedure", 3),
    ("review_supplement", 3),
    ("approved", 10),
    ("approved_deferred", 2),
    ("denied", 4),
    ("delivered", 24),
    ("not_applicable", 1),
    ("refused", 2),
    ("withdrawn", 4),
    ("revoked", 1),
    ("closed_no_supplement", 2),
]
INTAKE = {"received", "supplement_requested", "not_applicable", "refused", "withdrawn"}
INTAKE |= {"closed_no_supplement"}
REVIEW = {"accepted", "under_review", "special_procedure", "review_supplement"}
PAUSED = {"special_procedure", "review_supplement"}
DECIDED = {"approved", "approved_deferred", "denied", "delivered", "revoked"}
LAST_ACTION = {
    "received": "submitted",
    "supplement_requested": "supplement_requested",
    "accepted": "accepted",
    "under_review": "task_claimed",
    "special_procedure": "special_procedure_started",
    "review_supplement": "supplement_requested",
    "approved": "decided",
    "approved_deferred": "decided",
    "denied": "decided",
    "delivered": "delivered",
    "not_applicable": "declared_not_applicable",
    "refused": "refused",
    "withdrawn": "withdrawn",
    "revoked": "revoked",
    "closed_no_supplement": "closed_no_supplement",
}
DECISIONS = {"denied": "denied", "approved_deferred": "approved_deferred"}
# Only actions of the history's vocabulary (cases.types.EventAction): the API reads the history
# through an enum of them, so any other word would fail the benchmark's queries.
MIDDLE_ACTIONS = ("task_claimed", "opinion_given", "special_procedure_started", "extended")
# Target colour of running clocks: most on track, a quarter close, some late.
COLOURS = (("green", 60), ("yellow", 25), ("red", 15))

CASE_COLUMNS = [
    "id",
    "number",
    "matter_id",
    "matter_version",
    "applicant_id",
    "submitted_by",
    "idempotency_key",
    "request_hash",
    "receiving_region",
    "receiving_lineage",
    "handling_region",
    "handling_lineage",
    "handling_department_id",
    "state",
    "confidentiality",
    "form_data",
    "received_at",
    "received_on",
    "accepted_on",
    "decided_at",
    "current_stage",
    "review_round",
    "decision",
    "decision_reason",
    "result_number",
    "delivered_at",
    "terminal_reason",
    "version",
    "created_at",
    "updated_at",
]
TASK_COLUMNS = [
    "id",
    "case_id",
    "kind",
    "stage_index",
    "stage_name",
    "position",
    "round",
    "department_id",
    "state",
    "opinion",
    "comment",
    "created_at",
    "opened_at",
    "completed_at",
    "due_on",
    # Given, so the insert trigger need not look the case up row by row.
    "case_received_at",
]
CLOCK_COLUMNS = [
    "case_id",
    "task_id",
    "kind",
    "start_on",
    "limit_days",
    "pauses",
    "paused_since",
    "state",
    "stopped_on",
    "due_on",
]
MATERIAL_COLUMNS = [
    "case_id",
    "material_code",
    "name",
    "size",
    "content_type",
    "sha256",
    "blob_key",
    "phase",
    "uploaded_at",
]
EVENT_COLUMNS = [
    "case_id",
    "case_version",
    "action",
    "actor_kind",
    "actor_id",
    "actor_name",
    "actor_roles",
    "actor_department_id",
    "reason",
    "changes",
    "payload",
    "occurred_at",
]


def _lineages() -> dict[str, tuple[str, ...]]:
    parents = {code: parent for code, _, _, parent in REGIONS}
    found: dict[str, tuple[str, ...]] = {}
    for code in parents:
        chain = [code]
        while parents[chain[-1]] is not None:
            chain.append(parents[chain[-1]])  # type: ignore[arg-type]
        found[code] = tuple(reversed(chain))
    return found


class Generator:
    """Rows of one case at a time; every choice comes from the batch's seeded random generator.
    Ids that are already text stay text: asyncpg's COPY encodes a uuid from a str in C, faster
    than building ``uuid.UUID`` objects (about 20 a case) in Python."""

    def __init__(
        self,
        *,
        matters: list[MatterVersion],
        departments: dict[str, str],
        applicants: list[str],
        officers: list[tuple[str, str, list[str], str]],
        cal: WorkingCalendar,
        now: datetime,
        seed: int,
    ) -> None:
        self.seed = seed
        self.start_batch(0, 1)
        self.matters = matters
        self.departments = departments  # id -> region code
        self.applicants = applicants
        self.officers = officers  # (id, name, roles, department id)
        self.cal = cal
        self.now = now
        self.today = now.astimezone(ZONE).date()
        self.lineage = _lineages()
        # Working days before (and including) today, newest first: start days by days used.
        self.past: list[date] = []
        day = self.today
        while len(self.past) < 400:
            if cal.is_working_day(day):
                self.past.append(day)
            day -= timedelta(days=1)
        self.sequences: Counter[tuple[str, date]] = Counter()
        self.colours: Counter[str] = Counter()
        self.states: Counter[str] = Counter()
        self._due: dict[tuple[date, int], date | None] = {}
        self._status: dict[tuple[date, int, date | None], str] = {}
        self.state_names = [s for s, _ in STATES]
        self.state_weights = [w for _, w in STATES]
        self.subtrees = {
            region: [code for code, lin in self.lineage.items() if region in lin]
            for region in self.lineage
        }
        self.by_department: dict[str, list[tuple[str, str, list[str], str]]] = {}
        for o in officers:
            self.by_department.setdefault(o[3], []).append(o)

    def start_batch(self, batch: int, stride: int) -> None:
        """Each batch has its own random stream: the data do not depend on how many processes
        generate them."""
        self.rng = random.Random(f"{self.seed}:{batch}")
        self.local: Counter[tuple[str, date]] = Counter()
        self.batch = batch
        self.stride = stride

    # --- calendar helpers -------------------------------------------------------------------
    def due(self, start: date, limit: int) -> date | None:
        key = (start, limit)
        if key not in self._due:
            try:
                self._due[key] = due_date(self.cal, start=start, limit_days=limit)
            except UnknownCalendarYearError:
                self._due[key] = None
        return self._due[key]

    def tally(self, start: date, limit: int, stopped_on: date | None = None) -> None:
        key = (start, limit, stopped_on)
        if key not in self._status:
            try:
                s = clock_status(
                    self.cal, start=start, limit_days=limit, today=self.today, stopped_on=stopped_on
                )
                self._status[key] = colour(s.remaining_days, s.limit_days, overdue=s.overdue)
            except UnknownCalendarYearError:
                self._status[key] = "unknown"
        prefix = "stopped " if stopped_on is not None else ""
        self.colours[prefix + self._status[key]] += 1

    def start_for(self, limit: int) -> date:
        """A start day that gives a running clock of ``limit`` working days a target colour."""
        target = self.rng.choices([c for c, _ in COLOURS], [w for _, w in COLOURS])[0]
        yellow = max(2, -(-limit // 3))
        if target == "green" and limit - yellow > 0:
            used = self.rng.randrange(0, limit - yellow)
        elif target == "red":
            used = limit + 1 + self.rng.randrange(10)
        else:
            used = self.rng.randrange(max(0, limit - yellow), limit + 1)
        return self.past[min(used, len(self.past) - 1)]

    def working_after(self, start: date, n: int) -> date:
        try:
            return self.cal.add_working_days(start, n)
        except UnknownCalendarYearError:
            return start + timedelta(days=n)

    def at(self, day: date, minute: int | None = None) -> datetime:
        minute = self.rng.randrange(9 * 60, 17 * 60) if minute is None else minute
        local = datetime.combine(day, clock_time(minute // 60, minute % 60), tzinfo=ZONE)
        return min(local.astimezone(UTC), self.now - timedelta(seconds=1))

    # --- one case ---------------------------------------------------------------------------
    def case(self, i: int, out: dict[str, list[tuple[Any, ...]]]) -> None:
        rng = self.rng
        matter = self.matters[i % len(self.matters)]
        spec = matter.spec
        state = rng.choices(self.state_names, self.state_weights)[0]
        self.states[state] += 1
        department_region = self.departments[spec.department_id]
        receiving = rng.choice(self.subtrees[department_region])
        applicant = self.applicants[rng.randrange(len(self.applicants))]
        case_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        plan = spec.review_plan
        clocks = out["deadline_clock"]

        accepted_on: date | None = None
        decided_on: date | None = None
        current_stage: int | None = None
        if state in REVIEW:
            accepted_on = self.start_for(spec.promised_limit)
            received_on = accepted_on - timedelta(days=rng.randrange(0, 3))
            current_stage = rng.randrange(len(plan)) if plan and state != "accepted" else 0
        elif state in DECIDED:
            received_on = self.today - timedelta(days=rng.randrange(20, 365))
            accepted_on = self.working_after(received_on, rng.randrange(0, 3))
            decided_on = self.working_after(accepted_on, rng.randrange(1, spec.promised_limit + 4))
            if state in ("approved", "approved_deferred"):
                # Awaiting delivery (Art. 44, 10 working days): decided lately.
                decided_on = self.past[rng.randrange(0, 14)]
                accepted_on = min(accepted_on, decided_on)
                received_on = min(received_on, accepted_on)
            current_stage = len(plan) - 1 if plan else None
        elif state == "received":
            received_on = self.start_for(5)
        else:
            received_on = self.today - timedelta(days=rng.randrange(1, 120))
        received_at = self.at(received_on)
        decided_at = None if decided_on is None else self.at(decided_on)
        delivered_at = None
        if state == "delivered" and decided_on is not None:
            delivered_at = self.at(min(decided_on + timedelta(days=2), self.today))

        # Batches are generated apart: batch b of n numbers a day's k-th case (k-1)·n + b + 1.
        key = (receiving[:6], received_on)
        self.local[key] += 1
        seq = (self.local[key] - 1) * self.stride + self.batch + 1
        self.sequences[key] = max(self.sequences[key], seq)
        number = make_case_number(receiving[:6], received_on, seq)

        # Deadline clocks: the Art. 32 one-time notice, the decision clocks, delivery.
        if state == "received":
            clocks.append(self._clock(case_id, None, "one_notice", received_on, 5))
        else:
            stop = accepted_on or received_on + timedelta(days=rng.randrange(0, 5))
            clocks.append(self._clock(case_id, None, "one_notice", received_on, 5, stopped=stop))
        if accepted_on is not None:
            paused = self.past[rng.randrange(0, 10)] if state in PAUSED else None
            if paused is not None and paused < accepted_on:
                paused = accepted_on
            for kind, limit in (
                ("promised", spec.promised_limit),
                ("statutory", spec.statutory_limit),
            ):
                clocks.append(
                    self._clock(
                        case_id, None, kind, accepted_on, limit, stopped=decided_on, paused=paused
                    )
                )
            if state in ("approved", "approved_deferred") and decided_on is not None:
                clocks.append(self._clock(case_id, None, "delivery", decided_on, 10))

        # Review tasks from the pinned plan, up to the current stage.
        if current_stage is not None and plan:
            stage_start = accepted_on
            assert stage_start is not None
            for index, stage in enumerate(plan[: current_stage + 1]):
                done = index < current_stage or state in DECIDED
                for position, department in enumerate(stage.department_ids):
                    task_id = uuid.UUID(int=rng.getrandbits(128), version=4)
                    if done:
                        task_state = "completed"
                    elif stage.mode == "sequential" and position > 0:
                        task_state = "waiting"
                    else:
                        task_state = rng.choice(("open", "claimed"))
                    opened = None if task_state == "waiting" else self.at(stage_start)
                    due = (
                        None
                        if stage.limit_days is None
                        else self.due(stage_start, stage.limit_days)
                    )
                    completed = self.at(min(stage_start + timedelta(days=1), self.today))
                    out["review_task"].append(
                        (
                            task_id,
                            case_id,
                            "review",
                            index,
                            stage.name,
                            position,
                            0,
                            department,
                            task_state,
                            "agree" if done else None,
                            "符合要求" if done else None,
                            opened or received_at,
                            opened,
                            completed if done else None,
                            due,
                            received_at,
                        )
                    )
                    if stage.limit_days is not None and task_state != "waiting":
                        clocks.append(
                            self._clock(
                                case_id,
                                task_id,
                                "stage",
                                stage_start,
                                stage.limit_days,
                                stopped=stage_start if done else None,
                            )
                        )
                if index < current_stage:
                    stage_start = min(self.working_after(stage_start, 1), self.today)

        for m in spec.materials:
            if not m.required and rng.random() < 0.5:
                continue
            digest = hashlib.sha256(f"{case_id}:{m.code}".encode()).hexdigest()
            out["case_material"].append(
                (
                    case_id,
                    m.code,
                    f"{m.name}.pdf",
                    rng.randrange(20_000, 2_000_000),
                    "application/pdf",
                    digest,
                    digest,
                    "submission",
                    received_at,
                )
            )

        events = 12 + rng.randrange(17)  # 12..28, ~20 on average
        end = decided_at or self.now
        step = max((end - received_at) / events, timedelta(seconds=1))
        staff = self.by_department.get(spec.department_id) or self.officers
        for k in range(events):
            if k == 0:
                action, who = "submitted", None
            elif k == events - 1:
                action, who = LAST_ACTION[state], rng.choice(staff)
            elif k == 1 and accepted_on is not None:
                action, who = "accepted", rng.choice(staff)
            else:
                action, who = MIDDLE_ACTIONS[k % len(MIDDLE_ACTIONS)], rng.choice(staff)
            out["case_event"].append(
                (
                    case_id,
                    k + 1,
                    action,
                    "applicant" if who is None else "officer",
                    applicant if who is None else who[0],
                    "申请人" if who is None else who[1],
                    [] if who is None else who[2],
                    None if who is None else who[3],
                    "材料齐全，符合法定形式" if k % 5 == 4 else None,
                    {"state": ["received", "accepted"]} if action == "accepted" else {},
                    {
                        "stage": current_stage,
                        "note": f"第{k + 1}步",
                        "materials": len(spec.materials),
                    },
                    min(received_at + step * k, end),
                )
            )

        out["case_record"].append(
            (
                case_id,
                number,
                matter.matter_id,
                matter.version,
                applicant,
                f"applicant:{applicant}",
                f"seed-{i:08d}",
                "seed",
                receiving,
                list(self.lineage[receiving]),
                department_region,
                list(self.lineage[department_region]),
                spec.department_id,
                state,
                spec.confidentiality,
                {"purpose": "压测", "seq": i},
                received_at,
                received_on,
                accepted_on,
                decided_at,
                current_stage,
                0,
                None if decided_on is None else DECISIONS.get(state, "approved"),
                None if decided_on is None else "依法审查",
                None if state not in ("approved", "delivered") else f"R{i:010d}",
                delivered_at,
                "申请人撤回" if state == "withdrawn" else None,
                events,
                received_at,
                self.now,
            )
        )

    def _clock(
        self,
        case_id: uuid.UUID,
        task_id: uuid.UUID | None,
        kind: str,
        start: date,
        limit: int,
        *,
        stopped: date | None = None,
        paused: date | None = None,
    ) -> tuple[Any, ...]:
        if stopped is not None:
            stopped = max(stopped, start)
            self.tally(start, limit, stopped)
            state, due = "stopped", self.due(start, limit)
        elif paused is not None:
            self.colours["paused"] += 1
            state, due = "paused", None
        else:
            self.tally(start, limit)
            state, due = "running", self.due(start, limit)
        return (case_id, task_id, kind, start, limit, [], paused, state, stopped, due)
