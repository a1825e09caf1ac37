"""A local stand-in for Alibaba Cloud SMS (SendSms, QuerySendDetails) for development and tests.

It checks requests the way the provider does (signature version 1.0, timestamp window, nonce
reuse, required parameters), records every accepted message, and can inject the failures a
sender must survive. In-process::

    async with SmsStub(access_key_secret=secret, port=0) as stub:
        settings = load_settings({}, sms_endpoint=stub.url, sms_access_key_secret=secret)

or as a process of its own, appending one JSON line per accepted message to FILE (flushed, so
another process can count deliveries)::

    python -m tongban.devtools.sms_stub --port 8090 --secret S --record FILE

A separate process is steered over HTTP: ``GET /_stub/messages``,
``POST /_stub/fail_next?n=3&status=500``, ``POST /_stub/reject_phone?phone=…&code=…``,
``POST /_stub/delay?seconds=…``.
"""

from __future__ import annotations

import asyncio
import collections
import hmac
import itertools
import re
import secrets
import socket
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import IO, Any
from urllib.parse import parse_qsl

import aiohttp
import msgspec
from aiohttp import web

from tongban.notifications.aliyun import API_VERSION, CHINA, receipt_headers, sign

COMMON = (
    "AccessKeyId",
    "Action",
    "SignatureMethod",
    "SignatureNonce",
    "SignatureVersion",
    "Timestamp",
    "Version",
)
MAINLAND_MOBILE = re.compile(r"^(?:\+?86)?1[3-9]\d{9}$")
# The provider refuses requests whose Timestamp is more than 15 minutes off.
TIMESTAMP_WINDOW = timedelta(minutes=15)
NONCES_KEPT = 200_000

_encode = msgspec.json.Encoder().encode


def _answer(status: int, payload: dict[str, Any]) -> web.Response:
    payload.setdefault("RequestId", str(uuid.uuid4()).upper())
    return web.Response(status=status, body=_encode(payload), content_type="application/json")


def _error(status: int, code: str, message: str) -> web.Response:
    return _answer(status, {"Code": code, "Message": message})


def _china_time(moment: datetime) -> str:
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")


class SmsStub:
    """The stub server; ``messages`` holds every accepted message in arrival order."""

    def __init__(
        self,
        *,
        access_key_secret: str,
        host: str = "127.0.0.1",
        port: int = 0,
        access_key_id: str | None = None,
        record: str | Path | None = None,
    ) -> None:
        self.access_key_secret = access_key_secret
        self.access_key_id = access_key_id
        self.host = host
        self.port = port
        self.delay = 0.0
        """Seconds each SendSms waits before it records and answers."""
        self.messages: list[dict[str, Any]] = []
        self._record_path = Path(record) if record else None
        self._record: IO[str] | None = None
        self._by_day: dict[tuple[str, str], list[dict[str, Any]]] = collections.defaultdict(list)
        self._failures: collections.deque[int] = collections.deque()
        self._rejected: dict[str, str] = {}
        self._nonces: set[str] = set()
        self._nonce_order: collections.deque[str] = collections.deque()
        self._reported = 0
        self._biz = itertools.count(1)
        self._biz_prefix = secrets.randbelow(10**6)
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    # -- failure injection -------------------------------------------------------------------

    def fail_next(self, n: int, status: int = 500) -> None:
        """The next ``n`` SendSms calls answer HTTP ``status`` and record nothing."""
        self._failures.extend([status] * n)

    def reject_phone(self, phone: str, code: str = "isv.MOBILE_NUMBER_ILLEGAL") -> None:
        """SendSms to ``phone`` answers result code ``code`` (HTTP 200, as the provider does)."""
        self._rejected[phone] = code

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_route("*", "/", self._api)
        app.router.add_get("/_stub/messages", self._control_messages)
        app.router.add_post("/_stub/fail_next", self._control_fail_next)
        app.router.add_post("/_stub/reject_phone", self._control_reject_phone)
        app.router.add_post("/_stub/delay", self._control_delay)
        self._open_record()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        # A short grace period: a test that leaves a delayed send in flight must not wait a minute.
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await self._runner.setup()
        await web.SockSite(self._runner, sock, backlog=1024).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._record is not None:
            self._record.close()
            self._record = None

    async def __aenter__(self) -> SmsStub:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def _open_record(self) -> None:
        if self._record_path is not None:
            self._record = self._record_path.open("a", encoding="utf-8")

    # -- the provider API --------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        try:
            params: dict[str, str] = {}
            if request.query_string:
                params.update(parse_qsl(request.query_string, keep_blank_values=True))
            if request.method == "POST":
                body = (await request.read()).decode()
                params.update(parse_qsl(body, keep_blank_values=True))
        except (UnicodeDecodeError, ValueError):
            return _error(400, "InvalidParameter", "The request is not UTF-8 form data.")
        refused = self._authenticate(request.method, params)
        if refused is not None:
            return refused
        action = params["Action"]
        if action == "SendSms":
            return await self._send_sms(params)
        if action == "QuerySendDetails":
            return self._query_send_details(params)
        return _error(404, "InvalidAction.NotFound", f"Unknown action {action}.")

    def _authenticate(self, method: str, params: dict[str, str]) -> web.Response | None:
        signature = params.pop("Signature", None)
        if signature is None:
            return _error(400, "MissingSignature", "Signature is mandatory for this action.")
        for name in COMMON:
            if not params.get(name):
                return _error(400, f"Missing{name}", f"{name} is mandatory for this action.")
        if self.access_key_id is not None and params["AccessKeyId"] != self.access_key_id:
            return _error(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
        if params["SignatureMethod"] != "HMAC-SHA1" or params["SignatureVersion"] != "1.0":
            return _error(400, "InvalidSignatureMethod", "Only HMAC-SHA1 version 1.0.")
        if params["Version"] != API_VERSION:
            return _error(
                400, "InvalidVersion", f"Specified version {params['Version']} is invalid."
            )
        expected = sign(method, params, self.access_key_secret)
        if not hmac.compare_digest(expected.encode(), signature.encode()):
            return _error(
                400,
                "SignatureDoesNotMatch",
                "Specified signature is not matched with our calculation.",
            )
        try:
            stamp = datetime.fromisoformat(params["Timestamp"])
            if len(params["Timestamp"]) != 20 or stamp.utcoffset() != timedelta(0):
                raise ValueError("not YYYY-MM-DDTHH:MM:SSZ")
        except ValueError:
            return _error(400, "InvalidTimeStamp.Format", "Specified time stamp is invalid.")
        if abs(datetime.now(UTC) - stamp) > TIMESTAMP_WINDOW:
            return _error(400, "InvalidTimeStamp.Expired", "Specified time stamp has expired.")
        nonce = params["SignatureNonce"]
        if nonce in self._nonces:
            return _error(400, "SignatureNonceUsed", "Specified signature nonce was used already.")
        self._nonces.add(nonce)
        self._nonce_order.append(nonce)
        if len(self._nonce_order) > NONCES_KEPT:
            self._nonces.discard(self._nonce_order.popleft())
        return None

    async def _send_sms(self, params: dict[str, str]) -> web.Response:
        requested_at = datetime.now(CHINA)
        for name in ("PhoneNumbers", "SignName", "TemplateCode"):
            if not params.get(name):
                return _error(400, f"Missing{name}", f"{name} is mandatory for this action.")
        if self._failures:
            status = self._failures.popleft()
            return _error(status, "ServiceUnavailable", "Injected failure.")
        try:
            template_params = msgspec.json.decode(params.get("TemplateParam") or "{}")
        except msgspec.DecodeError:
            template_params = None
        if not isinstance(template_params, dict):
            return _error(200, "isv.INVALID_JSON_PARAM", "TemplateParam is not a JSON object.")
        phones = params["PhoneNumbers"].split(",")
        for phone in phones:
            if phone in self._rejected:
                return _error(200, self._rejected[phone], f"Rejected {phone}.")
            if not MAINLAND_MOBILE.match(phone):
                return _error(200, "isv.MOBILE_NUMBER_ILLEGAL", f"Illegal number {phone}.")
        if self.delay:
            # Recorded after the wait: like the provider, a send whose answer the client gave up
            # on may still go out — reconciliation has to find it.
            await asyncio.sleep(self.delay)
        biz_id = f"{self._biz_prefix:06d}{next(self._biz):012d}^0"
        now = datetime.now(CHINA)
        for phone in phones:
            self._keep(
                {
                    "phone": phone,
                    "sign_name": params["SignName"],
                    "template_code": params["TemplateCode"],
                    "params": template_params,
                    "out_id": params.get("OutId", ""),
                    "biz_id": biz_id,
                    "received_at": now.isoformat(),
                    # When the request came in, before any injected delay (for latency figures).
                    "requested_at": requested_at.isoformat(),
                }
            )
        return _answer(200, {"Code": "OK", "Message": "OK", "BizId": biz_id})

    def _keep(self, message: dict[str, Any]) -> None:
        self.messages.append(message)
        day = message["received_at"][:10].replace("-", "")
        self._by_day[(message["phone"], day)].append(message)
        if self._record is not None:
            self._record.write(_encode(message).decode() + "\n")
            self._record.flush()

    def _query_send_details(self, params: dict[str, str]) -> web.Response:
        for name in ("PhoneNumber", "SendDate", "PageSize", "CurrentPage"):
            if not params.get(name):
                return _error(400, f"Missing{name}", f"{name} is mandatory for this action.")
        try:
            day = datetime.strptime(params["SendDate"], "%Y%m%d").date()
            size, page = int(params["PageSize"]), int(params["CurrentPage"])
        except ValueError:
            return _error(200, "isv.INVALID_PARAMETERS", "SendDate, PageSize or CurrentPage.")
        if not (1 <= size <= 50 and page >= 1):
            return _error(200, "isv.INVALID_PARAMETERS", "PageSize must be 1-50, CurrentPage ≥ 1.")
        found = self._by_day.get((params["PhoneNumber"], day.strftime("%Y%m%d")), [])
        if params.get("BizId"):
            found = [m for m in found if m["biz_id"] == params["BizId"]]
        details = [self._detail(m) for m in found[(page - 1) * size : page * size]]
        return _answer(
            200,
            {
                "Code": "OK",
                "Message": "OK",
                "TotalCount": len(found),
                "SmsSendDetailDTOs": {"SmsSendDetailDTO": details},
            },
        )

    @staticmethod
    def _detail(message: dict[str, Any]) -> dict[str, Any]:
        sent_at = _china_time(datetime.fromisoformat(message["received_at"]))
        return {
            "PhoneNum": message["phone"],
            "SendStatus": 3,
            "ErrCode": "DELIVERED",
            "TemplateCode": message["template_code"],
            "Content": f"【{message['sign_name']}】{message['params'].get('content', '')}",
            "SendDate": sent_at,
            "ReceiveDate": sent_at,
            "OutId": message["out_id"],
            "BizId": message["biz_id"],
        }

    # -- delivery reports --------------------------------------------------------------------

    async def push_receipts(
        self,
        callback_url: str,
        secret: str,
        *,
        delivered: bool = True,
        err_code: str = "MN:0001",
    ) -> int:
        """POST signed delivery reports for the messages not reported yet; returns how many."""
        pending = self.messages[self._reported :]
        if not pending:
            return 0
        now = _china_time(datetime.now(UTC))
        reports = [
            {
                "phone_number": m["phone"],
                "send_time": _china_time(datetime.fromisoformat(m["received_at"])),
                "report_time": now,
                "success": delivered,
                "err_code": "DELIVERED" if delivered else err_code,
                "err_msg": "用户接收成功" if delivered else "用户接收失败",
                "sms_size": "1",
                "biz_id": m["biz_id"],
                "out_id": m["out_id"],
            }
            for m in pending
        ]
        body = _encode(reports)
        headers = receipt_headers(secret, body)
        async with (
            aiohttp.ClientSession() as session,
            session.post(callback_url, data=body, headers=headers) as response,
        ):
            response.raise_for_status()
        self._reported += len(pending)
        return len(pending)

    # -- control endpoints for a stub in another process --------------------------------------

    async def _control_messages(self, request: web.Request) -> web.Response:
        return _answer(200, {"count": len(self.messages), "messages": self.messages})

    async def _control_fail_next(self, request: web.Request) -> web.Response:
        self.fail_next(int(request.query.get("n", "1")), int(request.query.get("status", "500")))
        return _answer(200, {"ok": True})

    async def _control_reject_phone(self, request: web.Request) -> web.Response:
        self.reject_phone(
            request.query["phone"], request.query.get("code", "isv.MOBILE_NUMBER_ILLEGAL")
        )
        return _answer(200, {"ok": True})

    async def _control_delay(self, request: web.Request) -> web.Response:
        self.delay = float(request.query.get("seconds", "0"))
        return _answer(200, {"ok": True})
