"""supervisionFigures as a time series, per week and per day, named by department; checked
against figures computed by hand.

Three Guangzhou housing-fund withdrawals accepted Monday 2026-03-02 (promised 3 working days →
due Thursday 03-05): one decided 03-04 (2 working days used), one 03-06 (4 used, a day late),
one still open.
"""

import asyncpg
from tests.conftest import GraphQLClient
from tests.scenarios import at
from tests.supervision.test_supervision import decide_on, withdrawal

SERIES = """query ($from: Date!, $to: Date!, $p: FigurePeriod!) {
  supervisionFigures(regionCode: "440100", from: $from, to: $to, period: $p) {
    periodStart department { code name } region { code }
    openCases concludedCases onTimeRate overdueCount averageWorkingDaysUsed } }"""


async def test_weekly_and_daily_series(client: GraphQLClient, conn: asyncpg.Connection) -> None:
    on_time = await withdrawal(client, conn, "series-a")
    late = await withdrawal(client, conn, "series-b")
    await withdrawal(client, conn, "series-c")
    await decide_on(client, on_time, "2026-03-04")
    await decide_on(client, late, "2026-03-06")
    client.clock.set(at("2026-04-01", "10:00"))
    supervisor = await client.officer_token("gz.supervisor")

    async def series(start: str, end: str, period: str) -> list[tuple[object, ...]]:
        rows = (
            await client.execute(SERIES, {"from": start, "to": end, "p": period}, token=supervisor)
        )["supervisionFigures"]
        assert {r["department"]["code"] for r in rows} <= {"GZ-GJJ"}
        assert {r["region"] for r in rows} == {None}
        return [
            (
                r["periodStart"],
                r["openCases"],
                r["concludedCases"],
                r["onTimeRate"],
                r["overdueCount"],
                r["averageWorkingDaysUsed"],
            )
            for r in rows
        ]

    # Weeks from Monday; the week of 1 March (Sunday) holds nothing accepted yet, and the last
    # week is cut at the 14th: the open case is past due by then, the decided ones are not open.
    assert await series("2026-03-01", "2026-03-14", "WEEK") == [
        ("2026-03-02", 1, 2, 0.5, 2, 3.0),
        ("2026-03-09", 1, 0, None, 1, None),
    ]
    # On the due date itself nothing is overdue yet; the case decided on the 6th is still open.
    assert await series("2026-03-04", "2026-03-05", "DAY") == [
        ("2026-03-04", 2, 1, 1.0, 0, 2.0),
        ("2026-03-05", 2, 0, None, 0, None),
    ]
    assert await series("2026-03-01", "2026-03-31", "MONTH") == [
        ("2026-03-01", 1, 2, 0.5, 2, 3.0),
    ]
    whole = await series("2026-03-01", "2026-03-31", "NONE")
    assert whole == [(None, 1, 2, 0.5, 2, 3.0)]

    too_long = await client.post(
        '{ supervisionFigures(regionCode: "440100", from: "2025-01-01", to: "2026-03-31", '
        "period: DAY) { key } }",
        token=supervisor,
    )
    assert too_long.json()["errors"][0]["extensions"]["problem"] == "SERIES_TOO_LONG"
