"""Electronic licences (电子证照): issued on approval, revoked with the decision, verified by
anyone, listed by the holder, and reused as materials of later cases (免提交).

Everything runs in the caller's transaction: a licence is issued in the approval's, so a
rolled-back approval leaves no licence (the orphan blob of its PDF is harmless).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from datetime import date, datetime

import asyncpg
import msgspec

from tongban.auth.types import Principal
from tongban.blobs import BlobStore
from tongban.cases import applicant_repository as applicant_repo
from tongban.cases.types import Applicant, Case
from tongban.cases.workflow import record
from tongban.catalogue.types import LicenceTerms, MatterSpec
from tongban.config import Settings
from tongban.errors import InvalidInputError, Problem
from tongban.government import repository as gov_repo
from tongban.licences import document, signing
from tongban.licences import repository as repo
from tongban.licences.events import LicenceIssued, LicenceRevoked
from tongban.licences.types import Licence, LicenceLink


def licence_number(terms: LicenceTerms, case: Case) -> str:
    """<type code>-<case number>: unique, because a case issues at most one licence."""
    return f"{terms.type_code}-{case.number}"


def valid_until(start: date, years: int | None) -> date | None:
    """The last valid day: the day before the anniversary ``years`` later, as licences print it
    (2026-03-02 for 5 years: 2031-03-01); a 29 February start's anniversary in a common year is
    1 March, so it ends on 28 February. None: long-term."""
    if years is None:
        return None
    try:
        anniversary = start.replace(year=start.year + years)
    except ValueError:
        anniversary = date(start.year + years, 3, 1)
    return date.fromordinal(anniversary.toordinal() - 1)


async def issue(
    conn: asyncpg.Connection,
    principal: Principal,
    case: Case,
    *,
    spec: MatterSpec,
    settings: Settings,
    blobs: BlobStore,
    today: date,
    now: datetime,
) -> Case:
    """Issue the licence the matter's approval yields (none: the case unchanged): the PDF,
    its signature, the record, and the history event ``licence_issued``."""
    terms = spec.licence
    if terms is None or case.decision not in ("approved", "approved_deferred"):
        return case
    unsigned = await _draft(conn, case, terms, key_id=settings.licence_key_id, on=today, at=now)
    pdf = document.render(unsigned)
    digest = hashlib.sha256(pdf).hexdigest()
    licence = msgspec.structs.replace(
        unsigned,
        blob_key=await blobs.put(pdf),
        sha256=digest,
        size=len(pdf),
        signature=signing.sign(settings.licence_signing_key, digest),
    )
    await repo.insert_licence(conn, licence)
    return await record(
        conn,
        case,
        principal,
        event=LicenceIssued(
            licence_number=licence.number,
            type_code=licence.type_code,
            type_name=licence.type_name,
            valid_from=licence.valid_from,
            valid_until=licence.valid_until,
        ),
        at=now,
    )


async def _draft(
    conn: asyncpg.Connection,
    case: Case,
    terms: LicenceTerms,
    *,
    key_id: str,
    on: date,
    at: datetime,
) -> Licence:
    """The licence of ``case`` before its document: the holder is the case's applicant, the
    issuer the department that decided, valid from the day of the decision."""
    holder = (await applicant_repo.applicants_by_id(conn, ids=[case.applicant_id]))[0]
    department = (await gov_repo.departments_by_id(conn, ids=[case.handling_department_id]))[0]
    return Licence(
        id=str(uuid.uuid4()),
        number=licence_number(terms, case),
        type_code=terms.type_code,
        type_name=terms.type_name,
        holder_applicant_id=holder.id,
        holder_kind=holder.kind,
        holder_id_number=holder.id_number,
        holder_credit_code=holder.credit_code,
        holder_name=holder.name,
        department_id=department.id,
        issuer_name=department.name,
        case_id=case.id,
        result_number=case.result_number,
        issued_on=on,
        valid_from=on,
        valid_until=valid_until(on, terms.validity_years),
        status="valid",
        revoked_at=None,
        revoked_reason=None,
        blob_key="",
        sha256="",
        size=0,
        signature="",
        key_id=key_id,
        issued_at=at,
    )


async def revoke(
    conn: asyncpg.Connection, principal: Principal, case: Case, *, reason: str, now: datetime
) -> Case:
    """Revoking the decision revokes its licence (nothing when it issued none)."""
    revoked = await repo.revoke_licence(conn, case_id=case.id, reason=reason, at=now)
    if revoked is None:
        return case
    return await record(
        conn,
        case,
        principal,
        event=LicenceRevoked(licence_number=revoked.number, type_name=revoked.type_name),
        reason=reason,
        at=now,
    )


async def held_by(
    conn: asyncpg.Connection,
    holder: Applicant | str,
    *,
    on: date,
    type_codes: Sequence[str] | None = None,
    usable_only: bool = False,
) -> list[Licence]:
    """The licences an applicant (or applicant id) holds, newest first; ``usable_only``: valid
    on ``on`` (neither revoked nor expired), the ones a later case may link."""
    applicant_id = holder if isinstance(holder, str) else holder.id
    found = await repo.licences_held_by(conn, applicant_id=applicant_id, type_codes=type_codes)
    return [lic for lic in found if not usable_only or lic.status_on(on) == "valid"]


async def link_problems(
    conn: asyncpg.Connection,
    links: Sequence[LicenceLink],
    *,
    holder_id: str,
    spec: MatterSpec,
    on: date,
) -> tuple[list[Problem], list[tuple[str, Licence]]]:
    """Why the links are refused, and (when none is) each material code with its licence."""
    types = {m.code: m.licence_type for m in spec.materials}
    problems: list[Problem] = []
    linked: list[tuple[str, Licence]] = []
    for i, link in enumerate(links):
        field = f"licences[{i}]"
        wanted = types.get(link.material_code)
        licence = await repo.licence_by_number(conn, number=link.licence_number.strip())
        if wanted is None:
            problems.append(
                _problem(
                    field,
                    "LICENCE_NOT_ACCEPTED",
                    link,
                    "the matter takes no licence for this material",
                )
            )
        elif licence is None or licence.holder_applicant_id != holder_id:
            # Someone else's licence is as unknown to the applicant as one that does not exist.
            problems.append(_problem(field, "LICENCE_NOT_HELD", link, "you hold no such licence"))
        elif licence.type_code != wanted:
            problems.append(
                _problem(
                    field,
                    "LICENCE_WRONG_TYPE",
                    link,
                    f"this material needs a licence of type {wanted}",
                )
            )
        elif (status := licence.status_on(on)) != "valid":
            code = "LICENCE_REVOKED" if status == "revoked" else "LICENCE_EXPIRED"
            problems.append(_problem(field, code, link, f"the licence is {status}"))
        else:
            linked.append((link.material_code, licence))
    return problems, linked


def _problem(field: str, code: str, link: LicenceLink, message: str) -> Problem:
    params = {"number": link.licence_number, "material": link.material_code}
    return Problem(field, code, f"licence {link.licence_number}: {message}", params)


async def link_to_case(
    conn: asyncpg.Connection,
    case_id: str,
    links: Sequence[LicenceLink],
    *,
    holder_id: str,
    spec: MatterSpec,
    on: date,
    at: datetime,
) -> None:
    """Link licences the holder holds as the case's materials (免提交); refused as a whole with
    every problem when any link is wrong. The bundles' later items call this with the licences
    their earlier items issued."""
    if not links:
        return
    problems, linked = await link_problems(conn, links, holder_id=holder_id, spec=spec, on=on)
    if problems:
        raise InvalidInputError(problems)
    for code, licence in linked:
        await repo.link_material(conn, case_id=case_id, material_code=code, licence=licence, at=at)
