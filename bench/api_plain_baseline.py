"""Today's plain endpoints, frozen (2026-12-02, before issue 18): the hand-written JSON
endpoints for the benchmark's operations (a) and (b) exactly as ``bench/api_plain.py`` served
them then — one repository query per relation plus the calendar's stamp, on one connection —
under ``/baseline/...``. ``bench/api_plain.py`` serves them beside its own endpoints, so
``bench/api.py`` prints GraphQL against today's plain endpoints and against the improved ones
in one run. Do not improve this file: it is the yardstick.
"""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import asyncpg
import msgspec
from litestar import Request, get
from litestar.datastructures import State
from litestar.exceptions import NotAuthorizedException, NotFoundException

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from tongban.api.pagination import encode_cursor  # noqa: E402
from tongban.auth.types import ANONYMOUS, Principal  # noqa: E402
from tongban.cases import applicant_repository as applicant_repo  # noqa: E402
from tongban.cases import history_repository as history_repo  # noqa: E402
from tongban.cases import material_repository as material_repo  # noqa: E402
from tongban.cases import repository as cases_repo  # noqa: E402
from tongban.cases import states  # noqa: E402
from tongban.cases import types as domain  # noqa: E402
from tongban.catalogue import repository as catalogue_repo  # noqa: E402
from tongban.clock import local_day  # noqa: E402
from tongban.config import Settings  # noqa: E402
from tongban.deadlines import repository as deadlines_repo  # noqa: E402
from tongban.deadlines import service as deadlines_service  # noqa: E402
from tongban.deadlines.types import DeadlineClock  # noqa: E402
from tongban.government import repository as gov_repo  # noqa: E402
from tongban.identifiers import mask_email, mask_id_number, mask_phone  # noqa: E402
from tongban.keyset import Window  # noqa: E402
from tongban.review import repository as review_repo  # noqa: E402


class DeadlineView(msgspec.Struct, rename="camel"):
    kind: str
    state: str
    start_on: date
    limit_days: int
    extension_days: int
    due_on: date | None
    remaining_days: int | None
    days_paused: int | None
    colour: str | None
    overdue: bool


class DepartmentView(msgspec.Struct, rename="camel"):
    id: str
    code: str
    name: str
    region_code: str


class TaskView(msgspec.Struct, rename="camel"):
    id: str
    kind: str
    stage_index: int | None
    stage_name: str
    round: int
    state: str
    opinion: str | None
    comment: str | None
    opened_at: datetime | None
    completed_at: datetime | None
    due_on: date | None
    department: DepartmentView
    deadline: DeadlineView | None


class MaterialView(msgspec.Struct, rename="camel"):
    id: str
    material_code: str | None
    name: str
    size: int
    content_type: str
    sha256: str
    phase: str
    uploaded_at: datetime


class EventView(msgspec.Struct, rename="camel"):
    seq: int
    case_version: int
    action: str
    actor_kind: str
    actor_name: str
    actor_roles: list[str]
    actor_department_id: str | None
    reason: str | None
    changes: dict[str, Any]
    payload: dict[str, Any]
    occurred_at: datetime


class ApplicantView(msgspec.Struct, rename="camel"):
    kind: str
    name: str
    id_number: str | None
    mobile: str | None
    email: str | None


class MatterView(msgspec.Struct, rename="camel"):
    code: str
    name: str
    promised_limit: int
    statutory_limit: int


class CaseView(msgspec.Struct, rename="camel"):
    number: str
    state: str
    state_code: str | None
    version: int
    allowed_actions: list[str]
    confidentiality: int
    received_at: datetime
    received_on: date
    accepted_on: date | None
    current_stage: int | None
    decision: str | None
    applicant: ApplicantView
    matter: MatterView
    handling_department: DepartmentView
    tasks: list[TaskView]
    deadlines: list[DeadlineView]
    materials: list[MaterialView]
    history: list[EventView]


class WorkCaseView(msgspec.Struct, rename="camel"):
    number: str
    state: str
    received_on: date
    applicant: ApplicantView
    matter: MatterView


class WorkTaskView(msgspec.Struct, rename="camel"):
    id: str
    stage_name: str
    state: str
    due_on: date | None
    deadline: DeadlineView | None
    case: WorkCaseView | None


class WorkEdge(msgspec.Struct):
    cursor: str
    node: WorkTaskView


class PageInfoView(msgspec.Struct, rename="camel"):
    has_next_page: bool
    end_cursor: str | None


class WorklistView(msgspec.Struct, rename="camel"):
    edges: list[WorkEdge]
    page_info: PageInfoView


def _principal(request: Request[Any, Any, Any]) -> Principal:
    principal: Principal = request.scope.get("state", {}).get("principal", ANONYMOUS)
    if principal.is_anonymous:
        raise NotAuthorizedException("sign in")
    return principal


def _applicant(a: domain.Applicant, unmasked: bool) -> ApplicantView:
    def show(value: str | None, mask: Any) -> str | None:
        return value if value is None or unmasked else mask(value)

    return ApplicantView(
        kind=a.kind,
        name=a.name,
        id_number=show(a.id_number, mask_id_number),
        mobile=show(a.mobile, mask_phone),
        email=show(a.email, mask_email),
    )


class _Deadlines:
    """Clock views as of today, with the calendar read once per request."""

    def __init__(self, state: State, conn: asyncpg.Connection) -> None:
        self.settings: Settings = state.settings
        self.today = local_day(state.clock.now(), self.settings.timezone)
        self.conn = conn

    async def views(self, clocks: list[DeadlineClock]) -> list[DeadlineView]:
        if not clocks:
            return []
        cal = await deadlines_service.load_calendar(self.conn)
        found = []
        for c in clocks:
            s = deadlines_service.status(c, cal, self.settings, self.today)
            found.append(
                DeadlineView(
                    kind=c.kind,
                    state=c.state,
                    start_on=c.start_on,
                    limit_days=s["limit_days"],
                    extension_days=c.extension_days,
                    due_on=None if c.state == "paused" else s["due_on"],
                    remaining_days=s["remaining_days"],
                    days_paused=s["days_paused"],
                    colour=s["colour"],
                    overdue=s["overdue"],
                )
            )
        return found


def _department(d: Any) -> DepartmentView:
    return DepartmentView(id=d.id, code=d.code, name=d.name, region_code=d.region_code)


@get("/baseline/case/{number:str}")
async def case_view(request: Request[Any, Any, Any], state: State, number: str) -> CaseView:
    """Operation (a): a case with its tasks, deadlines, materials and last 20 events."""
    principal = _principal(request)
    pool: asyncpg.Pool = state.pool
    async with pool.acquire() as conn:
        found = await cases_repo.visible_cases_by_number(
            conn, principal=principal, numbers=[number]
        )
        if not found:
            raise NotFoundException("no such case")
        c = found[0]
        applicant = (await applicant_repo.applicants_by_id(conn, ids=[c.applicant_id]))[0]
        versions = await catalogue_repo.versions_of(
            conn, matter_ids=[c.matter_id], published_only=False
        )
        matter = next(v for v in versions if v.version == c.matter_version)
        tasks = await review_repo.tasks_of(conn, case_ids=[c.id])
        departments = {
            d.id: _department(d)
            for d in await gov_repo.departments_by_id(
                conn, ids=list({c.handling_department_id, *(t.department_id for t in tasks)})
            )
        }
        clocks = await deadlines_repo.clocks_of(conn, case_ids=[c.id])
        views = await _Deadlines(state, conn).views(clocks)
        case_clocks = [v for k, v in zip(clocks, views, strict=True) if k.task_id is None]
        task_clocks = {k.task_id: v for k, v in zip(clocks, views, strict=True) if k.task_id}
        materials = await material_repo.materials_of(conn, case_ids=[c.id])
        events = (await history_repo.events_of(conn, case_ids=[c.id]))[-20:]
    return CaseView(
        number=c.number,
        state=c.state,
        state_code=states.STATE_CODES.get(c.state),
        version=c.version,
        allowed_actions=states.allowed_actions(c.state),
        confidentiality=c.confidentiality,
        received_at=c.received_at,
        received_on=c.received_on,
        accepted_on=c.accepted_on,
        current_stage=c.current_stage,
        decision=c.decision,
        applicant=_applicant(applicant, c.viewer_involved),
        matter=MatterView(
            code=matter.code,
            name=matter.spec.name,
            promised_limit=matter.spec.promised_limit,
            statutory_limit=matter.spec.statutory_limit,
        ),
        handling_department=departments[c.handling_department_id],
        tasks=[
            TaskView(
                id=t.id,
                kind=t.kind,
                stage_index=t.stage_index,
                stage_name=t.stage_name,
                round=t.round,
                state=t.state,
                opinion=t.opinion,
                comment=t.comment,
                opened_at=t.opened_at,
                completed_at=t.completed_at,
                due_on=t.due_on,
                department=departments[t.department_id],
                deadline=task_clocks.get(t.id),
            )
            for t in tasks
        ],
        deadlines=case_clocks,
        materials=[
            MaterialView(
                id=m.id,
                material_code=m.material_code,
                name=m.name,
                size=m.size,
                content_type=m.content_type,
                sha256=m.sha256,
                phase=m.phase,
                uploaded_at=m.uploaded_at,
            )
            for m in materials
        ],
        history=[
            EventView(
                seq=e.seq,
                case_version=e.case_version,
                action=e.action,
                actor_kind=e.actor_kind,
                actor_name=e.actor_name,
                actor_roles=list(e.actor_roles),
                actor_department_id=e.actor_department_id,
                reason=e.reason,
                changes=e.changes,
                payload=e.payload,
                occurred_at=e.occurred_at,
            )
            for e in events
        ],
    )


@get("/baseline/worklist")
async def worklist_view(request: Request[Any, Any, Any], state: State, first: int) -> WorklistView:
    """Operation (b): a page of the officer's worklist with each task's deadline and case."""
    principal = _principal(request)
    assert principal.department_id is not None
    pool: asyncpg.Pool = state.pool
    async with pool.acquire() as conn:
        found = await review_repo.worklist(
            conn,
            principal=principal,
            department_id=principal.department_id,
            states=["open", "claimed"],
            matter_code=None,
            sort="received",
            window=Window(limit=first + 1),
        )
        page = [t for t, _ in found[:first]]
        positions = {t.id: key for t, key in found}
        case_ids = list({t.case_id for t in page})
        cases = {
            c.id: c
            for c in await cases_repo.visible_cases_by_id(conn, principal=principal, ids=case_ids)
        }
        applicants = {
            a.id: a
            for a in await applicant_repo.applicants_by_id(
                conn, ids=list({c.applicant_id for c in cases.values()})
            )
        }
        versions = {
            (v.matter_id, v.version): v
            for v in await catalogue_repo.versions_of(
                conn, matter_ids=list({c.matter_id for c in cases.values()}), published_only=False
            )
        }
        clocks = await deadlines_repo.clocks_of(conn, case_ids=case_ids)
        clocks = [k for k in clocks if k.task_id is not None]
        views = await _Deadlines(state, conn).views(clocks)
        task_clocks = {k.task_id: v for k, v in zip(clocks, views, strict=True)}

    def case_of(t: domain.Task) -> WorkCaseView | None:
        c = cases.get(t.case_id)
        if c is None:
            return None
        m = versions[(c.matter_id, c.matter_version)]
        return WorkCaseView(
            number=c.number,
            state=c.state,
            received_on=c.received_on,
            applicant=_applicant(applicants[c.applicant_id], c.viewer_involved),
            matter=MatterView(
                code=m.code,
                name=m.spec.name,
                promised_limit=m.spec.promised_limit,
                statutory_limit=m.spec.statutory_limit,
            ),
        )

    edges = [
        WorkEdge(
            cursor=encode_cursor([positions[t.id], t.id], "worklist:received"),
            node=WorkTaskView(
                id=t.id,
                stage_name=t.stage_name,
                state=t.state,
                due_on=t.due_on,
                deadline=task_clocks.get(t.id),
                case=case_of(t),
            ),
        )
        for t in page
    ]
    return WorklistView(
        edges=edges,
        page_info=PageInfoView(
            has_next_page=len(found) > first, end_cursor=edges[-1].cursor if edges else None
        ),
    )
