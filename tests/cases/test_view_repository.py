"""The one-statement case view reads exactly what the per-relation repository functions read."""

import asyncpg
from tests.cases.factories import make_case
from tests.conftest import GraphQLClient

from tongban.auth.types import Principal
from tongban.cases import applicant_repository as applicant_repo
from tongban.cases import history_repository as history_repo
from tongban.cases import material_repository as material_repo
from tongban.cases import repository as cases_repo
from tongban.cases import view_repository as view_repo
from tongban.catalogue import repository as catalogue_repo
from tongban.deadlines import repository as deadlines_repo
from tongban.government import repository as gov_repo
from tongban.notifications import repository as notifications_repo
from tongban.review import repository as review_repo


async def officer(conn: asyncpg.Connection, username: str) -> Principal:
    row = await conn.fetchrow(
        """SELECT o.id::text, o.name, o.roles, o.clearance, o.department_id::text, d.region_code
           FROM officer o JOIN department d ON d.id = o.department_id WHERE o.username = $1""",
        username,
    )
    assert row is not None
    return Principal(
        kind="officer",
        subject=f"officer:{row['id']}",
        name=row["name"],
        officer_id=row["id"],
        department_id=row["department_id"],
        region_code=row["region_code"],
        roles=frozenset(row["roles"]),
        clearance=row["clearance"],
    )


async def add_history(conn: asyncpg.Connection, case_id: str, count: int) -> None:
    """``count`` more events (with a message each), written as the history's own rows."""
    for i in range(count):
        event_id, seq = await conn.fetchrow(
            """INSERT INTO case_event (case_id, case_version, action, actor_kind, actor_name,
                                       actor_roles, reason, changes, payload)
               VALUES ($1, 1, 'accepted', 'officer', '窗口', ARRAY['intake'], $2,
                       '{"state": ["received", "accepted"]}', '{"n": 1.5}')
               RETURNING id, seq""",
            case_id,
            f"原因 {i}",
        )
        await conn.execute(
            """INSERT INTO notification_message (event_id, event_seq, case_id, kind, audience,
                   recipient_id, channel, address, template_version, urgent, body,
                   next_attempt_at)
               SELECT $1, $2, c.id, 'accepted', 'applicant', c.applicant_id, 'sms',
                      '13800138000', 1, false, '已受理', now()
               FROM case_record c WHERE c.id = $3""",
            event_id,
            seq,
            case_id,
        )


async def test_the_view_holds_what_each_relation_reads(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case, _ = await make_case(client, conn, accepted=True)
    found = await cases_repo.visible_cases_by_number(
        conn, principal=await officer(conn, "th.scjg.reviewer"), numbers=[case["number"]]
    )
    c = found[0]
    await add_history(conn, c.id, 30)
    principal = await officer(conn, "th.scjg.reviewer")
    view = await view_repo.case_view(conn, principal=principal, number=c.number)
    assert view is not None
    ids = [c.id]
    assert view.case == c and view.case.viewer_involved
    assert view.applicant == (await applicant_repo.applicants_by_id(conn, ids=[c.applicant_id]))[0]
    assert view.versions == await catalogue_repo.versions_of(
        conn, matter_ids=[c.matter_id], published_only=False
    )
    tasks = await review_repo.tasks_of(conn, case_ids=ids)
    assert tasks and view.tasks == tasks
    wanted = {c.handling_department_id, *(t.department_id for t in tasks)}
    departments = await gov_repo.departments_by_id(conn, ids=list(wanted))
    assert view.departments is not None
    assert sorted(view.departments, key=lambda d: d.id) == sorted(departments, key=lambda d: d.id)
    # Clocks of one kind started together (a stage's) tie in both orders; each is its task's.
    clocks = await deadlines_repo.clocks_of(conn, case_ids=ids)
    assert view.clocks is not None
    assert sorted(view.clocks, key=lambda k: k.id) == sorted(clocks, key=lambda k: k.id)
    assert [k for k in view.clocks if k.task_id is None] == [k for k in clocks if not k.task_id]
    assert view.calendar == await deadlines_repo.calendar_stamp(conn)
    assert view.materials == await material_repo.materials_of(conn, case_ids=ids)
    messages = await notifications_repo.messages_of_cases(conn, case_ids=ids, applicant_id=None)
    assert len(messages[c.id]) == 30 and view.messages == messages[c.id]
    events = await history_repo.events_of(conn, case_ids=ids)
    assert len(events) > 30 and view.events == events

    last = await view_repo.case_view(
        conn, principal=principal, number=c.number, parts={"history"}, history_last=5
    )
    assert last is not None and last.events == events[-5:]
    assert last.applicant is None and last.tasks is None and last.calendar is None
    none = await view_repo.case_view(
        conn, principal=principal, number=c.number, parts={"history"}, history_last=0
    )
    assert none is not None and none.events == []


async def test_an_applicant_sees_their_messages_and_nobody_else_s_case(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case, _ = await make_case(client, conn, accepted=True)
    c = await cases_repo.case_with_identifier(conn, number=case["number"])
    assert c is not None
    await add_history(conn, c[0].id, 2)
    own = Principal(
        kind="applicant",
        subject=f"applicant:{c[0].applicant_id}",
        applicant_id=c[0].applicant_id,
        applicant_type="person",
    )
    view = await view_repo.case_view(conn, principal=own, number=c[0].number)
    assert view is not None and view.messages is not None and len(view.messages) == 2
    assert [view.case] == await cases_repo.visible_cases_by_number(
        conn, principal=own, numbers=[c[0].number]
    )
    other = Principal(
        kind="applicant",
        subject="applicant:other",
        applicant_id="00000000-0000-0000-0000-000000000001",
        applicant_type="person",
    )
    assert await view_repo.case_view(conn, principal=other, number=c[0].number) is None
