"""`tongban` command: run, serve, worker, migrate, seed, token, export-schema."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from typing import Any
from urllib.parse import urlsplit

from tongban import db
from tongban.auth.types import Principal
from tongban.config import Settings, load_settings
from tongban.config_checks import ConfigError
from tongban.demo import load_demo_data
from tongban.demo.directory import DEMO_APPLICANTS
from tongban.devserver import recorded_servers, run_platform
from tongban.government import repository as gov_repo
from tongban.logs import configure_logging
from tongban.migrate import MigrationError, migrate
from tongban.paths import ROOT
from tongban.system.groups import load_worker_settings

SCHEMA_FILE = ROOT / "graphql" / "schema.graphql"

# The commands import arq, PyJWT, strawberry and aiohttp only when they run them: each costs
# up to seconds at start-up, and `worker-health` runs as a Kubernetes probe every few seconds.


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def _beside_run() -> Settings:
    """Settings for a command typed beside `tongban run` (token, seed, migrate).

    In development, where TONGBAN_DATABASE_URL / TONGBAN_REDIS_URL are unset, use the servers the
    running `tongban run` recorded in the data directory: it may have started embedded ones
    that the defaults do not reach.
    """

    settings = _settings()
    if not settings.development:
        return settings
    servers = recorded_servers(settings.data_dir)
    if servers is None:
        return settings
    overrides: dict[str, str] = {}
    if "TONGBAN_DATABASE_URL" not in os.environ:
        overrides["database_url"] = servers.database_url
    if "TONGBAN_REDIS_URL" not in os.environ:
        overrides["redis_url"] = servers.redis_url
    return load_settings(None, **overrides) if overrides else settings


def _where(dsn: str) -> str:
    """A DSN fit to print: without its password."""
    parts = urlsplit(dsn)
    if parts.password is None:
        return dsn
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def _database_problem(exc: BaseException, dsn: str) -> str | None:
    """One line saying what is wrong with the database and what to do, or None when the
    exception is not about reaching it (then it is a bug and keeps its traceback)."""
    import asyncpg

    where = _where(dsn)
    if isinstance(exc, asyncpg.InvalidCatalogNameError):
        return (
            f"the database at {where} does not exist: `./dev run` creates, migrates and seeds "
            "it (or create it, then `uv run tongban migrate` and `uv run tongban seed`)"
        )
    if isinstance(exc, asyncpg.UndefinedTableError):
        return (
            f"the database at {where} has no tables yet: run `uv run tongban migrate` and "
            "`uv run tongban seed` (or `./dev run`)"
        )
    if isinstance(exc, OSError | TimeoutError | asyncpg.PostgresError | asyncpg.InterfaceError):
        reason = str(exc).strip() or type(exc).__name__
        return (
            f"cannot use PostgreSQL at {where} ({reason}): start the platform with `./dev run` "
            "(it starts embedded servers where none answer, and this command then finds them) "
            "or set TONGBAN_DATABASE_URL"
        )
    return None


def _run_on_database(work: Any, dsn: str) -> tuple[Any, int]:
    """Run a coroutine that uses the database; on failure to reach it say so in one line."""
    try:
        return asyncio.run(work), 0
    except Exception as exc:
        problem = _database_problem(exc, dsn)
        if problem is None:
            raise
        print(problem, file=sys.stderr)
        return None, 1


def cmd_migrate(args: argparse.Namespace) -> int:

    settings = _beside_run()
    configure_logging(settings.log_level)
    dsn = args.dsn or settings.database_url
    try:
        applied, failed = _run_on_database(migrate(dsn), dsn)
        if failed:
            return failed
    except MigrationError as exc:
        logging.getLogger("tongban.migrate").error("migration refused", extra={"reason": str(exc)})
        print(f"migration error: {exc}", file=sys.stderr)
        return 1
    print(f"applied: {', '.join(applied) if applied else 'nothing (up to date)'}")
    return 0


async def _seed(dsn: str) -> dict[str, int]:

    conn = await db.connect(dsn)
    try:
        return await load_demo_data(conn)
    finally:
        await conn.close()


def cmd_seed(args: argparse.Namespace) -> int:
    settings = _beside_run()
    configure_logging(settings.log_level)
    created, failed = _run_on_database(_seed(settings.database_url), settings.database_url)
    if failed:
        return failed
    print(f"demo data loaded ({created['matters']} new matters)")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = _settings()
    configure_logging(settings.log_level)
    uvicorn.run(
        "tongban.asgi:app",
        host=args.host or settings.http_host,
        port=args.port or settings.http_port,
        workers=settings.http_workers if settings.http_workers > 1 else None,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        # The client address the per-address rate limit counts: from X-Forwarded-For only
        # when the ingress sent it, else every caller would share the ingress's address.
        forwarded_allow_ips=list(settings.trusted_proxies),
        # No "server: uvicorn" banner telling a scanner which exploits to try.
        server_header=False,
        # Kubernetes sends SIGTERM then waits terminationGracePeriodSeconds: finish in-flight
        # requests within that time.
        timeout_graceful_shutdown=20,
    )
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from tongban.system.worker import run_worker

    settings = _settings()
    configure_logging(settings.log_level)
    run_worker(load_worker_settings(args.group), settings)
    return 0


def cmd_worker_health(args: argparse.Namespace) -> int:
    """Liveness of this pod's worker: every loop of a live worker process beat lately.

    Read from the pod's own heartbeat files, not from Redis: an outage of Redis (which the
    workers ride out) must not make Kubernetes restart every worker pod.
    """
    from tongban.system.worker import check_health

    settings = _settings()
    worker_settings = load_worker_settings(args.group)
    alive, why = check_health(
        settings.health_dir,
        str(getattr(worker_settings, "queue_name")),  # noqa: B009
        stale_seconds=settings.worker_stale_seconds,
    )
    print(why)
    return 0 if alive else 1


def cmd_token(args: argparse.Namespace) -> int:
    from tongban.auth.tokens import mint_token

    settings = _beside_run()
    if settings.jwt_algorithm != "HS256":
        print("tokens can be minted only with HS256 (development)", file=sys.stderr)
        return 2
    if args.applicant:
        return _applicant_token(settings, args.applicant, args.ttl)
    if not args.username:
        print("name an officer (e.g. th.window) or --applicant <name>", file=sys.stderr)
        return 2

    async def principal() -> Principal | None:
        conn = await db.connect(settings.database_url)
        try:
            officer = await gov_repo.officer_by_username(conn, username=args.username)
            if officer is None:
                return None
            department = (await gov_repo.departments_by_id(conn, ids=[officer.department_id]))[0]
        finally:
            await conn.close()
        return Principal(
            kind="officer",
            subject=f"officer:{officer.id}",
            name=officer.name,
            officer_id=officer.id,
            department_id=officer.department_id,
            region_code=department.region_code,
            roles=frozenset(officer.roles),
            clearance=officer.clearance,
        )

    found, failed = _run_on_database(principal(), settings.database_url)
    if failed:
        return failed
    if found is None:
        print(f"no officer {args.username!r}", file=sys.stderr)
        return 1
    print(mint_token(settings, found, ttl_seconds=args.ttl))
    return 0


def _applicant_token(settings: Settings, name: str, ttl: int) -> int:
    """A token shaped like the identity provider's for a demo applicant (no database needed:
    the API creates the record on the first request, as for a real applicant)."""
    from tongban.auth.tokens import mint_token

    found = DEMO_APPLICANTS.get(name)
    if found is None:
        print(f"no demo applicant {name!r} (try: {', '.join(DEMO_APPLICANTS)})", file=sys.stderr)
        return 1
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
    print(mint_token(settings, principal, ttl_seconds=ttl))
    return 0


def cmd_export_schema(args: argparse.Namespace) -> int:
    from tongban.api.schema import schema

    text = schema.as_str() + "\n"
    if args.check:
        current = SCHEMA_FILE.read_text(encoding="utf-8") if SCHEMA_FILE.exists() else ""
        if current != text:
            print(
                f"{SCHEMA_FILE.relative_to(ROOT)} differs from the code's schema; "
                "run `uv run tongban export-schema` and commit it",
                file=sys.stderr,
            )
            return 1
        print("schema up to date")
        return 0
    SCHEMA_FILE.write_text(text, encoding="utf-8")
    print(f"wrote {SCHEMA_FILE.relative_to(ROOT)}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:

    return run_platform(with_workers=not args.no_workers)


def cmd_sms_stub(args: argparse.Namespace) -> int:
    from tongban.devtools.sms_stub.cli import main

    main(args.rest)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tongban", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="run the platform locally: API + workers, with demo data")
    p.add_argument("--no-workers", action="store_true", help="start only the API")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("serve", help="run the API server (production entry point)")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("worker", help="run one arq worker group (production entry point)")
    p.add_argument("group", help="worker group: a file in workers/")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("worker-health", help="exit 0 when this host's worker reported lately")
    p.add_argument("group", help="worker group: a file in workers/")
    p.set_defaults(func=cmd_worker_health)

    p = sub.add_parser("migrate", help="apply pending migrations (Kubernetes Job entry point)")
    p.add_argument("--dsn", help="PostgreSQL DSN (default: TONGBAN_DATABASE_URL)")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("seed", help="load the demo data (idempotent)")
    p.set_defaults(func=cmd_seed)

    p = sub.add_parser("token", help="mint a development token for a demo officer or applicant")
    p.add_argument("username", nargs="?", help="officer username, e.g. th.window or admin")
    p.add_argument(
        "--applicant", metavar="NAME", help="a demo applicant instead: chen.xiaoming, tongban.tech"
    )
    p.add_argument("--ttl", type=int, default=8 * 3600, help="lifetime in seconds")
    p.set_defaults(func=cmd_token)

    p = sub.add_parser(
        "sms-stub",
        help="run the local stand-in of the SMS provider (development; options: sms-stub -h)",
        add_help=False,
    )
    p.set_defaults(func=cmd_sms_stub)

    p = sub.add_parser("export-schema", help="write graphql/schema.graphql from the code")
    p.add_argument("--check", action="store_true", help="fail if the checked-in file differs")
    p.set_defaults(func=cmd_export_schema)

    args, rest = parser.parse_known_args(argv)
    if rest and args.command != "sms-stub":
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    args.rest = rest
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
