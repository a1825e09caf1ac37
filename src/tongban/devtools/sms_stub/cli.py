"""``tongban sms-stub`` / ``python -m tongban.devtools.sms_stub``: the stub as a process."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
from collections.abc import Callable, Coroutine
from typing import Any

from tongban.config import Settings
from tongban.devtools.sms_stub.server import SmsStub


async def _serve(args: argparse.Namespace) -> None:
    async with SmsStub(
        access_key_secret=args.secret,
        host=args.host,
        port=args.port,
        access_key_id=args.access_key_id,
        record=args.record,
    ) as stub:
        print(f"sms stub listening on {stub.url}", flush=True)
        await asyncio.Event().wait()


def main(argv: list[str] | None = None) -> None:
    defaults = Settings()
    parser = argparse.ArgumentParser(description="Local stand-in for Alibaba Cloud SMS.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090, help="0 picks a free port")
    parser.add_argument(
        "--secret",
        default=os.environ.get("TONGBAN_SMS_ACCESS_KEY_SECRET", defaults.sms_access_key_secret),
        help="AccessKeySecret the requests must be signed with",
    )
    parser.add_argument("--access-key-id", default=None, help="accept only this AccessKeyId")
    parser.add_argument("--record", default=None, help="append one JSON line per message here")
    args = parser.parse_args(argv)
    run: Callable[[Coroutine[Any, Any, None]], None] = asyncio.run
    with contextlib.suppress(ImportError):
        import uvloop

        run = uvloop.run
    with contextlib.suppress(KeyboardInterrupt):
        run(_serve(args))
