"""The one way to act on a case: the runner locks and checks the case once, in a fixed order,
before the action sees it."""

import asyncpg
import pytest
from tests.cases.factories import make_applicant, submit, window_principal
from tests.conftest import GraphQLClient
from tests.scenarios import ok

from tongban.auth.errors import NotAllowedError
from tongban.auth.types import Principal
from tongban.cases import intake
from tongban.cases.errors import CaseNotFoundError, StaleVersionError
from tongban.cases.runner import ActionContext, Env, case_action, perform
from tongban.cases.states import InvalidStateError
from tongban.cases.types import Case
from tongban.clock import local_day

seen: list[ActionContext] = []


@case_action("accept")
async def probe(ctx: ActionContext, note: str) -> Case:
    seen.append(ctx)
    return ctx.case


async def test_the_action_gets_the_locked_case_and_the_day_it_happens_on(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    applicant = client.applicant_token(await make_applicant(conn))
    case = ok(await submit(client, applicant))
    env = Env(settings=client.settings, clock=client.clock)
    seen.clear()
    async with conn.transaction():
        got = await perform(
            conn, await window_principal(conn), env, probe, case["number"], case["version"], "hi"
        )
    assert got.number == case["number"]
    assert seen[0].today == local_day(client.clock.now(), client.settings.timezone)
    assert seen[0].tasks == ()


async def test_the_checks_come_in_order_and_the_action_never_runs_when_one_fails(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    applicant_id = await make_applicant(conn)
    case = ok(await submit(client, client.applicant_token(applicant_id)))
    env = Env(settings=client.settings, clock=client.clock)
    officer = await window_principal(conn)
    owner = Principal(kind="applicant", subject="applicant:o", applicant_id=applicant_id)
    other = await make_applicant(conn, name="别人", id_number="110101199003074514")
    stranger = Principal(kind="applicant", subject="applicant:s", applicant_id=other)
    seen.clear()
    version = case["version"]
    checks = [
        (stranger, version, CaseNotFoundError),  # may not see it
        (officer, version - 1, StaleVersionError),  # saw an older version
        (owner, version, NotAllowedError),  # sees it, may not accept it
    ]
    for principal, seen_version, error in checks:
        with pytest.raises(error):
            async with conn.transaction():
                await perform(conn, principal, env, probe, case["number"], seen_version, "hi")
    async with conn.transaction():
        accepted = await perform(conn, officer, env, intake.accept, case["number"], version)
    with pytest.raises(InvalidStateError):  # accepted already
        async with conn.transaction():
            await perform(conn, officer, env, probe, case["number"], accepted.version, "hi")
    assert seen == []
