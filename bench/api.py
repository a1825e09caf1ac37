"""API load benchmark (a script, not a test).

    uv run python bench/api.py                                   # 100,000 cases, 10 s per operation
    uv run python bench/api.py --cases 300 --duration 2 --warmup 0.5   # smoke size

Seeds a fresh database by COPY (demo catalogue and regions, cases over every state and level with
their tasks, materials, ~20 history events and deadline clocks of every colour), starts the API as
production runs it (`tongban serve`: uvicorn with uvloop and httptools, TONGBAN_ENV=production,
RS256 tokens from a JWKS file) and drives it at a fixed concurrency. For each operation it prints
requests/s, p50/p99 latency, SQL statements per request (x-sql-statements) and the API process's
peak RSS:

  (a) a case by number with tasks, deadlines, materials and the last 20 history events
  (b) an officer's worklist page of 50
  (c) a catalogue search (anonymous)
  (d) submitCase (multipart, one small PDF)
  (e) a mix: 40 % (a), 30 % (b), 20 % (c), 10 % (d)

Baselines in the same run: for (a) and (b) hand-written Litestar JSON endpoints over the same
repository functions, served the same way (bench/api_plain.py), and beside them the plain
endpoints as they were before issue 18, frozen (bench/api_plain_baseline.py, checked to answer
byte for byte the same); for (d) the same transaction run directly on an asyncpg pool at the
same concurrency. Ratios are throughput ratios: GraphQL against the plain endpoints (goal ≥ 1.0)
and against today's (goal ≥ 1.3).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import asyncpg
from arq.connections import ArqRedis
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from redis.asyncio import ConnectionPool

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from api_load import Call, Result, drive, drive_in_process, graphql_ok  # noqa: E402
from api_seed import seed  # noqa: E402
from support import ADMIN, drop_database, dsn, free_port, recreate_database  # noqa: E402
from tongban import db  # noqa: E402
from tongban.auth.tokens import jwks_json, mint_token  # noqa: E402
from tongban.auth.types import Principal  # noqa: E402
from tongban.blobs import FilesystemBlobStore  # noqa: E402
from tongban.cases import repository as cases_repo  # noqa: E402
from tongban.cases import service as cases_service  # noqa: E402
from tongban.cases.types import ApplicantInput, Submission, UploadedFile  # noqa: E402
from tongban.clock import SystemClock  # noqa: E402
from tongban.config import Settings, load_settings  # noqa: E402
from tongban.deadlines.tasks import schedule_jobs  # noqa: E402
from tongban.identifiers import resident_id_check_char  # noqa: E402
from tongban.migrate import migrate  # noqa: E402

REDIS = os.environ.get("TONGBAN_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

CASE_QUERY = """query Case($number: String!, $last: Int!) { case(number: $number) {
  number state stateCode version allowedActions confidentiality receivedAt receivedOn acceptedOn
  currentStage decision
  applicant { kind name idNumber mobile email }
  matter { code name promisedLimit statutoryLimit }
  handlingDepartment { id code name regionCode }
  tasks { id kind stageIndex stageName round state opinion comment openedAt completedAt dueOn
    department { id code name regionCode }
    deadline { kind state startOn limitDays extensionDays dueOn remainingDays daysPaused colour overdue } }
  deadlines { kind state startOn limitDays extensionDays dueOn remainingDays daysPaused colour overdue }
  materials { id materialCode name size contentType sha256 phase uploadedAt }
  history(last: $last) { seq caseVersion action actorKind actorName actorRoles actorDepartmentId
    reason changes payload occurredAt } } }"""

WORKLIST_QUERY = """query Worklist($first: Int!) { worklist(first: $first) {
  edges { cursor node { id stageName state dueOn
    deadline { kind state startOn limitDays extensionDays dueOn remainingDays daysPaused colour overdue }
    case { number state receivedOn applicant { kind name idNumber mobile email }
      matter { code name promisedLimit statutoryLimit } } } }
  pageInfo { hasNextPage endCursor } } }"""

SEARCH_QUERY = """query Search($keyword: String) { matters(first: 20, filter: {keyword: $keyword}) {
  edges { cursor node { code current { name category level promisedLimit statutoryLimit
    department { code name } } } }
  pageInfo { hasNextPage endCursor } } }"""
KEYWORDS = ["公积金", "营业执照", "婚姻", "养老保险", "商标", "住房", "生育", "工资", "GD", None]

SUBMIT_QUERY = """mutation Submit($input: SubmitCaseInput!) { submitCase(input: $input) {
  created case { number state version receivedOn } userErrors { code problem field message } } }"""


def resident_id(n: int) -> str:
    first17 = f"44010619{80 + n % 20:02d}0{1 + n % 9}{10 + n % 18:02d}{n % 1000:03d}"
    return first17 + resident_id_check_char(first17)


class Bench:
    def __init__(self, args: argparse.Namespace, url: str, workdir: Path) -> None:
        self.args = args
        self.url = url
        self.workdir = workdir
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwks = workdir / "jwks.json"
        jwks.write_text(jwks_json({"bench": self.key.public_key()}))
        self.env = {
            "TONGBAN_ENV": "production",
            # The SQL/req column reads it; production hides it from everyone else.
            "TONGBAN_SQL_STATEMENTS_HEADER": "true",
            "TONGBAN_GRAPHQL_COMPILED": "true" if args.graphql_compiled == "on" else "false",
            "TONGBAN_DATABASE_URL": url,
            "TONGBAN_REDIS_URL": REDIS,
            # Production refuses a public base URL that is not https (links in notices).
            "TONGBAN_PUBLIC_BASE_URL": "https://bench.tongban.example",
            # …and its own key for signing electronic licences (a fresh one per run).
            "TONGBAN_LICENCE_SIGNING_KEY": ed25519.Ed25519PrivateKey.generate()
            .private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            .decode(),
            "TONGBAN_LICENCE_KEY_ID": "bench-licence-1",
            "TONGBAN_JWT_ALGORITHM": "RS256",
            "TONGBAN_JWT_JWKS_FILE": str(jwks),
            "TONGBAN_BLOB_DIR": str(workdir / "blobs"),
            "TONGBAN_HTTP_WORKERS": str(args.workers),
            "TONGBAN_DB_POOL_MAX": str(args.pool_max),
            "TONGBAN_LOG_LEVEL": args.log_level,
            # 32 clients share a few tokens on purpose: the bench measures throughput, and
            # the request limits would answer most of it with 429.
            "TONGBAN_RATE_LIMIT_ANONYMOUS": "0",
            "TONGBAN_RATE_LIMIT_SIGNED_IN": "0",
            "TONGBAN_RATE_LIMIT_SUBMISSIONS": "0",
            "TONGBAN_SMS_ACCESS_KEY_SECRET": "bench-" + os.urandom(16).hex(),
            "TONGBAN_SMS_CALLBACK_SECRET": "bench-" + os.urandom(16).hex(),
            "TONGBAN_DOWNLOAD_SECRET": "bench-" + os.urandom(16).hex(),
        }
        self.settings: Settings = load_settings(
            {},
            **{
                "database_url": url,
                "redis_url": REDIS,
                "jwt_algorithm": "RS256",
                "jwt_jwks_file": str(jwks),
                "blob_dir": str(workdir / "blobs-direct"),
                "db_pool_max": args.pool_max,
            },
        )
        self.serial = itertools.count()
        self.results: list[Result] = []
        self.rng = random.Random(7)

    # --- tokens and data ----------------------------------------------------------------------
    def token(self, principal: Principal) -> str:
        return mint_token(self.settings, principal, private_key=self.key, kid="bench")

    async def prepare(self) -> None:
        conn = await db.connect(self.url)
        try:
            rows = await conn.fetch(
                """SELECT o.username, o.id::text, o.name, o.roles, o.clearance,
                          o.department_id::text, d.region_code
                   FROM officer o JOIN department d ON d.id = o.department_id"""
            )
            self.officers = {
                r["username"]: Principal(
                    kind="officer",
                    subject=f"officer:{r['id']}",
                    name=r["name"],
                    officer_id=r["id"],
                    department_id=r["department_id"],
                    region_code=r["region_code"],
                    roles=frozenset(r["roles"]),
                    clearance=r["clearance"],
                )
                for r in rows
            }
            self.numbers = [
                r["number"]
                for r in await conn.fetch(
                    "SELECT number FROM case_record ORDER BY random() LIMIT 5000"
                )
            ]
            reviewers = await conn.fetch(
                """SELECT o.username FROM officer o
                   WHERE o.roles && ARRAY['reviewer']::text[] AND EXISTS (
                     SELECT 1 FROM review_task t WHERE t.department_id = o.department_id
                       AND t.state IN ('open', 'claimed'))
                   ORDER BY o.username"""
            )
        finally:
            await conn.close()
        # Supervisors oversee everything below them: the case view's viewer sees every case.
        self.case_token = self.token(self.officers["gd.supervisor"])
        names = [r["username"] for r in reviewers] or ["th.scjg.reviewer"]
        self.worklist_tokens = [self.token(self.officers[name]) for name in names]
        self.window = self.officers["th.window"]
        self.window_token = self.token(self.window)

    # --- operations -------------------------------------------------------------------------
    def auth(self, token: str) -> dict[str, str]:
        return {"authorization": f"Bearer {token}"}

    def case_call(self, last: int = 20) -> Call:
        number = self.rng.choice(self.numbers)
        return Call(
            "/graphql",
            json={"query": CASE_QUERY, "variables": {"number": number, "last": last}},
            headers=self.auth(self.case_token),
            ok=graphql_ok,
        )

    def case_plain(self) -> Call:
        return Call(
            f"/plain/case/{self.rng.choice(self.numbers)}",
            method="GET",
            headers=self.auth(self.case_token),
        )

    def case_baseline(self) -> Call:
        return Call(
            f"/baseline/case/{self.rng.choice(self.numbers)}",
            method="GET",
            headers=self.auth(self.case_token),
        )

    def worklist_call(self, first: int = 50) -> Call:
        return Call(
            "/graphql",
            json={"query": WORKLIST_QUERY, "variables": {"first": first}},
            headers=self.auth(self.rng.choice(self.worklist_tokens)),
            ok=graphql_ok,
        )

    def worklist_plain(self) -> Call:
        return Call(
            "/plain/worklist?first=50",
            method="GET",
            headers=self.auth(self.rng.choice(self.worklist_tokens)),
        )

    def worklist_baseline(self) -> Call:
        return Call(
            "/baseline/worklist?first=50",
            method="GET",
            headers=self.auth(self.rng.choice(self.worklist_tokens)),
        )

    def search_call(self) -> Call:
        return Call(
            "/graphql",
            json={"query": SEARCH_QUERY, "variables": {"keyword": self.rng.choice(KEYWORDS)}},
            ok=graphql_ok,
        )

    def applicant(self, n: int) -> dict[str, Any]:
        return {
            "kind": "PERSON",
            "name": f"压测申请人{n % 1000}",
            "idNumber": resident_id(n % 1000),
            "mobile": "13800138000",
            "channels": ["SMS"],
        }

    def submit_call(self) -> Call:
        n = next(self.serial)
        key = f"bench-{os.getpid()}-{n:09d}"
        variables = {
            "input": {
                "matterCode": "GD-BL-001",
                "regionCode": "440106005",
                "idempotencyKey": key,
                "formData": {"companyName": f"压测科技{n}有限公司", "capital": 1_000_000},
                "materials": [{"materialCode": "application", "file": None}],
                "applicant": self.applicant(n),
            }
        }

        def form() -> aiohttp.FormData:
            data = aiohttp.FormData()
            data.add_field(
                "operations", json.dumps({"query": SUBMIT_QUERY, "variables": variables})
            )
            data.add_field("map", json.dumps({"0": ["variables.input.materials.0.file"]}))
            data.add_field(
                "0", PDF + key.encode(), filename="application.pdf", content_type="application/pdf"
            )
            return data

        return Call(
            "/graphql",
            form=form,
            headers=self.auth(self.window_token),
            ok=lambda status, body: status == 200 and b'"userErrors":[]' in body,
        )

    def mix_call(self) -> Call:
        pick = self.rng.random()
        if pick < 0.4:
            return self.case_call()
        if pick < 0.7:
            return self.worklist_call()
        if pick < 0.9:
            return self.search_call()
        return self.submit_call()

    # --- servers ----------------------------------------------------------------------------
    async def start(self, command: list[str]) -> tuple[subprocess.Popen[bytes], str]:
        port = free_port()
        process = self.spawn(command, port)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        async with aiohttp.ClientSession() as session:
            while True:
                if process.poll() is not None:
                    raise SystemExit(
                        f"{command} exited: {(self.workdir / f'server-{port}.log').read_text()}"
                    )
                try:
                    async with session.get(f"{base}/health/live") as response:
                        await response.read()
                        break
                except aiohttp.ClientError:
                    if time.monotonic() > deadline:
                        # Not left behind: a server that answers late would go on loading
                        # the machine (and restarting its workers) after the bench has gone.
                        self.stop(process)
                        raise SystemExit(f"{command} did not answer within 60 s") from None
                    await asyncio.sleep(0.2)
        return process, base

    def spawn(self, command: list[str], port: int) -> subprocess.Popen[bytes]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TONGBAN_")}
        env |= self.env | {"TONGBAN_HTTP_PORT": str(port)}
        # Request logs (INFO, one JSON line each, as in production) are written and dropped.
        with (self.workdir / f"server-{port}.log").open("wb") as log:
            return subprocess.Popen(
                [*command, "--port", str(port)],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )

    @staticmethod
    def stop(process: subprocess.Popen[bytes]) -> None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    async def run(self, name: str, base: str, make: Callable[[], Call], pid: int) -> Result:
        if self.args.only and not any(name.startswith(f"({o})") for o in self.args.only):
            return Result(name)
        profiler = None
        if self.args.profile:
            # py-spy samples the server (all its processes) while the measurement runs.
            out = Path(self.args.profile) / f"{name.split()[0].strip('()')}-{name.split()[-1]}.txt"
            out.parent.mkdir(parents=True, exist_ok=True)
            seconds = str(int(self.args.warmup + self.args.duration))
            profiler = subprocess.Popen(
                [
                    *("py-spy", "record", "--pid", str(pid), "--subprocesses", "--format", "raw"),
                    *("--duration", seconds, "-o", str(out)),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        result = await drive(
            name,
            base,
            make,
            concurrency=self.args.concurrency,
            duration=self.args.duration,
            warmup=self.args.warmup,
            server_pid=pid,
        )
        if profiler is not None:
            profiler.wait()
        report(result)
        self.results.append(result)
        return result

    async def statements(self, base: str, make: Callable[[], Call]) -> int:
        """Statements of a warm request (the fewest of a few: a connection's first use adds
        asyncpg's type introspection)."""
        counts = []
        async with aiohttp.ClientSession(base) as session:
            for _ in range(6):
                call = make()
                async with session.post(
                    call.path, json=call.json, headers=call.headers
                ) as response:
                    body = await response.read()
                    assert call.ok(response.status, body), body[:300]
                    counts.append(int(response.headers["x-sql-statements"]))
        return min(counts)

    async def same_answers(self, base: str) -> None:
        """The improved plain endpoints answer exactly as today's (a few cases and pages)."""
        async with aiohttp.ClientSession(base) as session:
            for number in self.numbers[:5]:
                bodies = []
                for prefix in ("/plain", "/baseline"):
                    path = f"{prefix}/case/{number}"
                    async with session.get(path, headers=self.auth(self.case_token)) as response:
                        bodies.append(await response.read())
                assert bodies[0] == bodies[1], (number, bodies)
            for token in self.worklist_tokens[:3]:
                bodies = []
                for prefix in ("/plain", "/baseline"):
                    path = f"{prefix}/worklist?first=50"
                    async with session.get(path, headers=self.auth(token)) as response:
                        bodies.append(await response.read())
                assert bodies[0] == bodies[1], bodies

    async def direct_submit(self) -> Result:
        """(d) without HTTP or GraphQL: the mutation's transaction and after-commit work."""
        pool = await db.create_pool(self.settings)
        arq = ArqRedis(connection_pool=ConnectionPool.from_url(REDIS))
        blobs = FilesystemBlobStore(self.settings.blob_dir)
        clock = SystemClock()
        principal = self.window

        async def work(n: int) -> None:
            key = f"direct-{os.getpid()}-{n:09d}"
            a = self.applicant(n)
            async with pool.acquire() as conn, conn.transaction():
                submission = Submission(
                    matter_code="GD-BL-001",
                    region_code="440106005",
                    applicant=ApplicantInput(
                        kind="person",
                        name=a["name"],
                        id_number=a["idNumber"],
                        mobile=a["mobile"],
                        channels=("sms",),
                    ),
                    form_data={"companyName": f"压测科技{n}有限公司", "capital": 1_000_000},
                    files=[
                        UploadedFile(
                            material_code="application",
                            filename="application.pdf",
                            content_type="application/pdf",
                            data=PDF + key.encode(),
                        )
                    ],
                    idempotency_key=key,
                )
                case, _ = await cases_service.submit_case(
                    conn, principal, submission, settings=self.settings, blobs=blobs, clock=clock
                )
                await cases_repo.visible_cases_by_id(conn, principal=principal, ids=[case.id])
            await schedule_jobs(pool, arq, case_ids=[case.id], clock=clock)

        try:
            result = await drive_in_process(
                "(d) submit direct (asyncpg)",
                work,
                concurrency=self.args.concurrency,
                duration=self.args.duration,
                warmup=self.args.warmup,
            )
        finally:
            await arq.aclose()
            await pool.close()
        report(result)
        self.results.append(result)
        return result


HEADER = (
    f"{'operation':<34} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'SQL/req':>8} "
    f"{'CPU ms/req':>10} {'errors':>7} {'peak RSS MB':>12}"
)


def report(r: Result) -> None:
    sql = "-" if r.sql is None else f"{r.sql:.0f}"
    cpu = "-" if r.cpu_ms is None else f"{r.cpu_ms:.2f}"
    rss = "-" if r.peak_rss is None else f"{r.peak_rss / 2**20:.0f}"
    if r.total_rss is not None and r.total_rss > (r.peak_rss or 0):
        rss += f" ({r.total_rss / 2**20:.0f} all)"
    print(
        f"{r.name:<34} {r.rate:>8.0f} {r.pct(0.5) * 1000:>8.1f} {r.pct(0.99) * 1000:>8.1f} "
        f"{sql:>8} {cpu:>10} {r.errors:>7} {rss:>12}",
        flush=True,
    )
    if r.first_error:
        print(f"    first error: {r.first_error}", file=sys.stderr, flush=True)


def ratio(measured: Result, baseline: Result) -> str:
    return f"{measured.rate / baseline.rate:.2f}" if measured.rate and baseline.rate else "-"


async def fresh_database(name: str, cases: int, reuse: bool) -> str:
    url = dsn(name)
    admin = await asyncpg.connect(ADMIN)
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
    finally:
        await admin.close()
    if reuse and exists:
        conn = await asyncpg.connect(url)
        try:
            seeded = await conn.fetchval(
                "SELECT count(*) FROM case_record WHERE request_hash = 'seed'"
            )
        finally:
            await conn.close()
        if seeded == cases:
            print(f"reusing {name} ({cases:,} cases)")
            return url
    await recreate_database(name)
    await migrate(url)
    summary = await seed(url, cases=cases)
    rows = ", ".join(f"{v:,} {k}" for k, v in summary.rows.items())
    colours = ", ".join(f"{k} {v:,}" for k, v in sorted(summary.colours.items()))
    print(f"seeded by COPY in {summary.seconds:.1f} s: {rows}")
    print(f"  {len(summary.states)} case states; clock colours today: {colours}")
    return url


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per operation")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds before measuring")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="TONGBAN_HTTP_WORKERS"
    )
    parser.add_argument("--pool-max", type=int, default=10, help="TONGBAN_DB_POOL_MAX")
    parser.add_argument("--log-level", default="INFO", help="TONGBAN_LOG_LEVEL of the servers")
    parser.add_argument("--database", default="tongban_bench_api", help="created and dropped")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="reuse a kept database")
    parser.add_argument("--only", nargs="*", help="operations to run, e.g. a b (default: all)")
    parser.add_argument("--profile", help="write py-spy profiles (collapsed stacks) here")
    parser.add_argument(
        "--graphql-compiled",
        choices=("on", "off"),
        default="on",
        help="TONGBAN_GRAPHQL_COMPILED of the API: compiled plans, or graphql-core for every field",
    )
    args = parser.parse_args()
    print(
        f"machine: {os.cpu_count()} cores; PostgreSQL at {urlsplit(ADMIN).hostname}; "
        f"{args.workers} API process(es), pool {args.pool_max}, {args.concurrency} clients, "
        f"{args.duration:g} s per operation; compiled GraphQL {args.graphql_compiled}"
    )
    url = await fresh_database(args.database, args.cases, args.reuse)
    with tempfile.TemporaryDirectory(prefix="tongban-bench-") as tmp:
        bench = Bench(args, url, Path(tmp))
        await bench.prepare()
        print(HEADER)
        api, base = await bench.start([sys.executable, "-m", "tongban.cli", "serve"])
        try:
            a = await bench.run("(a) case GraphQL", base, bench.case_call, api.pid)
            b = await bench.run("(b) worklist 50 GraphQL", base, bench.worklist_call, api.pid)
            await bench.run("(c) catalogue search GraphQL", base, bench.search_call, api.pid)
            d = await bench.run("(d) submitCase GraphQL", base, bench.submit_call, api.pid)
            await bench.run("(e) mix GraphQL", base, bench.mix_call, api.pid)
            sql = {
                "history 5": await bench.statements(base, lambda: bench.case_call(last=5)),
                "history 20": await bench.statements(base, lambda: bench.case_call(last=20)),
                "page 10": await bench.statements(base, lambda: bench.worklist_call(first=10)),
                "page 50": await bench.statements(base, lambda: bench.worklist_call(first=50)),
            }
        finally:
            bench.stop(api)
        plain, base = await bench.start([sys.executable, "bench/api_plain.py"])
        try:
            await bench.same_answers(base)
            pa = await bench.run("(a) case plain", base, bench.case_plain, plain.pid)
            pb = await bench.run("(b) worklist 50 plain", base, bench.worklist_plain, plain.pid)
            ta = await bench.run("(a) case plain, today's", base, bench.case_baseline, plain.pid)
            tb = await bench.run(
                "(b) worklist 50 plain, today's", base, bench.worklist_baseline, plain.pid
            )
        finally:
            bench.stop(plain)
        dd = await bench.direct_submit() if not args.only or "d" in args.only else Result("")
    print(
        f"ratio GraphQL/plain: (a) {ratio(a, pa)}, (b) {ratio(b, pb)} (goal ≥ 1.0); "
        f"GraphQL/today's plain: (a) {ratio(a, ta)}, (b) {ratio(b, tb)} (goal ≥ 1.3); "
        f"ratio API/direct: (d) {ratio(d, dd)}"
    )
    print(
        f"SQL statements per request: (a) history(last: 5) {sql['history 5']}, "
        f"(last: 20) {sql['history 20']}; (b) page of 10 {sql['page 10']}, "
        f"page of 50 {sql['page 50']}"
    )
    redis = ArqRedis(connection_pool=ConnectionPool.from_url(REDIS))
    await redis.flushdb()
    await redis.aclose()
    if not args.keep:
        await drop_database(args.database)
    failed = [r.name for r in bench.results if r.errors]
    if failed:
        raise SystemExit(f"wrong answers (see 'first error' above): {', '.join(failed)}")


if __name__ == "__main__":
    try:
        import uvloop
    except ImportError:
        asyncio.run(main())
    else:
        uvloop.run(main())
