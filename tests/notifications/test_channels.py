"""Outbound channels against real servers: the SMS stub on a free port and an aiosmtpd relay."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import ssl
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
import pytest
from aiohttp import web
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import AuthResult, Envelope, Session
from tests.servers import free_port

from tongban.config import Settings, load_settings
from tongban.devtools.sms_stub import SmsStub
from tongban.notifications.aliyun import (
    CHINA,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    AliyunSms,
    percent_encode,
    sign,
    signed_form,
    string_to_sign,
)
from tongban.notifications.email import SmtpSender
from tongban.notifications.errors import InvalidReceiptSignature
from tongban.notifications.providers import sms_provider_from_settings

SECRET = "stub-access-key-secret"
CALLBACK_SECRET = "stub-callback-secret"
PHONE = "13800138000"
TEXT = "【办件提醒】您申请的“食品经营许可”已受理，请于3个工作日内补正材料。"


def sms_settings(endpoint: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "sms_endpoint": endpoint,
        "sms_access_key_secret": SECRET,
        "sms_callback_secret": CALLBACK_SECRET,
    }
    return load_settings({}, **(values | overrides))


@pytest.fixture
async def stub() -> AsyncIterator[SmsStub]:
    async with SmsStub(access_key_secret=SECRET, port=0) as server:
        yield server


@pytest.fixture
async def sms(stub: SmsStub) -> AsyncIterator[AliyunSms]:
    provider = AliyunSms(sms_settings(stub.url))
    yield provider
    await provider.aclose()


def new_id() -> str:
    return str(uuid.uuid4())


# -- the signature -------------------------------------------------------------------------------

DESCRIBE_REGIONS = {
    "AccessKeyId": "testid",
    "Action": "DescribeRegions",
    "Format": "XML",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
    "SignatureVersion": "1.0",
    "Timestamp": "2016-02-23T12:46:24Z",
    "Version": "2014-05-26",
}
SEND_SMS_EXAMPLE = {
    "AccessKeyId": "testId",
    "Action": "SendSms",
    "Format": "XML",
    "OutId": "123",
    "PhoneNumbers": "15300000001",
    "RegionId": "cn-hangzhou",
    "SignName": "阿里云短信测试专用",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
    "SignatureVersion": "1.0",
    "TemplateCode": "SMS_71390007",
    "TemplateParam": '{"customer":"test"}',
    "Timestamp": "2017-07-12T02:42:19Z",
    "Version": "2017-05-25",
}


def test_signature_reproduces_alibabas_documented_examples() -> None:
    # The worked examples of Alibaba Cloud's RPC signature docs (ECS DescribeRegions, and the
    # SMS SendSms one with a Chinese SignName), both signed as GET.
    assert string_to_sign("GET", DESCRIBE_REGIONS) == (
        "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML"
        "%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"
        "%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z"
        "%26Version%3D2014-05-26"
    )
    assert sign("GET", DESCRIBE_REGIONS, "testsecret") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
    assert sign("GET", SEND_SMS_EXAMPLE, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def test_percent_encoding_follows_rfc_3986() -> None:
    assert percent_encode("a b*c~d-e_f.g") == "a%20b%2Ac~d-e_f.g"
    assert percent_encode("通/=&+") == "%E9%80%9A%2F%3D%26%2B"


def independent_encode(text: str) -> str:
    unreserved = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"
    return "".join(chr(b) if b in unreserved else f"%{b:02X}" for b in text.encode())


def test_the_post_body_carries_a_signature_computed_over_the_post_method() -> None:
    params = SEND_SMS_EXAMPLE | {"TemplateParam": '{"content":"办件 已受理*"}'}
    form = dict(parse_qsl(signed_form(params, "s3cret"), keep_blank_values=True))
    signature = form.pop("Signature")
    assert form == params
    query = "&".join(f"{independent_encode(k)}={independent_encode(form[k])}" for k in sorted(form))
    to_sign = "POST&%2F&" + independent_encode(query)
    expected = hmac.new(b"s3cret&", to_sign.encode(), hashlib.sha1).digest()
    assert signature == base64.b64encode(expected).decode()


# -- sending SMS ---------------------------------------------------------------------------------


async def test_a_message_reaches_the_provider_with_its_chinese_text_intact(
    stub: SmsStub, sms: AliyunSms
) -> None:
    message_id = new_id()
    outcome = await sms.send(
        message_id=message_id, phone=PHONE, text=TEXT, params={"case_no": "TB-2026-000123"}
    )
    assert outcome.status == "sent", outcome
    [recorded] = stub.messages
    assert recorded["phone"] == PHONE
    assert recorded["sign_name"] == "通办"
    assert recorded["template_code"] == "SMS_TONGBAN_NOTICE"
    assert recorded["params"] == {"case_no": "TB-2026-000123", "content": TEXT}
    assert recorded["out_id"] == message_id
    assert outcome.provider_message_id == recorded["biz_id"]


async def test_a_wrong_access_key_secret_is_a_permanent_failure(stub: SmsStub) -> None:
    provider = AliyunSms(sms_settings(stub.url, sms_access_key_secret="not-the-secret"))
    try:
        outcome = await provider.send(message_id=new_id(), phone=PHONE, text=TEXT, params={})
    finally:
        await provider.aclose()
    assert outcome.status == "permanent_failure"
    assert outcome.error is not None and outcome.error.startswith("HTTP 400 SignatureDoesNotMatch")
    assert stub.messages == []


async def test_server_errors_are_temporary_until_the_provider_recovers(
    stub: SmsStub, sms: AliyunSms
) -> None:
    stub.fail_next(3, status=500)
    outcomes = [
        await sms.send(message_id=new_id(), phone=PHONE, text=TEXT, params={}) for _ in range(4)
    ]
    assert [o.status for o in outcomes] == ["temporary_failure"] * 3 + ["sent"]
    assert len(stub.messages) == 1


async def test_an_illegal_number_is_a_permanent_failure(stub: SmsStub, sms: AliyunSms) -> None:
    stub.reject_phone("13900000000")
    outcome = await sms.send(message_id=new_id(), phone="13900000000", text=TEXT, params={})
    assert outcome.status == "permanent_failure"
    assert outcome.error is not None and outcome.error.startswith("isv.MOBILE_NUMBER_ILLEGAL: ")
    malformed = await sms.send(message_id=new_id(), phone="12345", text=TEXT, params={})
    assert malformed.status == "permanent_failure"


async def test_flow_control_is_a_temporary_failure(stub: SmsStub, sms: AliyunSms) -> None:
    stub.reject_phone(PHONE, code="isv.BUSINESS_LIMIT_CONTROL")
    outcome = await sms.send(message_id=new_id(), phone=PHONE, text=TEXT, params={})
    assert outcome.status == "temporary_failure"
    assert outcome.error is not None and "BUSINESS_LIMIT_CONTROL" in outcome.error


async def test_an_unreachable_provider_is_a_temporary_failure() -> None:
    provider = AliyunSms(sms_settings(f"http://127.0.0.1:{free_port()}/"))
    try:
        outcome = await provider.send(message_id=new_id(), phone=PHONE, text=TEXT, params={})
    finally:
        await provider.aclose()
    assert outcome.status == "temporary_failure"
    assert outcome.error


async def test_a_send_that_timed_out_is_found_again_by_reconciliation(stub: SmsStub) -> None:
    stub.delay = 0.5
    provider = AliyunSms(sms_settings(stub.url, sms_timeout_seconds=0.1))
    try:
        message_id = new_id()
        outcome = await provider.send(message_id=message_id, phone=PHONE, text=TEXT, params={})
        assert outcome.status == "temporary_failure"
        assert outcome.error is not None and "timeout" in outcome.error
        for _ in range(100):  # the provider finishes the send it had accepted
            if stub.messages:
                break
            await asyncio.sleep(0.05)
        stub.delay = 0
        found = await provider.find_sent(
            message_id=message_id, phone=PHONE, sent_on=datetime.now(CHINA).date()
        )
    finally:
        await provider.aclose()
    assert found == stub.messages[0]["biz_id"]


async def test_find_sent_pages_through_the_days_sends_by_out_id(
    stub: SmsStub, sms: AliyunSms
) -> None:
    ids = [new_id() for _ in range(55)]
    outcomes = await asyncio.gather(
        *(sms.send(message_id=i, phone=PHONE, text=TEXT, params={}) for i in ids)
    )
    assert all(o.status == "sent" for o in outcomes)
    today = datetime.now(CHINA).date()
    by_out_id = {m["out_id"]: m["biz_id"] for m in stub.messages}
    on_second_page = stub.messages[52]["out_id"]
    assert (
        await sms.find_sent(message_id=on_second_page, phone=PHONE, sent_on=today)
        == (by_out_id[on_second_page])
    )
    assert await sms.find_sent(message_id=new_id(), phone=PHONE, sent_on=today) is None
    assert await sms.find_sent(message_id=ids[0], phone="13700000000", sent_on=today) is None
    yesterday = today - timedelta(days=1)
    assert await sms.find_sent(message_id=ids[0], phone=PHONE, sent_on=yesterday) is None


def test_disabled_sms_has_no_provider() -> None:
    assert sms_provider_from_settings(load_settings({}, sms_provider="disabled")) is None
    provider = sms_provider_from_settings(load_settings({}, sms_provider="aliyun"))
    assert isinstance(provider, AliyunSms) and provider.name == "aliyun"


# -- delivery receipts ---------------------------------------------------------------------------


class Callbacks:
    def __init__(self) -> None:
        self.requests: list[tuple[bytes, dict[str, str]]] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append((await request.read(), dict(request.headers)))
        return web.json_response({"code": 0, "msg": "成功"})


@pytest.fixture
async def callbacks() -> AsyncIterator[tuple[str, Callbacks]]:
    received = Callbacks()
    app = web.Application()
    app.router.add_post("/sms/receipts", received.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}/sms/receipts", received
    await runner.cleanup()


async def test_signed_receipts_are_parsed(
    stub: SmsStub, sms: AliyunSms, callbacks: tuple[str, Callbacks]
) -> None:
    url, received = callbacks
    ids = [new_id(), new_id()]
    for message_id in ids:
        assert (
            await sms.send(message_id=message_id, phone=PHONE, text=TEXT, params={})
        ).status == ("sent")
    assert await stub.push_receipts(url, CALLBACK_SECRET) == 2
    assert await stub.push_receipts(url, CALLBACK_SECRET) == 0  # each message is reported once
    [(body, headers)] = received.requests
    receipts = sms.parse_receipts(body, headers)
    assert [r.message_id for r in receipts] == ids
    assert [r.provider_message_id for r in receipts] == [m["biz_id"] for m in stub.messages]
    assert all(r.delivered and r.error is None for r in receipts)
    assert receipts[0].reported_at.utcoffset() == timedelta(hours=8)
    assert abs(receipts[0].reported_at - datetime.now(UTC)) < timedelta(minutes=5)


async def test_undelivered_receipts_carry_the_error(
    stub: SmsStub, sms: AliyunSms, callbacks: tuple[str, Callbacks]
) -> None:
    url, received = callbacks
    await sms.send(message_id=new_id(), phone=PHONE, text=TEXT, params={})
    await stub.push_receipts(url, CALLBACK_SECRET, delivered=False, err_code="MN:0001")
    [(body, headers)] = received.requests
    [receipt] = sms.parse_receipts(body, headers)
    assert not receipt.delivered
    assert receipt.error is not None and receipt.error.startswith("MN:0001")


async def test_receipts_with_a_bad_signature_are_refused(
    stub: SmsStub, sms: AliyunSms, callbacks: tuple[str, Callbacks]
) -> None:
    url, received = callbacks
    await sms.send(message_id=new_id(), phone=PHONE, text=TEXT, params={})
    await stub.push_receipts(url, "someone-elses-secret")
    [(body, headers)] = received.requests
    with pytest.raises(InvalidReceiptSignature):
        sms.parse_receipts(body, headers)
    stamp = headers[TIMESTAMP_HEADER]
    signed = stamp.encode() + b"." + body
    good = {
        TIMESTAMP_HEADER: stamp,
        SIGNATURE_HEADER: "sha256="
        + hmac.new(CALLBACK_SECRET.encode(), signed, "sha256").hexdigest(),
    }
    assert len(sms.parse_receipts(body, good)) == 1
    with pytest.raises(InvalidReceiptSignature):
        sms.parse_receipts(body.replace(b"true", b"false"), good)
    with pytest.raises(InvalidReceiptSignature):
        sms.parse_receipts(body, {})


# -- the stub as a process of its own ------------------------------------------------------------


@pytest.mark.slow
async def test_a_stub_process_records_each_accepted_message_in_its_file(tmp_path: Path) -> None:
    record = tmp_path / "sms.jsonl"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tongban.devtools.sms_stub",
        "--port",
        "0",
        "--secret",
        SECRET,
        "--record",
        str(record),
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), timeout=30)).decode()
        url = line.rsplit(" ", 1)[-1].strip()
        provider = AliyunSms(sms_settings(url))
        try:
            outcomes = await asyncio.gather(
                *(
                    provider.send(message_id=new_id(), phone=PHONE, text=TEXT, params={})
                    for _ in range(20)
                )
            )
        finally:
            await provider.aclose()
        assert all(o.status == "sent" for o in outcomes)
        assert len(record.read_text(encoding="utf-8").splitlines()) == 20
        async with aiohttp.ClientSession() as session, session.get(url + "_stub/messages") as r:
            assert (await r.json())["count"] == 20
    finally:
        process.terminate()
        await process.wait()


# -- e-mail --------------------------------------------------------------------------------------


class Mailbox:
    """aiosmtpd handler keeping what it accepted; ``refuse`` maps an address to a reply."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.raw: list[bytes] = []
        self.peers: set[Any] = set()
        self.over_tls: list[bool] = []
        self.refuse: dict[str, str] = {}

    async def handle_RCPT(
        self,
        server: SMTPServer,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTPServer, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        self.raw.append(content)
        parsed = message_from_bytes(content, policy=email_policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        self.peers.add(session.peer)
        self.over_tls.append(session.ssl is not None)
        return f"250 2.0.0 Ok: queued as Q{len(self.messages)}"


class Relay:
    def __init__(self, **smtp_options: Any) -> None:
        self.mailbox = Mailbox()
        self.port = free_port()
        self.options = smtp_options
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(
            self.mailbox, hostname="127.0.0.1", port=self.port, **self.options
        )
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def relay() -> Iterator[Relay]:
    server = Relay()
    server.start()
    yield server
    server.stop()


def mail_settings(port: int, **overrides: Any) -> Settings:
    return load_settings({}, **({"smtp_host": "127.0.0.1", "smtp_port": port} | overrides))


async def test_a_chinese_mail_arrives_decoded_with_our_message_id(relay: Relay) -> None:
    sender = SmtpSender(mail_settings(relay.port))
    message_id = new_id()
    try:
        outcome = await sender.send(
            message_id=message_id,
            to="zhang.san@example.cn",
            subject="办件受理通知：食品经营许可",
            body="张三您好：\n您的申请已受理，办件编号 TB-2026-000123。",
        )
    finally:
        await sender.aclose()
    assert outcome.status == "sent", outcome
    [mail] = relay.mailbox.messages
    assert mail["Subject"] == "办件受理通知：食品经营许可"
    assert mail["From"].addresses[0].display_name == "通办"
    assert mail["From"].addresses[0].addr_spec == "noreply@tongban.example"
    assert mail["To"] == "zhang.san@example.cn"
    assert mail["Message-ID"] == f"<{message_id}@tongban>"
    assert mail["Date"].datetime.tzinfo is not None
    body = mail.get_body()
    assert body is not None and isinstance(body, EmailMessage)
    assert (
        body.get_content().rstrip("\n") == "张三您好：\n您的申请已受理，办件编号 TB-2026-000123。"
    )
    raw = relay.mailbox.raw[0]
    raw.decode("ascii")  # 7-bit clean: encoded words in headers, base64 body
    assert b"Subject: =?utf-8?" in raw


async def test_connections_are_kept_and_shared(relay: Relay) -> None:
    sender = SmtpSender(mail_settings(relay.port, smtp_connections=2))
    try:
        outcomes = await asyncio.gather(
            *(
                sender.send(message_id=new_id(), to=f"u{i}@example.cn", subject="通知", body="正文")
                for i in range(8)
            )
        )
    finally:
        await sender.aclose()
    assert all(o.status == "sent" for o in outcomes)
    assert len(relay.mailbox.messages) == 8
    assert len(relay.mailbox.peers) <= 2


async def test_a_relay_restart_is_survived_by_reconnecting(relay: Relay) -> None:
    sender = SmtpSender(mail_settings(relay.port, smtp_connections=1))
    try:
        first = await sender.send(message_id=new_id(), to="a@example.cn", subject="一", body="1")
        relay.stop()
        relay.start()
        second = await sender.send(message_id=new_id(), to="a@example.cn", subject="二", body="2")
    finally:
        await sender.aclose()
    assert (first.status, second.status) == ("sent", "sent")


async def test_no_such_user_is_a_permanent_failure(relay: Relay) -> None:
    relay.mailbox.refuse["nobody@example.cn"] = "550 5.1.1 No such user"
    relay.mailbox.refuse["busy@example.cn"] = "451 4.3.0 Try again later"
    sender = SmtpSender(mail_settings(relay.port, smtp_connections=1))
    try:
        gone = await sender.send(message_id=new_id(), to="nobody@example.cn", subject="s", body="b")
        busy = await sender.send(message_id=new_id(), to="busy@example.cn", subject="s", body="b")
        fine = await sender.send(message_id=new_id(), to="ok@example.cn", subject="s", body="b")
    finally:
        await sender.aclose()
    assert gone.status == "permanent_failure"
    assert gone.error is not None and gone.error.startswith("550")
    assert busy.status == "temporary_failure"
    assert fine.status == "sent"


async def test_a_relay_that_is_down_is_a_temporary_failure() -> None:
    sender = SmtpSender(mail_settings(free_port()))
    try:
        outcome = await sender.send(message_id=new_id(), to="a@example.cn", subject="s", body="b")
    finally:
        await sender.aclose()
    assert outcome.status == "temporary_failure"
    assert outcome.error is not None and "connect" in outcome.error


async def test_required_starttls_against_a_relay_without_it_is_a_temporary_failure(
    relay: Relay,
) -> None:
    sender = SmtpSender(mail_settings(relay.port, smtp_starttls=True))
    try:
        outcome = await sender.send(message_id=new_id(), to="a@example.cn", subject="s", body="b")
    finally:
        await sender.aclose()
    assert outcome.status == "temporary_failure"
    assert outcome.error is not None and "STARTTLS" in outcome.error
    assert relay.mailbox.messages == []


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tongban test relay")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "relay.pem", directory / "relay.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


async def test_starttls_and_auth_with_a_trusted_certificate(tmp_path: Path) -> None:
    pytest.importorskip("cryptography")
    cert_file, key_file = self_signed_certificate(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert_file, key_file)

    def authenticator(
        server: SMTPServer, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        # handled=False: aiosmtpd itself answers 535 to a refused login.
        ok = (data.login, data.password) == (b"notify", b"pw-123")
        return AuthResult(success=ok, handled=False)

    secure = Relay(
        tls_context=server_tls,
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
    )
    secure.start()
    try:
        trust = ssl.create_default_context(cafile=str(cert_file))
        settings = mail_settings(
            secure.port, smtp_starttls=True, smtp_username="notify", smtp_password="pw-123"
        )
        sender = SmtpSender(settings, tls_context=trust)
        wrong = SmtpSender(
            mail_settings(
                secure.port, smtp_starttls=True, smtp_username="notify", smtp_password="nope"
            ),
            tls_context=trust,
        )
        untrusted = SmtpSender(mail_settings(secure.port, smtp_starttls=True))
        try:
            outcome = await sender.send(
                message_id=new_id(), to="a@example.cn", subject="加密", body="经 TLS 发送"
            )
            refused = await wrong.send(
                message_id=new_id(), to="a@example.cn", subject="s", body="b"
            )
            unverified = await untrusted.send(
                message_id=new_id(), to="a@example.cn", subject="s", body="b"
            )
        finally:
            for s in (sender, wrong, untrusted):
                await s.aclose()
    finally:
        secure.stop()
    assert outcome.status == "sent", outcome
    assert secure.mailbox.over_tls == [True]
    assert refused.status == "temporary_failure"
    assert refused.error is not None and refused.error.startswith("AUTH failed")
    assert unverified.status == "temporary_failure"
    assert unverified.error is not None and "STARTTLS" in unverified.error
