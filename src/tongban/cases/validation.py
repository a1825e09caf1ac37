"""What a filing's applicant details and files must be: every problem reported at once, so a
form shows them all in one round trip."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from tongban.cases.files import sniff_content_type
from tongban.cases.types import ApplicantInput, UploadedFile
from tongban.catalogue.types import MatterSpec
from tongban.config import Settings
from tongban.errors import MAX_NAME_CHARS, InvalidInputError, Problem, ValidationError, too_long
from tongban.identifiers import (
    validate_credit_code,
    validate_email,
    validate_mobile,
    validate_resident_id,
)


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
    _check_identity(applicant, settings, values, problems, check)
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


def file_problems(
    f: UploadedFile, field: str, allowed: Sequence[str], settings: Settings
) -> list[Problem]:
    """Why one uploaded file is refused: its size, its declared type, and whether its bytes
    are what it declares (a material, or a decision document)."""
    problems: list[Problem] = []
    if len(f.data) > settings.max_upload_bytes:
        problems.append(
            Problem(
                field,
                "FILE_TOO_LARGE",
                f"{f.filename} is {len(f.data)} bytes; the limit is {settings.max_upload_bytes}",
                {"name": f.filename, "limit": settings.max_upload_bytes},
            )
        )
    if f.content_type not in allowed:
        problems.append(
            Problem(
                field,
                "CONTENT_TYPE_NOT_ALLOWED",
                f"{f.filename}: {f.content_type} is not accepted (allowed: {', '.join(allowed)})",
                {"name": f.filename, "allowed": list(allowed)},
            )
        )
    elif (sniffed := sniff_content_type(f.data)) != f.content_type:
        seen = f"they look like {sniffed}" if sniffed else "they match no accepted type"
        problems.append(
            Problem(
                field,
                "CONTENT_MISMATCH",
                f"{f.filename}: declared {f.content_type}, but {seen}",
                {"name": f.filename, "type": f.content_type},
            )
        )
    return problems


def check_files(files: list[UploadedFile], spec: MatterSpec, settings: Settings) -> list[Problem]:
    known = {m.code for m in spec.materials}
    problems: list[Problem] = []
    for i, f in enumerate(files):
        field = f"materials[{i}]"
        problems += file_problems(f, f"{field}.file", settings.allowed_content_types, settings)
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


def _check_identity(
    applicant: ApplicantInput,
    settings: Settings,
    values: dict[str, Any],
    problems: list[Problem],
    check: Any,
) -> None:
    """A person's ID number, or an organisation's credit code and legal representative."""
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
