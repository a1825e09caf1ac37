"""matterRanking counts working days of the promised clock, computed here by hand.

Both cases are housing-fund withdrawals (GZ-HPF-WITHDRAW, promised 3 working days), accepted
Thursday 2026-04-02; Qingming is Saturday 04-04 to Monday 04-06 (no make-up day):
- X decided Wednesday 04-08: used 04-03, 04-07, 04-08 = 3 working days (6 calendar days), on
  its due date 04-08;
- Y paused by an expert review from Friday 04-03 (that day counts: 1 used) until Thursday 04-09
  (04-07, 04-08, 04-09 not counted), decided Tuesday 04-14: 04-10, 04-13, 04-14 = 3 more, 4 used,
  one over the promise; due 04-13 (1 + 04-10 + 04-13), so a calendar day late.
"""

from datetime import date
from itertools import pairwise
from typing import Any

import asyncpg
import pytest
from tests.conftest import GraphQLClient
from tests.scenarios import CASE_FIELDS, at, complete
from tests.supervision.test_rating_figures import decide, withdrawal

from tongban.deadlines.calendar import WorkingCalendar, package_schedule
from tongban.deadlines.clock import Pause, clock_status
from tongban.deadlines.errors import UnknownCalendarYearError
from tongban.supervision.matter_rank_repository import matter_ranks

RANKING = """{ matterRanking(from: "2026-04-01", to: "2026-04-30", first: 5) {
    matter { code } concludedCases lateCases averageDaysOverPromised averagePromisedDays
    averageWorkingDaysUsed averageWorkingDaysOverPromised shareOverPromised } }"""


async def special_procedure(
    client: GraphQLClient, case: dict[str, Any], mutation: str, extra: str = ""
) -> dict[str, Any]:
    head = await client.officer_token("gz.gjj.head")
    data = await client.execute(
        f"""mutation ($n: String!, $v: Int!) {{ {mutation}(number: $n, expectedVersion: $v
            {extra}) {{ case {{ {CASE_FIELDS} }} userErrors {{ code }} }} }}""",
        {"n": case["number"], "v": case["version"]},
        token=head,
    )
    assert data[mutation]["userErrors"] == [], data
    return dict(data[mutation]["case"])


@pytest.fixture
async def april(client: GraphQLClient, conn: asyncpg.Connection) -> None:
    client.clock.set(at("2026-04-02", "10:00"))
    x, _ = await withdrawal(client, conn, "working-days-x")
    y, _ = await withdrawal(client, conn, "working-days-y")
    client.clock.set(at("2026-04-03", "10:00"))
    y = await special_procedure(
        client, y, "startSpecialProcedure", ', kind: EXPERT_REVIEW, expectedDays: 5, reason: "评审"'
    )
    x = await complete(client, "gz.gjj.reviewer", x, "GZ-GJJ", "AGREE")
    client.clock.set(at("2026-04-08", "16:00"))
    await decide(client, "gz.gjj.head", x, "APPROVED")
    client.clock.set(at("2026-04-09", "10:00"))
    y = await special_procedure(client, y, "endSpecialProcedure")
    y = await complete(client, "gz.gjj.reviewer", y, "GZ-GJJ", "AGREE")
    client.clock.set(at("2026-04-14", "10:00"))
    await decide(client, "gz.gjj.head", y, "APPROVED")


@pytest.mark.usefixtures("april")
async def test_matters_rank_by_working_days_used_against_the_promise(
    client: GraphQLClient,
) -> None:
    supervisor = await client.officer_token("gz.supervisor")
    rows = (await client.execute(RANKING, token=supervisor))["matterRanking"]
    assert rows == [
        {
            "matter": {"code": "GZ-HPF-WITHDRAW"},
            "concludedCases": 2,
            "lateCases": 1,
            "averageDaysOverPromised": 0.5,  # calendar days past the due date (Y: 1)
            "averagePromisedDays": 3.0,
            "averageWorkingDaysUsed": 3.5,  # (3 + 4) / 2
            "averageWorkingDaysOverPromised": 0.5,  # (0 + 1) / 2
            "shareOverPromised": 0.5,
        }
    ]


@pytest.mark.usefixtures("april")
async def test_a_year_without_a_known_schedule_is_refused_not_guessed(
    conn: asyncpg.Connection,
) -> None:
    until_2025 = WorkingCalendar({y: s for y in range(2020, 2026) if (s := package_schedule(y))})
    with pytest.raises(UnknownCalendarYearError) as refused:
        await matter_ranks(
            conn,
            cal=until_2025,
            region_code="440100",
            start=date(2026, 4, 1),
            end=date(2026, 4, 30),
            timezone="Asia/Shanghai",
            limit=5,
        )
    assert refused.value.year == 2026
    # A period with no decided case asks nothing of the unknown year.
    quiet = await matter_ranks(
        conn,
        cal=until_2025,
        region_code="440100",
        start=date(2026, 5, 1),
        end=date(2026, 5, 31),
        timezone="Asia/Shanghai",
        limit=5,
    )
    assert quiet == []


@pytest.mark.usefixtures("april")
async def test_a_clock_paused_more_than_four_times_is_counted_exactly(
    conn: asyncpg.Connection,
) -> None:
    # Y's history rewritten to five one-working-day pauses (04-07, 04-08, 04-09, 04-10, 04-13
    # not counted): of the 7 working days from 04-02 to 04-14, 2 used.
    days = ["2026-04-03", "2026-04-07", "2026-04-08", "2026-04-09", "2026-04-10", "2026-04-13"]
    pauses = [[a, b] for a, b in pairwise(days)]
    await conn.execute(
        """UPDATE deadline_clock k SET pauses = $1 FROM case_record c
           WHERE c.id = k.case_id AND k.kind = 'promised' AND c.idempotency_key = 'working-days-y'""",
        pauses,
    )
    cal = WorkingCalendar.from_package()
    status = clock_status(
        cal,
        start=date(2026, 4, 2),
        limit_days=3,
        today=date(2026, 4, 14),
        pauses=[Pause(date.fromisoformat(a), date.fromisoformat(b)) for a, b in pauses],
        stopped_on=date(2026, 4, 14),
    )
    assert status.used_days == 2  # the deadline clock's own count agrees with the hand
    [rank] = await matter_ranks(
        conn,
        cal=cal,
        region_code="440100",
        start=date(2026, 4, 1),
        end=date(2026, 4, 30),
        timezone="Asia/Shanghai",
        limit=5,
    )
    assert (rank.concluded, rank.working_days_used, rank.over) == (2, 3 + 2, 0)
    assert rank.average_working_days_over_promised == -0.5
