"""查询办件进度: anyone holding a case number and the applicant's identifier (the whole ID
number or credit code, or its last six characters) may see where the case stands — the SMS and
e-mails promise it — without signing in. Only the public progress: no names, no contact data,
no opinions. Anonymous and so rate-limited (per client address and per case number), and the
answer for a wrong identifier is the same as for an unknown number, so it reveals nothing."""

from __future__ import annotations

import hmac
import math
from datetime import date

import asyncpg
import msgspec
import redis.asyncio as aioredis

from tongban.cases import repository as repo
from tongban.catalogue import repository as catalogue_repo
from tongban.clock import local_day
from tongban.config import Settings
from tongban.deadlines import repository as deadlines_repo
from tongban.deadlines import service as deadlines
from tongban.errors import NotFoundError, RateLimitedError, ValidationError
from tongban.identifiers import validate_case_number
from tongban.notifications.ratelimit import LimiterUnavailable, TokenBucket
from tongban.outages import ServiceUnavailableError

# A suffix shorter than this would make guessing cheap.
SUFFIX_LENGTH = 6


class Progress(msgspec.Struct, frozen=True, kw_only=True):
    number: str
    matter_code: str
    matter_name: str
    state: str
    received_on: date
    accepted_on: date | None
    stage_name: str | None
    promised_due_on: date | None
    decided_on: date | None
    decision: str | None


async def check_rate(
    redis: aioredis.Redis | None, *, client: str, number: str, settings: Settings
) -> None:
    """Refuse beyond the limits per client address and per case number. Anonymous callers fail
    closed: with Redis away nobody can count them, so nobody is answered."""
    limits = (
        (f"progress:client:{client}", settings.progress_rate_per_minute, 60),
        (f"progress:case:{number.strip().upper()}", settings.progress_rate_per_case_hour, 3600),
    )
    if redis is None:
        raise ServiceUnavailableError()
    for name, burst, period in limits:
        bucket = TokenBucket(redis, name, rate=burst / period, burst=burst)
        try:
            granted, _ = await bucket.take(1)
        except LimiterUnavailable:
            raise ServiceUnavailableError() from None
        if not granted:
            raise RateLimitedError(
                "too many progress queries; try again later",
                retry_after=math.ceil(period / burst),
                problem="PROGRESS_RATE_LIMITED",
            )


def _matches(identifier: str, given: str) -> bool:
    given = given.strip().upper()
    if len(given) == len(identifier):
        return hmac.compare_digest(given, identifier.upper())
    if len(given) == SUFFIX_LENGTH:
        return hmac.compare_digest(given, identifier.upper()[-SUFFIX_LENGTH:])
    return False


async def public_progress(
    conn: asyncpg.Connection, *, number: str, identifier: str, settings: Settings, today: date
) -> Progress:
    number = validate_case_number(number, field="number")
    given = identifier.strip()
    if len(given) not in (SUFFIX_LENGTH, 18):
        raise ValidationError(
            "give the applicant's whole ID number or credit code, or its last 6 characters",
            field="applicantIdentifier",
            problem="PROGRESS_IDENTIFIER_INVALID",
        )
    found = await repo.case_with_identifier(conn, number=number)
    if found is None or not _matches(found[1], given):
        raise NotFoundError(
            "no case with this number and applicant identifier",
            field="number",
            problem="PROGRESS_NOT_FOUND",
        )
    case = found[0]
    version = next(
        v
        for v in await catalogue_repo.versions_of(
            conn, matter_ids=[case.matter_id], published_only=False
        )
        if v.version == case.matter_version
    )
    stage = None
    if case.current_stage is not None and case.current_stage < len(version.spec.review_plan):
        stage = version.spec.review_plan[case.current_stage].name
    promised = next(
        (
            c
            for c in await deadlines_repo.clocks_of(conn, case_ids=[case.id])
            if c.kind == "promised" and c.task_id is None
        ),
        None,
    )
    due_on = None
    if promised is not None and promised.state != "paused":
        cal = await deadlines.load_calendar(conn)
        due_on = deadlines.status(promised, cal, settings, today)["due_on"]
    return Progress(
        number=case.number,
        matter_code=version.code,
        matter_name=version.spec.name,
        state=case.state,
        received_on=case.received_on,
        accepted_on=case.accepted_on,
        stage_name=stage,
        promised_due_on=due_on,
        decided_on=None
        if case.decided_at is None
        else local_day(case.decided_at, settings.timezone),
        decision=case.decision,
    )
