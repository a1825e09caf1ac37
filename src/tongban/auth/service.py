"""Applicants signed in through the province's identity provider.

The provider verified who they are (name, ID number or credit code, mobile, e-mail); the first
valid token of a new person or organisation creates their applicant record, and later tokens
bring their contact details up to date — with each change audited. No window officer is needed,
and nobody but the person (through the provider) changes where their notices go.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from datetime import datetime
from typing import Any

import asyncpg
import msgspec

from tongban.auth import repository as repo
from tongban.auth.types import Principal, VerifiedApplicant
from tongban.cases import applicant_repository as applicant_repo
from tongban.clock import Clock

# Resolved identities kept per process: a token's claims map to one record, so only the first
# request of each claim set (per process) touches the database.
CACHE_SIZE = 10_000
_NEVER = object()


async def register_verified(
    conn: asyncpg.Connection, *, subject: str, applicant: VerifiedApplicant, now: datetime
) -> str:
    """The applicant record of a verified identity: created, or brought up to date."""
    claimed = {
        k: v
        for k, v in (
            ("name", applicant.name),
            ("legal_representative", applicant.legal_representative),
            ("mobile", applicant.mobile),
            ("email", applicant.email),
        )
        if v is not None
    }
    async with conn.transaction():
        for _ in range(2):
            found = await repo.lock_applicant(
                conn, id_number=applicant.id_number, credit_code=applicant.credit_code
            )
            if found is None:
                created = await repo.insert_applicant(conn, applicant=applicant)
                if created is None:
                    continue  # created concurrently: lock that one
                await applicant_repo.insert_contact_change(
                    conn,
                    applicant_id=created,
                    changed_at=now,
                    changed_by=subject,
                    source="identity_provider",
                    before={},
                    after=claimed,
                )
                return created
            applicant_id, before = found
            # A value the provider newly verifies replaces ours; one it verified before and
            # merely repeats does not undo the applicant's own later change (updateMyContact).
            # A record never verified (first filed at a window) takes every verified value.
            verified = await repo.last_verified(conn, applicant_id=applicant_id)
            changes = {
                k: v for k, v in claimed.items() if before[k] != v and verified.get(k, _NEVER) != v
            }
            if changes:
                await repo.update_applicant(conn, applicant_id=applicant_id, changes=changes)
            if changes or not verified:
                # ``after`` is everything the provider verified now: the next token is compared
                # with it, not with the record the applicant may have changed since.
                await applicant_repo.insert_contact_change(
                    conn,
                    applicant_id=applicant_id,
                    changed_at=now,
                    changed_by=subject,
                    source="identity_provider",
                    before={k: before[k] for k in changes},
                    after=claimed,
                )
            return applicant_id
    raise AssertionError("unreachable: the record exists after a conflicting insert")


@dataclasses.dataclass
class ApplicantDirectory:
    """Resolves identity-provider principals to applicant records, once per claim set."""

    pool: asyncpg.Pool
    clock: Clock
    _cache: OrderedDict[Any, str] = dataclasses.field(default_factory=OrderedDict)

    async def resolve(self, principal: Principal) -> Principal:
        if not principal.is_applicant or principal.applicant_id is not None:
            return principal
        applicant = VerifiedApplicant.of(principal)
        key = (principal.subject, applicant)
        applicant_id = self._cache.get(key)
        if applicant_id is None:
            async with self.pool.acquire() as conn:
                applicant_id = await register_verified(
                    conn, subject=principal.subject, applicant=applicant, now=self.clock.now()
                )
            self._cache[key] = applicant_id
            if len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        return msgspec.structs.replace(principal, applicant_id=applicant_id)
