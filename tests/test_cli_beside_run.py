"""Commands a developer types in a second terminal while `tongban run` is running find the
servers it uses (embedded ones included), and a database that cannot be used is one clear line,
never a traceback."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import jwt
import pytest
from tests.conftest import dsn_for
from tests.servers import RedisProcess, free_port

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
TONGBAN = str(Path(sys.executable).with_name("tongban"))


def clean_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TONGBAN_")}
    return env | {f"TONGBAN_{k.upper()}": v for k, v in values.items()}


def tongban(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TONGBAN, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )


async def test_token_finds_the_database_that_tongban_run_is_using(
    database: str, conn: asyncpg.Connection, tmp_path: Path
) -> None:
    # An officer only this database has: a token for them proves where the command looked.
    officer_id = await conn.fetchval(
        """INSERT INTO officer (username, name, department_id, roles)
           SELECT 'only.in.this.run', '王只在', department_id, roles FROM officer
           WHERE username = 'th.window' RETURNING id::text"""
    )
    redis = RedisProcess()
    redis.start()
    data_dir = tmp_path / "data"
    run = subprocess.Popen(
        [TONGBAN, "run", "--no-workers"],
        env=clean_env(
            database_url=database,
            redis_url=redis.url,
            data_dir=str(data_dir),
            blob_dir=str(tmp_path / "blobs"),
            http_port=str(free_port()),
            smtp_port=str(free_port()),
            sms_provider="disabled",
            log_level="WARNING",
        ),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # The second terminal: nothing configured but the data directory (the default one in
    # practice; `./dev run` and the commands share it).
    beside = clean_env(data_dir=str(data_dir))
    try:
        deadline = time.monotonic() + 60
        while not (data_dir / "servers.json").exists():
            assert run.poll() is None, "tongban run stopped"
            assert time.monotonic() < deadline, "tongban run recorded no servers"
            await asyncio.sleep(0.1)

        minted = tongban("token", "only.in.this.run", env=beside)
        assert minted.returncode == 0, minted.stderr
        claims = jwt.decode(minted.stdout.strip(), options={"verify_signature": False})
        assert claims["sub"] == f"officer:{officer_id}"

        run.send_signal(signal.SIGINT)  # Ctrl-C
        assert run.wait(60) == 0
        # Once it has stopped its servers it no longer sends anyone to them.
        assert not (data_dir / "servers.json").exists()
        after = tongban("token", "only.in.this.run", env=beside)
        assert after.returncode != 0
        assert "Traceback" not in after.stderr
        assert len(after.stderr.strip().splitlines()) == 1, after.stderr
    finally:
        if run.poll() is None:
            run.kill()
            run.wait(10)
        redis.stop()


@pytest.mark.parametrize("command", [["token", "th.window"], ["seed"], ["migrate"]])
def test_a_database_that_cannot_be_used_is_one_line_saying_what_to_do(
    command: list[str], tmp_path: Path
) -> None:
    missing = dsn_for(f"tongban_missing_{os.getpid()}")
    nobody = f"postgresql://postgres:secret@127.0.0.1:{free_port()}/tongban"
    for dsn, expected in ((missing, "does not exist"), (nobody, "cannot use PostgreSQL")):
        result = tongban(*command, env=clean_env(database_url=dsn, data_dir=str(tmp_path)))
        assert result.returncode == 1, result
        assert "Traceback" not in result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and expected in lines[0], result.stderr
        assert "./dev run" in lines[0] and "secret" not in lines[0]
