"""好差评 figures and ranked lists through GraphQL, checked against figures computed by hand.

The seeded cases (all accepted Monday 2026-03-02; ratings given through the API):
- A  Tianhe market regulator (TH-SCJG, 440106), business licence, decided 03-02, rated 1 at
     2026-03-31 23:59 local — still March;
- B  TH-SCJG, decided 03-02, rated 5 at 2026-04-01 00:01 local — April (in UTC both instants
     fall on 31 March); follow-up completed the next day (on time), rated again 2;
- C  Guangzhou housing fund (GZ-GJJ, 440100), withdrawal (promised 3 → due 03-05), decided 03-04,
     rated 4 on 03-10; follow-up (5 working days → due 03-17) completed 03-20, late; rated again 3;
- D  GZ-GJJ, decided 03-04, rated 3 on 03-10;
- E  GZ-GJJ, decided 03-06 (a day past its promised due date), rated 5 on 03-11; the follow-up
     is still open.
"""

from typing import Any

import asyncpg
import pytest
from tests.cases.factories import make_case
from tests.conftest import GraphQLClient
from tests.scenarios import act, at, complete, ok

from tongban.migrate import DEFAULT_DIRECTORY as MIGRATIONS
from tongban.migrate import _statements

LEVELS = "levels { verySatisfied satisfied basicallySatisfied dissatisfied veryDissatisfied }"
RERATING_LEVELS = LEVELS.replace("levels", "reratingLevels")
FIGURES = f"""query ($f: RatingFilter!, $g: RatingGrouping!, $p: FigurePeriod!) {{
  ratingFigures(filter: $f, groupBy: $g, period: $p) {{
    group {{ department {{ code name }} region {{ code name level }} matter {{ code }} }}
    periodStart rated {LEVELS} satisfactionRate badCount followUpsOpened followUpsCompleted
    followUpsCompletedOnTime rectificationRate onTimeRectificationRate rerated {RERATING_LEVELS}
  }} }}"""


def levels(*counts: int) -> dict[str, int]:
    names = ["verySatisfied", "satisfied", "basicallySatisfied", "dissatisfied"]
    return dict(zip([*names, "veryDissatisfied"], counts, strict=True))


async def rate(
    client: GraphQLClient, token: str, case: dict[str, Any], rating: int
) -> dict[str, Any]:
    variables = {"number": case["number"], "expectedVersion": case["version"], "rating": rating}
    return ok(await act(client, token, "rateCase", "", variables | {"comment": ""}))


async def follow_up(client: GraphQLClient, username: str, case: dict[str, Any]) -> dict[str, Any]:
    token = await client.officer_token(username)
    data = await client.execute(
        """mutation ($n: String!, $v: Int!) { completeFollowUp(number: $n, expectedVersion: $v,
           actions: "已整改") { case { number version } userErrors { code problem } } }""",
        {"n": case["number"], "v": case["version"]},
        token=token,
    )
    return ok(data["completeFollowUp"])


async def rerate(client: GraphQLClient, token: str, case: dict[str, Any], rating: int) -> None:
    data = await client.execute(
        """mutation ($n: String!, $v: Int!, $r: Int!) { rerateCase(number: $n,
           expectedVersion: $v, rating: $r, comment: "") { userErrors { code } } }""",
        {"n": case["number"], "v": case["version"], "r": rating},
        token=token,
    )
    assert data["rerateCase"]["userErrors"] == []


async def decide(
    client: GraphQLClient, head: str, case: dict[str, Any], decision: str
) -> dict[str, Any]:
    token = await client.officer_token(head)
    variables = {
        "number": case["number"],
        "expectedVersion": case["version"],
        "decision": decision,
        "resultNumber": "R-1" if decision == "APPROVED" else None,
        "reason": None if decision == "APPROVED" else "不符合条件",
    }
    return ok(await act(client, token, "decideCase", "", variables))


async def withdrawal(
    client: GraphQLClient, conn: asyncpg.Connection, key: str
) -> tuple[dict[str, Any], str]:
    return await make_case(
        client,
        conn,
        accepted=True,
        window="gz.gjj.intake",
        matter="GZ-HPF-WITHDRAW",
        region="440100",
        codes=["id", "contract", "invoice"],
        key=key,
    )


async def reviewed(
    client: GraphQLClient, conn: asyncpg.Connection, key: str
) -> tuple[dict[str, Any], str]:
    """A Tianhe business licence agreed by every review stage (as make_reviewed_case)."""
    case, applicant = await make_case(client, conn, accepted=True, key=key)
    for username, department in (
        ("th.scjg.reviewer", "TH-SCJG"),
        ("th.swj.reviewer", "TH-SWJ"),
        ("th.gafj.reviewer", "TH-GAFJ"),
        ("th.scjg.reviewer", "TH-SCJG"),
    ):
        case = await complete(client, username, case, department, "AGREE")
    return case, applicant


@pytest.fixture
async def seeded(client: GraphQLClient, conn: asyncpg.Connection) -> None:
    a, a_token = await reviewed(client, conn, "rating-a")
    b, b_token = await reviewed(client, conn, "rating-b")
    a = await decide(client, "th.scjg.head", a, "DENIED")
    b = await decide(client, "th.scjg.head", b, "DENIED")
    gjj = [await withdrawal(client, conn, f"rating-{k}") for k in "cde"]
    decided = []
    for (case, token), day in zip(gjj, ["2026-03-04", "2026-03-04", "2026-03-06"], strict=True):
        client.clock.set(at("2026-03-03", "10:00"))
        case = await complete(client, "gz.gjj.reviewer", case, "GZ-GJJ", "AGREE")
        client.clock.set(at(day, "10:00"))
        decided.append((await decide(client, "gz.gjj.head", case, "APPROVED"), token))
    (c, c_token), (d, d_token), (e, e_token) = decided

    client.clock.set(at("2026-03-10", "10:00"))
    c = await rate(client, c_token, c, 4)
    await rate(client, d_token, d, 3)
    client.clock.set(at("2026-03-11", "10:00"))
    await rate(client, e_token, e, 5)
    client.clock.set(at("2026-03-20", "10:00"))
    c = await follow_up(client, "gz.gjj.reviewer", c)
    client.clock.set(at("2026-03-21", "10:00"))
    await rerate(client, c_token, c, 3)
    client.clock.set(at("2026-03-31", "23:59"))
    await rate(client, a_token, a, 1)
    client.clock.set(at("2026-04-01", "00:01"))
    b = await rate(client, b_token, b, 5)
    client.clock.set(at("2026-04-02", "10:00"))
    b = await follow_up(client, "th.scjg.reviewer", b)
    client.clock.set(at("2026-04-03", "10:00"))
    await rerate(client, b_token, b, 2)


GJJ_MARCH = {
    "rated": 3,
    "levels": levels(0, 0, 1, 1, 1),
    "satisfactionRate": pytest.approx(1 / 3),
    "badCount": 2,
    "followUpsOpened": 2,
    "followUpsCompleted": 1,
    "followUpsCompletedOnTime": 0,
    "rectificationRate": 0.5,
    "onTimeRectificationRate": 0.0,
    "rerated": 1,
    "reratingLevels": levels(0, 0, 1, 0, 0),
}
TH_MARCH = {
    "rated": 1,
    "levels": levels(1, 0, 0, 0, 0),
    "satisfactionRate": 1.0,
    "badCount": 0,
    "followUpsOpened": 0,
    "followUpsCompleted": 0,
    "followUpsCompletedOnTime": 0,
    "rectificationRate": None,
    "onTimeRectificationRate": None,
    "rerated": 0,
    "reratingLevels": levels(0, 0, 0, 0, 0),
}
TH_APRIL = {
    "rated": 1,
    "levels": levels(0, 0, 0, 0, 1),
    "satisfactionRate": 0.0,
    "badCount": 1,
    "followUpsOpened": 1,
    "followUpsCompleted": 1,
    "followUpsCompletedOnTime": 1,
    "rectificationRate": 1.0,
    "onTimeRectificationRate": 1.0,
    "rerated": 1,
    "reratingLevels": levels(0, 1, 0, 0, 0),
}
FIGURE_KEYS = list(GJJ_MARCH)


def figures_of(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in FIGURE_KEYS}


async def figures(
    client: GraphQLClient, token: str, group: str, period: str, **filter: Any
) -> list[dict[str, Any]]:
    data = await client.execute(FIGURES, {"f": filter, "g": group, "p": period}, token=token)
    rows: list[dict[str, Any]] = data["ratingFigures"]
    return rows


@pytest.mark.usefixtures("seeded")
async def test_rating_figures_per_department_name_the_departments(client: GraphQLClient) -> None:
    supervisor = await client.officer_token("gz.supervisor")
    rows = await figures(
        client, supervisor, "DEPARTMENT", "NONE", **{"from": "2026-03-01", "to": "2026-03-31"}
    )
    by_code = {r["group"]["department"]["code"]: r for r in rows}
    assert set(by_code) == {"GZ-GJJ", "TH-SCJG"}
    assert figures_of(by_code["GZ-GJJ"]) == GJJ_MARCH
    assert figures_of(by_code["TH-SCJG"]) == TH_MARCH
    assert by_code["TH-SCJG"]["group"]["department"]["name"]
    assert by_code["GZ-GJJ"]["group"]["region"] is None
    assert {r["periodStart"] for r in rows} == {None}


@pytest.mark.usefixtures("seeded")
async def test_monthly_series_per_region_and_the_midnight_boundary(client: GraphQLClient) -> None:
    supervisor = await client.officer_token("gz.supervisor")
    rows = await figures(
        client, supervisor, "REGION", "MONTH", **{"from": "2026-03-01", "to": "2026-04-30"}
    )
    assert [(r["periodStart"], r["group"]["region"]["code"]) for r in rows] == [
        ("2026-03-01", "440100"),
        ("2026-03-01", "440106"),
        ("2026-04-01", "440106"),
    ]
    assert [figures_of(r) for r in rows] == [GJJ_MARCH, TH_MARCH, TH_APRIL]
    assert rows[1]["group"]["region"] == {"code": "440106", "name": "天河区", "level": "COUNTY"}

    # 23:59 on 31 March and 00:01 on 1 April, Guangzhou time: two days, two months.
    days = await figures(
        client, supervisor, "NONE", "DAY", **{"from": "2026-03-31", "to": "2026-04-01"}
    )
    assert [(r["periodStart"], r["rated"], r["levels"]) for r in days] == [
        ("2026-03-31", 1, levels(1, 0, 0, 0, 0)),
        ("2026-04-01", 1, levels(0, 0, 0, 0, 1)),
    ]
    only_march = await figures(
        client, supervisor, "NONE", "NONE", **{"from": "2026-03-31", "to": "2026-03-31"}
    )
    assert [r["rated"] for r in only_march] == [1]
    weeks = await figures(
        client, supervisor, "NONE", "WEEK", **{"from": "2026-03-01", "to": "2026-04-30"}
    )
    # Weeks start on Monday: 03-09 (C, D, E), 03-30 (A on Tuesday 31st, B on Wednesday 1st).
    assert [(r["periodStart"], r["rated"], r["badCount"]) for r in weeks] == [
        ("2026-03-09", 3, 2),
        ("2026-03-30", 2, 1),
    ]


@pytest.mark.usefixtures("seeded")
async def test_filters_by_matter_department_and_region(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    supervisor = await client.officer_token("gz.supervisor")
    year = {"from": "2026-01-01", "to": "2026-12-31"}
    per_matter = await figures(client, supervisor, "MATTER", "NONE", **year)
    assert {r["group"]["matter"]["code"]: r["rated"] for r in per_matter} == {
        "GZ-HPF-WITHDRAW": 3,
        "GD-BL-001": 2,
    }
    withdrawals = await figures(
        client, supervisor, "NONE", "NONE", matterCode="GZ-HPF-WITHDRAW", **year
    )
    assert [figures_of(r) for r in withdrawals] == [GJJ_MARCH]
    tianhe = await conn.fetchval("SELECT id::text FROM department WHERE code = 'TH-SCJG'")
    only_tianhe = await figures(client, supervisor, "NONE", "NONE", departmentId=tianhe, **year)
    assert [(r["rated"], r["badCount"], r["rerated"]) for r in only_tianhe] == [(2, 1, 1)]
    district = await figures(client, supervisor, "NONE", "NONE", regionCode="440106", **year)
    assert [r["rated"] for r in district] == [2]
    # The district's own supervisor: their district only, the city's figures are refused.
    th = await client.officer_token("th.supervisor")
    assert [r["rated"] for r in await figures(client, th, "NONE", "NONE", **year)] == [2]


async def refusal(client: GraphQLClient, token: str, region: str | None) -> str:
    filter = {"from": "2026-03-01", "to": "2026-03-31"} | ({"regionCode": region} if region else {})
    response = await client.post(
        "query ($f: RatingFilter!) { ratingFigures(filter: $f) { rated } }",
        {"f": filter},
        token=token,
    )
    error = response.json()["errors"][0]["extensions"]
    return f"{error['code']} {error.get('problem')}"


async def test_figures_stay_within_the_supervisors_region_subtree(client: GraphQLClient) -> None:
    gz = await client.officer_token("gz.supervisor")
    assert await refusal(client, gz, "440000") == "FORBIDDEN OUTSIDE_SUPERVISED_REGION"
    assert await refusal(client, gz, "440300") == "FORBIDDEN OUTSIDE_SUPERVISED_REGION"
    th = await client.officer_token("th.supervisor")
    assert await refusal(client, th, "440100") == "FORBIDDEN OUTSIDE_SUPERVISED_REGION"
    reviewer = await client.officer_token("gz.gjj.reviewer")
    assert await refusal(client, reviewer, None) == "FORBIDDEN SUPERVISION_ROLES_ONLY"
    ranking = await client.post(
        '{ departmentRanking(by: BAD_RATINGS, from: "2026-03-01", to: "2026-03-31") { badRatings } }',
        token=reviewer,
    )
    assert ranking.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


@pytest.mark.usefixtures("seeded")
async def test_ranked_departments_and_matters(client: GraphQLClient) -> None:
    supervisor = await client.officer_token("gz.supervisor")
    query = """query ($by: DepartmentRankingOrder!) { departmentRanking(by: $by,
        from: "2026-03-01", to: "2026-03-31", first: 5) {
        department { code } concludedCases onTimeRate overdueCount badRatings } }"""

    async def ranked(by: str) -> list[tuple[Any, ...]]:
        rows = (await client.execute(query, {"by": by}, token=supervisor))["departmentRanking"]
        return [
            (
                r["department"]["code"],
                r["concludedCases"],
                r["onTimeRate"],
                r["overdueCount"],
                r["badRatings"],
            )
            for r in rows
        ]

    # GZ-GJJ: C and D on time, E a day late; two bad ratings in March (C, E; B is April's).
    # TH-SCJG: A and B decided the day they were accepted.
    gjj = ("GZ-GJJ", 3, pytest.approx(2 / 3), 1, 2)
    th = ("TH-SCJG", 2, 1.0, 0, 0)
    assert await ranked("OVERDUE_COUNT") == [gjj, th]
    assert await ranked("ON_TIME_RATE") == [gjj, th]
    assert await ranked("BAD_RATINGS") == [gjj, th]

    matters = (
        await client.execute(
            """{ matterRanking(from: "2026-03-01", to: "2026-03-31", first: 1) {
                 matter { code } concludedCases lateCases averageDaysOverPromised
                 averagePromisedDays averageWorkingDaysUsed averageWorkingDaysOverPromised
                 shareOverPromised } }""",
            token=supervisor,
        )
    )["matterRanking"]
    assert matters == [
        {
            "matter": {"code": "GZ-HPF-WITHDRAW"},
            "concludedCases": 3,
            "lateCases": 1,
            "averageDaysOverPromised": pytest.approx(1 / 3),
            "averagePromisedDays": 3.0,
            # From Monday 03-02: C and D used 03-03 and 03-04, E four days to Friday 03-06.
            "averageWorkingDaysUsed": pytest.approx(8 / 3),
            "averageWorkingDaysOverPromised": pytest.approx(-1 / 3),
            "shareOverPromised": pytest.approx(1 / 3),
        }
    ]


async def test_ratings_given_before_migration_0023_take_their_history_instant(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case, token = await withdrawal(client, conn, "rating-backfill")
    client.clock.set(at("2026-03-03", "10:00"))
    case = await complete(client, "gz.gjj.reviewer", case, "GZ-GJJ", "AGREE")
    case = await decide(client, "gz.gjj.head", case, "APPROVED")
    client.clock.set(at("2026-03-31", "23:59"))
    await rate(client, token, case, 2)
    await conn.execute("UPDATE case_record SET rated_at = NULL WHERE number = $1", case["number"])

    sql = (MIGRATIONS / "0023_rating_figures.sql").read_text(encoding="utf-8")
    for statement in _statements(sql):  # as the migrator runs it (idempotent)
        await conn.execute(statement)
    rated_at = await conn.fetchval(
        "SELECT rated_at FROM case_record WHERE number = $1", case["number"]
    )
    assert rated_at == at("2026-03-31", "23:59")
