"""The benchmark's baseline (not the product): hand-written JSON endpoints returning what the
benchmark's GraphQL operations (a) and (b) return (the shapes of
``bench/api_plain_baseline.py``), from the same repository functions, behind
the same middleware (request id, logs, metrics, bearer token, statement counter) and served the
same way as ``tongban serve``. Today's endpoints as they were before issue 18 are served beside
them, frozen, under ``/baseline/...`` (``bench/api_plain_baseline.py``).

    python bench/api_plain.py --port 8001        # reads TONGBAN_* like `tongban serve`
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
from litestar import Litestar, Request, get
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.types import ASGIApp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from api_plain_baseline import (  # noqa: E402
    CaseView,
    DeadlineView,
    EventView,
    MaterialView,
    MatterView,
    PageInfoView,
    TaskView,
    WorkCaseView,
    WorkEdge,
    WorklistView,
    WorkTaskView,
    _applicant,
    _department,
    _principal,
)
from api_plain_baseline import case_view as baseline_case_view  # noqa: E402
from api_plain_baseline import worklist_view as baseline_worklist_view  # noqa: E402
from tongban import db  # noqa: E402
from tongban.api.pagination import encode_cursor  # noqa: E402
from tongban.auth.tokens import TokenVerifier  # noqa: E402
from tongban.cases import states  # noqa: E402
from tongban.cases import types as domain  # noqa: E402
from tongban.cases import view_repository as view_repo  # noqa: E402
from tongban.clock import clock_from_settings, local_day  # noqa: E402
from tongban.config import Settings, load_settings  # noqa: E402
from tongban.deadlines import service as deadlines_service  # noqa: E402
from tongban.deadlines.calendar import WorkingCalendar  # noqa: E402
from tongban.deadlines.types import DeadlineClock  # noqa: E402
from tongban.keyset import Window  # noqa: E402
from tongban.logs import configure_logging  # noqa: E402
from tongban.review import worklist_repository as worklist_repo  # noqa: E402
from tongban.web.middleware import RequestMiddleware  # noqa: E402

# What operation (a) shows of a case (not its messages).
CASE_PARTS = view_repo.PARTS - {"messages"}


def _deadline_views(
    state: State, clocks: list[DeadlineClock], cal: WorkingCalendar
) -> list[DeadlineView]:
    """Clock views as of today."""
    settings: Settings = state.settings
    today = local_day(state.clock.now(), settings.timezone)
    found = []
    for c in clocks:
        s = deadlines_service.status(c, cal, settings, today)
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


@get("/plain/case/{number:str}")
async def case_view(request: Request[Any, Any, Any], state: State, number: str) -> CaseView:
    """Operation (a): a case with its tasks, deadlines, materials and last 20 events."""
    principal = _principal(request)
    pool: asyncpg.Pool = state.pool
    async with pool.acquire() as conn:
        # The case and every relation the view shows: one statement.
        view = await view_repo.case_view(
            conn, principal=principal, number=number, parts=CASE_PARTS, history_last=20
        )
        if view is None:
            raise NotFoundException("no such case")
        assert view.calendar is not None
        cal = await deadlines_service.calendar_at(conn, view.calendar)
    c = view.case
    assert view.applicant and view.versions and view.departments is not None
    applicant, tasks, clocks = view.applicant, view.tasks or [], view.clocks or []
    matter = next(v for v in view.versions if v.version == c.matter_version)
    departments = {d.id: _department(d) for d in view.departments}
    views = _deadline_views(state, clocks, cal)
    case_clocks = [v for k, v in zip(clocks, views, strict=True) if k.task_id is None]
    task_clocks = {k.task_id: v for k, v in zip(clocks, views, strict=True) if k.task_id}
    materials, events = view.materials or [], view.events or []
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


@get("/plain/worklist")
async def worklist_view(request: Request[Any, Any, Any], state: State, first: int) -> WorklistView:
    """Operation (b): a page of the officer's worklist with each task's deadline and case."""
    principal = _principal(request)
    assert principal.department_id is not None
    pool: asyncpg.Pool = state.pool
    async with pool.acquire() as conn:
        # The page and its cases, applicants, matters and clocks: one statement.
        read = await worklist_repo.worklist_page(
            conn,
            principal=principal,
            department_id=principal.department_id,
            states=["open", "claimed"],
            matter_code=None,
            sort="received",
            window=Window(limit=first + 1),
            parts={"cases", "applicants", "matters", "clocks"},
        )
        assert read.calendar is not None
        cal = await deadlines_service.calendar_at(conn, read.calendar)
    found = read.tasks
    page = [t for t, _ in found[:first]]
    positions = {t.id: key for t, key in found}
    cases = {c.id: c for c in read.cases or []}
    applicants = {a.id: a for a in read.applicants or []}
    versions = {(v.matter_id, v.version): v for v in read.versions or []}
    on_page = {t.id for t in page}
    clocks = [k for k in read.clocks or [] if k.task_id in on_page]
    views = _deadline_views(state, clocks, cal)
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


def create_plain_app(settings: Settings) -> Litestar:
    verifier = TokenVerifier(settings)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.clock = clock_from_settings(settings)
        app.state.pool = await db.create_pool(settings)
        try:
            yield
        finally:
            await app.state.pool.close()

    def middleware(app: ASGIApp) -> ASGIApp:
        return RequestMiddleware(app, verifier, settings)

    return Litestar(
        route_handlers=[case_view, worklist_view, baseline_case_view, baseline_worklist_view],
        lifespan=[lifespan],
        middleware=[middleware],
        logging_config=None,
        openapi_config=None,
        debug=False,
    )


def serve(port: int) -> None:
    """Exactly the server `tongban serve` runs (see tongban.cli.cmd_serve), on this app."""
    import uvicorn

    settings = load_settings()
    configure_logging(settings.log_level)
    uvicorn.run(
        "api_plain:app",
        host=settings.http_host,
        port=port,
        workers=settings.http_workers if settings.http_workers > 1 else None,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        timeout_graceful_shutdown=20,
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    serve(parser.parse_args().port)
else:
    _settings = load_settings()
    configure_logging(_settings.log_level)
    app = create_plain_app(_settings)
