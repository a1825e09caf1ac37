"""Filing a case: the applicant's details and files checked, the case created with its number,
its materials stored and the Art. 32 clock started (intake itself is in ``intake``).

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
from tongban.cases import events
from tongban.cases import repository as repo
from tongban.cases.errors import IdempotencyKeyReusedError
from tongban.cases.files import safe_filename, sniff_content_type
from tongban.cases.types import Applicant, ApplicantInput, Case, UploadedFile
from tongban.cases.workflow import Clock, local_day, record
from tongban.catalogue import repository as catalogue_repo
from tongban.catalogue.types import MatterSpec
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

_KEY_RE = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


def validate_applicant(applicant: ApplicantInput, settings: Settings) -> ApplicantInput:
    """Normalised applicant details; every invalid field reported at once."""
    problems: list[Problem] = []
    values: dict[str, Any] = msgspec.structs.asdict(applicant)

    def check(where: str, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ValidationError as exc:
            problems.append(Problem(exc.field or where, "INVALID_IDENTIFIER", exc.message))
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


def check_files(files: list[UploadedFile], spec: MatterSpec, settings: Settings) -> list[Problem]:
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
                )
            )
        if f.content_type not in settings.allowed_content_types:
            problems.append(
                Problem(
                    f"{field}.file",
                    "CONTENT_TYPE_NOT_ALLOWED",
                    f"{f.filename}: {f.content_type} is not accepted "
                    f"(allowed: {', '.join(settings.allowed_content_types)})",
                )
            )
        elif (sniffed := sniff_content_type(f.data)) != f.content_type:
            seen = f"they look like {sniffed}" if sniffed else "they match no accepted type"
            problems.append(
                Problem(
                    f"{field}.file",
                    "CONTENT_MISMATCH",
                    f"{f.filename}: declared {f.content_type}, but {seen}",
                )
            )
        if f.material_code is not None and f.material_code not in known:
            problems.append(
                Problem(
                    f"{field}.materialCode",
                    "UNKNOWN_MATERIAL",
                    f"the matter asks for no material {f.material_code!r}",
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
            raise ValidationError("applicants file for themselves", field="applicant")
    elif principal.is_officer and principal.has_role("intake"):
        if applicant is None:
            raise ValidationError(
                "a case filed at the window names its applicant", field="applicant"
            )
    else:
        raise NotAllowedError("only applicants and intake officers submit cases")
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
        problems.append(Problem("regionCode", "INVALID_REGION", exc.message))
    else:
        regions = await gov_repo.regions_by_code(conn, codes=[region_code])
        if not regions:
            problems.append(
                Problem("regionCode", "UNKNOWN_REGION", f"unknown region {region_code}")
            )
    current = await catalogue_repo.current_versions_by_code(conn, codes=[matter_code])
    if not current:
        problems.append(
            Problem("matterCode", "UNKNOWN_MATTER", f"no published matter {matter_code}")
        )
    else:
        problems += check_files(files, current[0].spec, settings)
    if len(msgspec.json.encode(form_data)) > MAX_FORM_BYTES:
        problems.append(
            Problem("formData", "TOO_LARGE", f"the form data exceeds {MAX_FORM_BYTES} bytes")
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
            raise NotFoundError("the signed-in applicant is not registered", field="applicant")
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
                details={"caseNumber": number, "problem": "IDEMPOTENCY_KEY_REUSED"},
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
    await store_materials(conn, blobs, case_id, files, "submission", matter.spec)
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
        event=events.Submitted(
            matter_code=matter_code,
            matter_version=matter.version,
            receiving_region=region_code,
            materials=[f.material_code for f in files],
            received_on=today,
            deadlines={"one_notice": None if notice.due_on is None else notice.due_on.isoformat()},
        ),
    )
    return case, True


async def store_materials(
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
