"""Case use cases: submission, intake (Art. 32), supplements, decision and what follows.

The caller owns the transaction; a raised error rolls back everything the use case wrote.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import asyncpg
import msgspec

from tongban.auth.errors import NotAllowedError
from tongban.auth.types import Principal
from tongban.blobs import BlobStore
from tongban.cases import permissions, states
from tongban.cases import repository as repo
from tongban.cases.errors import IdempotencyKeyReusedError
from tongban.cases.files import safe_filename, sniff_content_type
from tongban.cases.types import Applicant, ApplicantInput, Case, UploadedFile
from tongban.cases.workflow import (
    Clock,
    checked_material_list,
    file_supplement_notice,
    load_for_action,
    local_day,
    record,
    require_reason,
)
from tongban.catalogue import repository as catalogue_repo
from tongban.catalogue.types import MatterSpec, MatterVersion
from tongban.config import Settings
from tongban.deadlines import service as deadlines
from tongban.errors import (
    MAX_FORM_BYTES,
    MAX_NAME_CHARS,
    InvalidInputError,
    NotFoundError,
    Problem,
    ValidationError,
    too_long,
)
from tongban.government import repository as gov_repo
from tongban.identifiers import (
    make_case_number,
    validate_credit_code,
    validate_email,
    validate_mobile,
    validate_region_code,
    validate_resident_id,
)
from tongban.review import service as review

_KEY_RE = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


async def pinned_matter(conn: asyncpg.Connection, case: Case) -> MatterVersion:
    versions = await catalogue_repo.versions_of(
        conn, matter_ids=[case.matter_id], published_only=True
    )
    return next(v for v in versions if v.version == case.matter_version)


def validate_applicant(applicant: ApplicantInput, settings: Settings) -> ApplicantInput:
    """Normalised applicant details; every invalid field reported at once."""
    problems: list[Problem] = []
    values: dict[str, Any] = msgspec.structs.asdict(applicant)

    def check(where: str, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ValidationError as exc:
            problems.append(
                Problem(
                    exc.field or where, "INVALID_IDENTIFIER", exc.message, {"cause": exc.problem}
                )
            )
            return None

    for where, text, limit in (
        ("applicant.name", applicant.name, MAX_NAME_CHARS),
        ("applicant.legalRepresentative", applicant.legal_representative, MAX_NAME_CHARS),
        ("applicant.contactName", applicant.contact_name, MAX_NAME_CHARS),
    ):
        if (long := too_long(text, field=where, max_chars=limit)) is not None:
            problems.append(long)
    if not applicant.name.strip():
        problems.append(Problem("applicant.name", "REQUIRED", "the applicant's name is required"))
    if applicant.kind == "person":
        if not applicant.id_number:
            problems.append(
                Problem("applicant.idNumber", "REQUIRED", "a person needs an ID number")
            )
        else:
            values["id_number"] = check(
                "applicant.idNumber",
                validate_resident_id,
                applicant.id_number,
                field="applicant.idNumber",
            )
        values["credit_code"] = None
    else:
        if not applicant.credit_code:
            problems.append(
                Problem("applicant.creditCode", "REQUIRED", "an organisation needs its credit code")
            )
        else:
            result = check(
                "applicant.creditCode",
                validate_credit_code,
                applicant.credit_code,
                allow_list=frozenset(settings.credit_code_allow_list),
                mode=settings.credit_code_mode,
                field="applicant.creditCode",
            )
            values["credit_code"] = None if result is None else result.code
        values["id_number"] = None
        if not (applicant.legal_representative or "").strip():
            problems.append(
                Problem(
                    "applicant.legalRepresentative", "REQUIRED", "name the legal representative"
                )
            )
    if applicant.mobile:
        values["mobile"] = check(
            "applicant.mobile", validate_mobile, applicant.mobile, field="applicant.mobile"
        )
    if applicant.email:
        values["email"] = check(
            "applicant.email", validate_email, applicant.email, field="applicant.email"
        )
    if "sms" in applicant.channels and not applicant.mobile:
        problems.append(Problem("applicant.mobile", "REQUIRED", "SMS notices need a mobile number"))
    if "email" in applicant.channels and not applicant.email:
        problems.append(Problem("applicant.email", "REQUIRED", "e-mail notices need an address"))
    if problems:
        raise InvalidInputError(problems)
    return msgspec.convert(values, ApplicantInput)


def _check_files(files: list[UploadedFile], spec: MatterSpec, settings: Settings) -> list[Problem]:
    known = {m.code for m in spec.materials}
    problems: list[Problem] = []
    for i, f in enumerate(files):
        field = f"materials[{i}]"
        if len(f.data) > settings.max_upload_bytes:
            problems.append(
                Problem(
                    f"{field}.file",
                    "FILE_TOO_LARGE",
                    f"{f.filename} is {len(f.data)} bytes; the limit is {settings.max_upload_bytes}",
                    {"name": f.filename, "limit": settings.max_upload_bytes},
                )
            )
        if f.content_type not in settings.allowed_content_types:
            problems.append(
                Problem(
                    f"{field}.file",
                    "CONTENT_TYPE_NOT_ALLOWED",
                    f"{f.filename}: {f.content_type} is not accepted "
                    f"(allowed: {', '.join(settings.allowed_content_types)})",
                    {"name": f.filename, "allowed": list(settings.allowed_content_types)},
                )
            )
        elif (sniffed := sniff_content_type(f.data)) != f.content_type:
            seen = f"they look like {sniffed}" if sniffed else "they match no accepted type"
            problems.append(
                Problem(
                    f"{field}.file",
                    "CONTENT_MISMATCH",
                    f"{f.filename}: declared {f.content_type}, but {seen}",
                    {"name": f.filename, "type": f.content_type},
                )
            )
        if f.material_code is not None and f.material_code not in known:
            problems.append(
                Problem(
                    f"{field}.materialCode",
                    "UNKNOWN_MATERIAL",
                    f"the matter asks for no material {f.material_code!r}",
                    {"codes": [f.material_code]},
                )
            )
    return problems


def _request_hash(
    matter_code: str,
    region_code: str,
    applicant: Any,
    form_data: dict[str, Any],
    files: list[UploadedFile],
) -> str:
    canonical = msgspec.json.encode(
        {
            "matter": matter_code,
            "region": region_code,
            "applicant": applicant,
            "form": form_data,
            "materials": sorted(
                [f.material_code or "", hashlib.sha256(f.data).hexdigest()] for f in files
            ),
        },
        order="sorted",
    )
    return hashlib.sha256(canonical).hexdigest()


async def submit_case(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    settings: Settings,
    blobs: BlobStore,
    clock: Clock,
    matter_code: str,
    region_code: str,
    applicant: ApplicantInput | None,
    form_data: dict[str, Any],
    files: list[UploadedFile],
    idempotency_key: str,
) -> tuple[Case, bool]:
    """File a case; the same key with the same content returns the first case (created=False)."""
    if principal.is_applicant:
        if applicant is not None:
            raise ValidationError(
                "applicants file for themselves",
                field="applicant",
                problem="APPLICANT_FILES_FOR_SELF",
            )
    elif principal.is_officer and principal.has_role("intake"):
        if applicant is None:
            raise ValidationError(
                "a case filed at the window names its applicant",
                field="applicant",
                problem="WINDOW_NAMES_APPLICANT",
            )
    else:
        raise NotAllowedError(
            "only applicants and intake officers submit cases", problem="SUBMITTERS_ONLY"
        )
    # Every problem of the input at once, so a form shows them all in one round trip.
    problems: list[Problem] = []
    if not _KEY_RE.match(idempotency_key):
        problems.append(
            Problem(
                "idempotencyKey",
                "INVALID_KEY",
                "the idempotency key is 8–128 letters, digits or . _ : -",
            )
        )
    checked: ApplicantInput | None = None
    if applicant is not None:
        try:
            checked = validate_applicant(applicant, settings)
        except InvalidInputError as exc:
            problems += exc.problems
    regions = []
    try:
        region_code = validate_region_code(region_code, field="regionCode")
    except ValidationError as exc:
        problems.append(
            Problem("regionCode", "INVALID_REGION", exc.message, {"cause": exc.problem})
        )
    else:
        regions = await gov_repo.regions_by_code(conn, codes=[region_code])
        if not regions:
            problems.append(
                Problem(
                    "regionCode",
                    "UNKNOWN_REGION",
                    f"unknown region {region_code}",
                    {"code": region_code},
                )
            )
    current = await catalogue_repo.current_versions_by_code(conn, codes=[matter_code])
    if not current:
        problems.append(
            Problem(
                "matterCode",
                "UNKNOWN_MATTER",
                f"no published matter {matter_code}",
                {"code": matter_code},
            )
        )
    else:
        problems += _check_files(files, current[0].spec, settings)
    if len(msgspec.json.encode(form_data)) > MAX_FORM_BYTES:
        problems.append(
            Problem(
                "formData",
                "TOO_LARGE",
                f"the form data exceeds {MAX_FORM_BYTES} bytes",
                {"max": MAX_FORM_BYTES},
            )
        )
    if problems:
        raise InvalidInputError(problems)
    matter = current[0]

    found: Applicant
    if checked is not None:
        # The whole statement of who applies (name, contacts, channels), not only the ID
        # number: a reused key with another name or phone is another request.
        applicant_key: Any = msgspec.to_builtins(checked)
    else:
        existing = await repo.applicants_by_id(conn, ids=[principal.applicant_id or ""])
        if not existing:
            raise NotFoundError(
                "the signed-in applicant is not registered",
                field="applicant",
                problem="APPLICANT_NOT_REGISTERED",
            )
        found = existing[0]
        applicant_key = found.id_number or found.credit_code or ""

    request_hash = _request_hash(matter_code, region_code, applicant_key, form_data, files)
    await repo.lock_idempotency_key(conn, submitted_by=principal.subject, key=idempotency_key)
    prior = await repo.find_by_idempotency_key(
        conn, submitted_by=principal.subject, key=idempotency_key
    )
    if prior is not None:
        number, prior_hash = prior
        if prior_hash != request_hash:
            raise IdempotencyKeyReusedError(
                "this idempotency key was used for a different submission",
                field="idempotencyKey",
                details={"caseNumber": number},
            )
        case = await repo.lock_case(conn, number=number)
        assert case is not None
        return case, False

    stated: dict[str, Any] = {}
    if checked is not None:
        # The person's record is created from a first filing but never rewritten by a later
        # one: the window records what it was told on this case, and this case's notices go
        # there (issue 13: naming someone's ID number redirected all their SMS).
        found, _ = await repo.find_or_create_applicant(conn, applicant=checked)
        stated = {
            "stated_name": checked.name,
            "stated_contact_name": checked.contact_name,
            "stated_mobile": checked.mobile,
            "stated_email": checked.email,
            "stated_channels": list(checked.channels),
        }
    department = (await gov_repo.department_placements(conn, ids=[matter.spec.department_id]))[
        matter.spec.department_id
    ]
    now = clock.now()
    today = local_day(now, settings.timezone)
    sequence = await repo.next_sequence(conn, region_code=region_code[:6], day=today)
    number = make_case_number(region_code[:6], today, sequence)
    case_id = await repo.insert_case(
        conn,
        number=number,
        matter_id=matter.matter_id,
        matter_version=matter.version,
        applicant_id=found.id,
        submitted_by=principal.subject,
        idempotency_key=idempotency_key,
        request_hash=request_hash,
        receiving_region=region_code,
        receiving_lineage=list(regions[0].lineage),
        handling_region=department.code,
        handling_lineage=list(department.lineage),
        handling_department_id=matter.spec.department_id,
        state="received",
        confidentiality=matter.spec.confidentiality,
        form_data=form_data,
        received_at=now,
        received_on=today,
        **stated,
    )
    await _store_materials(conn, blobs, case_id, files, "submission", matter.spec)
    # Art. 32: the one-time notice is due within 5 days of receipt, or the case counts as
    # accepted on the day it was received.
    notice = await deadlines.start(
        conn,
        settings=settings,
        case_id=case_id,
        kind="one_notice",
        start_on=today,
        limit_days=settings.one_notice_days,
    )
    case = await repo.lock_case_by_id(conn, case_id=case_id)
    assert case is not None
    case = await record(
        conn,
        case,
        principal,
        action="submitted",
        payload={
            "matterCode": matter_code,
            "matterVersion": matter.version,
            "receivingRegion": region_code,
            "materials": [f.material_code for f in files],
            "receivedOn": today.isoformat(),
            "deadlines": {
                "one_notice": None if notice.due_on is None else notice.due_on.isoformat()
            },
        },
    )
    return case, True


async def _store_materials(
    conn: asyncpg.Connection,
    blobs: BlobStore,
    case_id: str,
    files: list[UploadedFile],
    phase: str,
    spec: MatterSpec,
) -> None:
    names = {m.code: m.name for m in spec.materials}
    for f in files:
        key = await blobs.put(f.data)
        await repo.insert_material(
            conn,
            case_id=case_id,
            material_code=f.material_code,
            name=safe_filename(f.filename) or names.get(f.material_code or "", "material"),
            size=len(f.data),
            content_type=f.content_type,
            sha256=key,
            blob_key=key,
            phase=phase,
        )


async def _missing_required(conn: asyncpg.Connection, case: Case, spec: MatterSpec) -> list[str]:
    provided = await repo.material_codes_of(conn, case_id=case.id)
    return [m.code for m in spec.materials if m.required and m.code not in provided]


async def accept(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    settings: Settings,
    clock: Clock,
    number: str,
    expected_version: int,
) -> Case:
    """受理: the decision clock starts the next working day; review tasks open."""
    case = await load_for_action(conn, principal, number=number, expected_version=expected_version)
    permissions.require("accept", principal, case)
    matter = await pinned_matter(conn, case)
    states.check("accept", case.state)
    missing = await _missing_required(conn, case, matter.spec)
    if missing:
        raise InvalidInputError(
            [
                Problem(
                    "caseNumber",
                    "MISSING_MATERIALS",
                    f"required materials are missing ({', '.join(missing)}); request a supplement",
                    {"materials": missing},
                )
            ]
        )
    today = local_day(clock.now(), settings.timezone)
    return await _accept_as_of(conn, case, principal, matter.spec, settings, today, "accepted")


async def accept_automatically(conn: asyncpg.Connection, case: Case, *, settings: Settings) -> Case:
    """Art. 32: no intake decision within 5 days — accepted as of the day it was received."""
    matter = await pinned_matter(conn, case)
    return await _accept_as_of(
        conn,
        case,
        deadlines.SYSTEM,
        matter.spec,
        settings,
        case.received_on,
        "accepted_automatically",
    )


async def _accept_as_of(
    conn: asyncpg.Connection,
    case: Case,
    principal: Principal,
    spec: MatterSpec,
    settings: Settings,
    accepted_on: Any,
    action: str,
) -> Case:
    await deadlines.stop(conn, case_id=case.id, on=accepted_on, kinds=["one_notice"])
    # Both decision clocks start the working day after acceptance (Art. 42, Civil Code Art. 201).
    for kind, limit in (("promised", spec.promised_limit), ("statutory", spec.statutory_limit)):
        await deadlines.start(
            conn,
            settings=settings,
            case_id=case.id,
            kind=kind,
            start_on=accepted_on,
            limit_days=limit,
        )
    case = await record(
        conn,
        case,
        principal,
        action=action,
        transition="accept",
        changes={"accepted_on": accepted_on, "current_stage": 0},
        payload={
            "acceptedOn": accepted_on.isoformat(),
            "deadlines": await deadlines.summary(conn, case_id=case.id),
        },
    )
    await review.open_stage(conn, case, spec, stage_index=0, settings=settings, today=accepted_on)
    return case


async def declare_not_applicable(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    number: str,
    expected_version: int,
    reason: str | None,
) -> Case:
    """Art. 32 (1): the matter needs no licence."""
    case = await load_for_action(conn, principal, number=number, expected_version=expected_version)
    permissions.require("declare_not_applicable", principal, case)
    await deadlines.stop(conn, case_id=case.id, on=case.received_on)
    return await record(
        conn,
        case,
        principal,
        action="declared_not_applicable",
        transition="declare_not_applicable",
        reason=require_reason(reason),
        changes={"terminal_reason": require_reason(reason)},
    )


async def refuse(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    number: str,
    expected_version: int,
    reason: str | None,
    competent_agency: str | None,
) -> Case:
    """不予受理 (Art. 32 (2)): outside our powers; the notice names the competent agency."""
    case = await load_for_action(conn, principal, number=number, expected_version=expected_version)
    permissions.require("refuse", principal, case)
    agency = require_reason(competent_agency, "competentAgency")
    text = require_reason(reason)
    await deadlines.stop(conn, case_id=case.id, on=case.received_on)
    return await record(
        conn,
        case,
        principal,
        action="refused",
        transition="refuse",
        reason=text,
        changes={"terminal_reason": text, "competent_agency": agency},
    )


async def request_intake_supplement(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    settings: Settings,
    clock: Clock,
    number: str,
    expected_version: int,
    material_codes: list[str],
    note: str,
) -> Case:
    """一次性告知补正 (Art. 32 (4)): one notice listing everything missing."""
    case = await load_for_action(conn, principal, number=number, expected_version=expected_version)
    permissions.require("request_intake_supplement", principal, case)
    states.check("request_intake_supplement", case.state)
    matter = await pinned_matter(conn, case)
    codes = checked_material_list(material_codes, matter.spec)
    missing = await _missing_required(conn, case, matter.spec)
    forgotten = [c for c in missing if c not in codes]
    if forgotten:
        raise InvalidInputError(
            [
                Problem(
                    "materialCodes",
                    "INCOMPLETE_NOTICE",
                    "the notice must list every missing required material at once; "
                    f"also missing: {', '.join(forgotten)}",
                    {"materials": forgotten},
                )
            ]
        )
    today = local_day(clock.now(), settings.timezone)
    # The notice went out in time: the Art. 32 timer has done its work.
    await deadlines.stop(conn, case_id=case.id, on=today, kinds=["one_notice"])
    return await file_supplement_notice(
        conn,
        case,
        principal,
        spec=matter.spec,
        codes=codes,
        note=note,
        today=today,
        phase="intake",
    )


async def supplement(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    settings: Settings,
    blobs: BlobStore,
    clock: Clock,
    number: str,
    expected_version: int,
    files: list[UploadedFile],
) -> Case:
    """The applicant brings what the notice listed; the case returns to intake or review."""
    case = await load_for_action(conn, principal, number=number, expected_version=expected_version)
    permissions.require("supplement", principal, case)
    states.check("supplement", case.state)
    matter = await pinned_matter(conn, case)
    problems = _check_files(files, matter.spec, settings)
    if not files:
        problems.append(Problem("materials", "REQUIRED", "upload the requested materials"))
    if problems:
        raise InvalidInputError(problems)
    notice = await repo.open_supplement_notice(conn, case_id=case.id)
    assert notice is not None
    notice_id, requested = notice
    brought = {f.material_code for f in files}
    still = [c for c in requested if c not in brought]
    if still:
        raise InvalidInputError(
            [
                Problem(
                    "materials",
                    "INCOMPLETE_SUPPLEMENT",
                    f"still missing: {', '.join(still)}",
                    {"materials": still},
                )
            ]
        )
    await _store_materials(conn, blobs, case.id, files, "supplement", matter.spec)
    today = local_day(clock.now(), settings.timezone)
    await repo.fulfil_supplement_notice(conn, notice_id=notice_id, on=today)
    back_to = "received" if case.state == "supplement_requested" else "under_review"
    if back_to == "under_review":
        await deadlines.resume(conn, settings=settings, case_id=case.id, on=today)
    return await record(
        conn,
        case,
        principal,
        action="supplemented",
        transition="supplement",
        changes={"state": back_to},
        payload={
            "materials": sorted(c for c in brought if c),
            "completeOn": today.isoformat(),
            "deadlines": await deadlines.summary(conn, case_id=case.id),
        },
    )
