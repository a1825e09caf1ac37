"""Use cases of the personal-data access audit: recording what officers were shown unmasked,
and the log supervisors and administrators read.

Who is recorded: officers. An applicant reading their own record or case is not (it is their
own data, and the identity provider audits their sign-in); masked views are not (nothing
personal was shown). A download link names the officer it was issued to (signed into the
link), so the download itself — which carries no bearer token — is recorded against them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from typing import Any

import asyncpg

from tongban.audit import repository as repo
from tongban.audit.types import Access, AccessFilter, Accessor, AccessRecord, Channel
from tongban.auth.errors import NotAllowedError
from tongban.auth.types import Principal
from tongban.government import repository as government_repo
from tongban.keyset import Window


def merged(accesses: Iterable[Access]) -> list[Access]:
    """One access per case and channel, with the union of its fields (a list showing one
    applicant in two places is one record)."""
    fields: dict[tuple[str, Channel], set[str]] = {}
    for a in accesses:
        fields.setdefault((a.case_id, a.channel), set()).update(a.fields)
    return [
        Access(case_id=case_id, channel=channel, fields=tuple(sorted(found)))
        for (case_id, channel), found in fields.items()
    ]


def accessor_of(
    principal: Principal, *, request_id: str | None, client_address: str | None
) -> Accessor:
    return Accessor(
        officer_id=principal.officer_id,
        name=principal.name or principal.subject,
        roles=tuple(sorted(principal.roles)),
        department_id=principal.department_id,
        request_id=request_id,
        client_address=client_address,
    )


async def record(
    conn: asyncpg.Connection,
    principal: Principal,
    accesses: Iterable[Access],
    *,
    at: datetime,
    request_id: str | None,
    client_address: str | None,
) -> int:
    """Write what ``principal`` was shown unmasked, in one statement; nothing for anyone
    but an officer."""
    if not principal.is_officer:
        return 0
    accessor = accessor_of(principal, request_id=request_id, client_address=client_address)
    return await repo.insert_accesses(conn, accessor=accessor, at=at, accesses=merged(accesses))


async def record_download(
    conn: asyncpg.Connection,
    *,
    officer_id: str,
    case_id: str,
    field: str,
    at: datetime,
    request_id: str | None,
    client_address: str | None,
) -> None:
    """The download of one of a case's files by the officer its link was issued to, written
    before the file is sent. An officer removed since cannot download at all."""
    officer = await government_repo.officer_by_id(conn, officer_id=officer_id)
    if officer is None or not officer.active:
        raise NotAllowedError("the officer this link was issued to may no longer download")
    accessor = Accessor(
        officer_id=officer.id,
        name=officer.name,
        roles=tuple(sorted(officer.roles)),
        department_id=officer.department_id,
        request_id=request_id,
        client_address=client_address,
    )
    access = Access(case_id=case_id, channel="download", fields=(field,))
    await repo.insert_accesses(conn, accessor=accessor, at=at, accesses=[access])


def oversight_region(principal: Principal) -> str | None:
    """The region subtree whose accesses ``principal`` may read (None: all of them) — only
    supervisors and administrators read the log; anyone else is refused."""
    if not (principal.is_officer and principal.has_role("supervisor", "admin")):
        raise NotAllowedError(
            "the personal-data access log is for supervisors and administrators",
            problem="PII_AUDIT_ROLES_ONLY",
        )
    if principal.is_province_admin:
        return None
    if principal.region_code is None:
        raise NotAllowedError("an officer without a region oversees no one")
    return principal.region_code


async def access_log(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    filter: AccessFilter,
    window: Window[tuple[Any, int]],
) -> list[AccessRecord]:
    region = oversight_region(principal)
    return await repo.accesses(conn, filter=filter, region_code=region, window=window)


async def count_access_log(
    conn: asyncpg.Connection, principal: Principal, *, filter: AccessFilter
) -> int:
    region = oversight_region(principal)
    return await repo.count_accesses(conn, filter=filter, region_code=region)


def export_access_log(
    conn: asyncpg.Connection, principal: Principal, *, filter: AccessFilter
) -> AsyncIterator[AccessRecord]:
    """The whole matching log, newest first, for the CSV export (raises before any row if
    the caller may not read it)."""
    region = oversight_region(principal)
    return repo.stream_accesses(conn, filter=filter, region_code=region)
