"""A worklist page read in one statement holds what the page and each relation's function read."""

from typing import Any

import asyncpg
import pytest
from tests.cases.test_query_cost import seed
from tests.cases.test_view_repository import officer
from tests.conftest import GraphQLClient

from tongban.cases import applicant_repository as applicant_repo
from tongban.cases import repository as cases_repo
from tongban.catalogue import repository as catalogue_repo
from tongban.deadlines import repository as deadlines_repo
from tongban.keyset import Window
from tongban.review import repository as review_repo
from tongban.review import worklist_repository as worklist_repo


def by_id(items: list[Any] | None) -> list[Any]:
    assert items is not None
    return sorted(items, key=lambda x: x.id)


@pytest.mark.parametrize(
    ("sort", "states", "backward"),
    [
        ("received", ["open", "claimed"], False),
        ("received", ["open", "claimed"], True),
        ("due", ["open", "claimed"], False),
        ("received", ["open", "claimed", "waiting"], False),
    ],
)
async def test_a_page_holds_what_each_relation_reads(
    client: GraphQLClient, conn: asyncpg.Connection, sort: str, states: list[str], backward: bool
) -> None:
    await seed(client, conn, 7)
    principal = await officer(conn, "th.scjg.reviewer")
    assert principal.department_id is not None
    window: Window[Any] = Window(limit=6, backward=backward)
    query = {
        "principal": principal,
        "department_id": principal.department_id,
        "states": states,
        "matter_code": None,
        "sort": sort,
        "window": window,
    }
    tasks = await review_repo.worklist(conn, **query)
    page = await worklist_repo.worklist_page(conn, **query)
    assert len(tasks) == 6 and page.tasks == tasks
    case_ids = list({t.case_id for t, _ in tasks})
    cases = await cases_repo.visible_cases_by_id(conn, principal=principal, ids=case_ids)
    assert by_id(page.cases) == by_id(cases)
    applicant_ids = list({c.applicant_id for c in cases})
    assert by_id(page.applicants) == by_id(
        await applicant_repo.applicants_by_id(conn, ids=applicant_ids)
    )
    assert page.versions == await catalogue_repo.versions_of(
        conn, matter_ids=list({c.matter_id for c in cases}), published_only=False
    )
    # Clocks of one kind started together (a stage's) tie in both orders; each is its task's.
    assert by_id(page.clocks) == by_id(await deadlines_repo.clocks_of(conn, case_ids=case_ids))
    assert page.calendar == await deadlines_repo.calendar_stamp(conn)

    bare = await worklist_repo.worklist_page(conn, **query, parts=())
    assert bare.tasks == tasks and bare.cases is None and bare.clocks is None
