"""The platform, driven by the front-end ecosystem's own clients (a Node project beside this file).

- Apollo Client 4 with apollo-upload-client and graphql-ws: an applicant submits a case with
  files, keeps `caseUpdated` open while idle and receives the intake window's acceptance, whose
  mutation payload updates the officer's normalised cache (`apollo.mjs`).
- graphql-js: a full introspection of the live API equals the checked-in SDL (`introspect.mjs`).
- GraphQL Code Generator over `graphql/schema.graphql` and `graphql/operations/`, compiled with
  `tsc --strict` beside a typed use of the result (`codegen.yml`, `typed.ts`).

The API and the outbox relay run as real processes, configured only through `TONGBAN_*` variables
that all differ from the defaults (port, database, Redis, JWT secret), as a deployment runs them.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest
from tests.conftest import START
from tests.servers import free_port

from tongban.auth.tokens import mint_token
from tongban.auth.types import Principal
from tongban.config import Settings, load_settings
from tongban.demo.directory import DEMO_APPLICANTS
from tongban.government import repository as gov_repo

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
JWT_SECRET = "client-tests-secret-not-the-default-0123456789"
# The scenario: a subscription idle for 30 s still receives the next event.
IDLE_SECONDS = 30
# The intake window of the Tianhe district receives and accepts cases filed there.
REGION = "440106"
WINDOW = "th.window"
APPLICANT = "chen.xiaoming"


async def run(
    args: list[str],
    *,
    seconds: float,
    env: dict[str, str] | None = None,
    server_logs: Sequence[Path] = (),
) -> str:
    """Run a client program to the end; its output and the servers' logs are the failure
    message when it fails."""
    __tracebackhide__ = True  # the message says it all; the locals hold the whole environment
    try:
        done = await asyncio.to_thread(
            subprocess.run,
            args,
            cwd=HERE,
            env=env,
            capture_output=True,
            text=True,
            timeout=seconds,
        )
    except subprocess.TimeoutExpired as expired:
        pytest.fail(
            f"{args} did not finish:\n{expired.stdout!r}\n{expired.stderr!r}\n"
            + log_tail(server_logs)
        )
    output = f"$ {' '.join(Path(a).name for a in args)}\n{done.stdout}{done.stderr}"
    print(output)
    if done.returncode != 0:
        pytest.fail(f"exit code {done.returncode}\n{output}\n{log_tail(server_logs)}")
    return done.stdout


def log_tail(logs: Sequence[Path]) -> str:
    return "\n".join(
        f"--- {log.name}\n" + "\n".join(log.read_text(errors="replace").splitlines()[-30:])
        for log in logs
    )


@dataclass(frozen=True)
class Platform:
    graphql_url: str
    applicant_token: str
    officer_token: str
    logs: list[Path]

    def client_env(self, **extra: str) -> dict[str, str]:
        settings = {
            "GRAPHQL_URL": self.graphql_url,
            "APPLICANT_TOKEN": self.applicant_token,
            "OFFICER_TOKEN": self.officer_token,
            "REGION_CODE": REGION,
        }
        base = {k: v for k, v in os.environ.items() if not k.startswith("TONGBAN_")}
        return base | settings | extra


def applicant_token(settings: Settings, name: str) -> str:
    """A token shaped like the identity provider's (as `tongban token --applicant` mints)."""
    found = DEMO_APPLICANTS[name]
    principal = Principal(
        kind="applicant",
        subject=f"idp:demo:{name}",
        name=found.name,
        applicant_type=found.kind,
        id_number=found.id_number,
        credit_code=found.credit_code,
        legal_representative=found.legal_representative,
        mobile=found.mobile,
        email=found.email,
    )
    return mint_token(settings, principal)


async def officer_token(settings: Settings, conn: asyncpg.Connection, username: str) -> str:
    officer = await gov_repo.officer_by_username(conn, username=username)
    assert officer is not None, username
    (department,) = await gov_repo.departments_by_id(conn, ids=[officer.department_id])
    principal = Principal(
        kind="officer",
        subject=f"officer:{officer.id}",
        name=officer.name,
        officer_id=officer.id,
        department_id=officer.department_id,
        region_code=department.region_code,
        roles=frozenset(officer.roles),
        clearance=officer.clearance,
    )
    return mint_token(settings, principal)


async def wait_ready(
    port: int, processes: list[subprocess.Popen[bytes]], logs: Sequence[Path]
) -> None:
    # Generous: importing the app alone takes 4-10 s on two shared, busy cores.
    deadline = time.monotonic() + 90
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
        while time.monotonic() < deadline:
            for process in processes:
                assert process.poll() is None, f"{process.args} exited\n{log_tail(logs)}"
            try:
                if (await http.get("/health/ready")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    pytest.fail(f"the API never became ready on port {port}\n{log_tail(logs)}")


@pytest.fixture
async def platform(
    database: str, redis_url: str, conn: asyncpg.Connection, tmp_path: Path
) -> AsyncIterator[Platform]:
    """`tongban serve` and the outbox relay as processes, with non-default settings."""
    port = free_port()
    assert port != 8000 and not database.endswith("/tongban")
    assert not redis_url.endswith(":6379/0")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TONGBAN_")} | {
        "TONGBAN_ENV": "test",
        "TONGBAN_DATABASE_URL": database,
        "TONGBAN_REDIS_URL": redis_url,
        "TONGBAN_HTTP_PORT": str(port),
        "TONGBAN_JWT_SECRET": JWT_SECRET,
        "TONGBAN_BLOB_DIR": str(tmp_path / "blobs"),
        "TONGBAN_DATA_DIR": str(tmp_path / "data"),
        "TONGBAN_HEALTH_DIR": str(tmp_path / "health"),
        "TONGBAN_LOG_LEVEL": "WARNING",
        # Working-day arithmetic on a fixed date (a year whose official schedule is known).
        "TONGBAN_CLOCK_START": START.isoformat(),
        "TONGBAN_CLOCK_ANCHOR": str(int(time.time())),
    }
    commands = {
        "api": ["serve"],
        "relay": ["worker", "relay"],
    }
    logs = [tmp_path / f"{name}.log" for name in commands]
    processes = []
    for (_name, args), log in zip(commands.items(), logs, strict=True):
        with log.open("wb") as out:
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "tongban.cli", *args],
                    env=env,
                    cwd=ROOT,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            )
    try:
        settings = load_settings({}, env="test", jwt_secret=JWT_SECRET)
        started = Platform(
            graphql_url=f"http://127.0.0.1:{port}/graphql",
            applicant_token=applicant_token(settings, APPLICANT),
            officer_token=await officer_token(settings, conn, WINDOW),
            logs=logs,
        )
        await wait_ready(port, processes, logs)
        yield started
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def test_apollo_client_submits_with_files_follows_the_case_idle_and_caches_the_acceptance(
    node: str, platform: Platform
) -> None:
    await run(
        [node, "apollo.mjs"],
        env=platform.client_env(IDLE_SECONDS=str(IDLE_SECONDS)),
        seconds=IDLE_SECONDS + 300,
        server_logs=platform.logs,
    )


async def test_a_full_introspection_of_the_live_api_equals_the_checked_in_sdl(
    node: str, platform: Platform
) -> None:
    await run(
        [node, "introspect.mjs"], env=platform.client_env(), seconds=120, server_logs=platform.logs
    )


async def test_codegen_types_of_the_example_operations_compile_under_strict_typescript(
    node: str,
) -> None:
    bin_dir = HERE / "node_modules" / ".bin"
    await run([str(bin_dir / "graphql-codegen"), "--config", "codegen.yml"], seconds=300)
    await run([str(bin_dir / "tsc"), "-p", "tsconfig.json", "--strict", "--noEmit"], seconds=300)
