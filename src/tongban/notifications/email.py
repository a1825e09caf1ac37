"""E-mail over SMTP: a small pool of persistent connections to the relay.

Replies are classified the SMTP way: 5xx (550 no such user…) is permanent, 4xx (451 try again
later…) and anything that keeps us from talking to the relay (refused, timed out, TLS or AUTH
failing) is temporary — the latter are relay or configuration trouble, not the message's.
The Message-ID is derived from our id, so the rare resend after a crash mid-send is
recognisable as the same message by receiving systems.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import TYPE_CHECKING

import aiosmtplib

from tongban.notifications.channels import Outcome, permanent, sent, temporary

if TYPE_CHECKING:
    from tongban.config import Settings

# A reused connection that the relay closed while idle fails on its first command, before the
# message went out: it is worth one more try on a fresh connection. (Should a relay drop the line
# after taking the message, the copy carries the same Message-ID.)
_STALE = (aiosmtplib.SMTPServerDisconnected, ConnectionResetError, BrokenPipeError)


class _Refused(Exception):
    """A connection step failed; ``error`` says which (STARTTLS, AUTH …)."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


def build_message(
    *, message_id: str, sender: str, to: str, subject: str, body: str
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    # Non-ASCII subjects are written as RFC 2047 encoded words when the message is flattened.
    message["Subject"] = subject
    message["Message-ID"] = f"<{message_id}@tongban>"
    message["Date"] = format_datetime(datetime.now(UTC))
    # base64 keeps the body 7-bit clean for relays without 8BITMIME.
    message.set_content(body, charset="utf-8", cte="base64")
    return message


def _reply_error(exc: aiosmtplib.SMTPResponseException) -> str:
    return f"{exc.code} {exc.message}"[:300]


def classify(exc: Exception) -> Outcome:
    """An exception raised while sending → outcome."""
    if isinstance(exc, _Refused):
        return temporary(exc.error)
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        refusals = exc.recipients
        if refusals and all(r.code >= 500 for r in refusals):
            return permanent("; ".join(_reply_error(r) for r in refusals))
        return temporary("; ".join(_reply_error(r) for r in refusals) or "recipients refused")
    if isinstance(exc, aiosmtplib.SMTPHeloError):
        return temporary(f"EHLO refused: {_reply_error(exc)}")
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        if 500 <= exc.code < 600:
            return permanent(_reply_error(exc))
        return temporary(_reply_error(exc))
    if isinstance(exc, TimeoutError):
        return temporary(f"SMTP timeout: {exc}"[:300])
    if isinstance(exc, ValueError):
        # aiosmtplib refuses an address it cannot send to; so does EmailMessage a bad header.
        return permanent(f"invalid message: {exc}"[:300])
    return temporary(f"{type(exc).__name__}: {exc}"[:300])


class SmtpSender:
    """EmailSender over ``settings.smtp_connections`` persistent SMTP connections.

    ``tls_context`` overrides the default certificate checks (a private CA, tests).
    """

    def __init__(self, settings: Settings, *, tls_context: ssl.SSLContext | None = None) -> None:
        self._settings = settings
        self._tls_context = tls_context
        self._slots: asyncio.Queue[aiosmtplib.SMTP | None] = asyncio.Queue()
        for _ in range(settings.smtp_connections):
            self._slots.put_nowait(None)
        self._local_hostname: str | None = None
        self._closed = False

    async def _connect(self) -> aiosmtplib.SMTP:
        s = self._settings
        if self._local_hostname is None:
            self._local_hostname = await asyncio.to_thread(socket.getfqdn)
        client = aiosmtplib.SMTP(
            hostname=s.smtp_host,
            port=s.smtp_port,
            timeout=s.smtp_timeout_seconds,
            local_hostname=self._local_hostname,
            use_tls=s.smtp_tls,
            start_tls=False,
            tls_context=self._tls_context,
        )
        try:
            await client.connect()
        except (aiosmtplib.SMTPException, ssl.SSLError, OSError) as exc:
            raise _Refused(f"cannot connect to {s.smtp_host}:{s.smtp_port}: {exc}"[:300]) from exc
        try:
            if s.smtp_starttls:
                try:
                    await client.starttls()
                except (aiosmtplib.SMTPException, ssl.SSLError, OSError) as exc:
                    raise _Refused(f"STARTTLS failed: {exc}"[:300]) from exc
            if s.smtp_username:
                try:
                    await client.login(s.smtp_username, s.smtp_password)
                except (aiosmtplib.SMTPException, OSError) as exc:
                    raise _Refused(f"AUTH failed: {exc}"[:300]) from exc
        except BaseException:
            client.close()
            raise
        return client

    async def _deliver(
        self, client: aiosmtplib.SMTP | None, message: EmailMessage
    ) -> tuple[aiosmtplib.SMTP, str]:
        """Sends on ``client`` (or a fresh connection); on error, closes what it used."""
        reused = client is not None and client.is_connected
        if client is None or not reused:
            if client is not None:
                client.close()
            client = await self._connect()
        try:
            _, reply = await client.send_message(message)
            return client, reply
        except _STALE:
            client.close()
            if not reused:
                raise
        except BaseException:
            client.close()
            raise
        client = await self._connect()
        try:
            _, reply = await client.send_message(message)
        except BaseException:
            client.close()
            raise
        return client, reply

    async def send(self, *, message_id: str, to: str, subject: str, body: str) -> Outcome:
        if self._closed:
            return temporary("SMTP sender is closed")
        try:
            message = build_message(
                message_id=message_id,
                sender=self._settings.smtp_from,
                to=to,
                subject=subject,
                body=body,
            )
        except (ValueError, TypeError) as exc:
            return permanent(f"invalid message: {exc}"[:300])
        slot = await self._slots.get()
        live: aiosmtplib.SMTP | None = None
        try:
            live, reply = await self._deliver(slot, message)
        except Exception as exc:
            return classify(exc)
        finally:
            # After an error the connection is gone (closed above): the next send starts afresh.
            self._slots.put_nowait(live)
        return sent(reply.strip()[:200] or None)

    async def aclose(self) -> None:
        """Waits for sends in flight, then says QUIT on every open connection."""
        self._closed = True
        for _ in range(self._settings.smtp_connections):
            client = await self._slots.get()
            if client is not None and client.is_connected:
                try:
                    await client.quit()
                except (aiosmtplib.SMTPException, OSError):
                    client.close()
