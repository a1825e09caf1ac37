"""Filing a case: the applicant's details and files checked, the case created with its number,
its materials stored and the Art. 32 clock started (intake itself is in ``intake``).

The caller owns the transaction; a raised error rolls back everything the use case wrote.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime
from typing import Any

import asyncpg
import msgspec

from tongban.auth.errors import NotAllowedError
from tongban.auth.types import Principal
from tongban.blobs import BlobStore
from tongban.cases import applicant_repository as applicant_repo
from tongban.cases import events
from tongban.cases import repository as repo
from tongban.cases.commitment import (
    commitment_columns,
    commitment_fingerprint,
    commitment_problems,
    store_commitment_document,
)
from tongban.cases.errors import IdempotencyKeyReusedError
from tongban.cases.receiving import check_window_region
from tongban.cases.storage import store_materials
from tongban.cases.types import Applicant, ApplicantInput, Case, Submission
from tongban.cases.validation import check_files, validate_applicant
from tongban.cases.workflow import record
from tongban.catalogue import repository as catalogue_repo
from tongban.catalogue.types import MatterVersion
from tongban.clock import Clock, local_day
from tongban.config import Settings
from tongban.deadlines import service as deadlines
from tongban.errors import (
    MAX_FORM_BYTES,
    InvalidInputError,
    NotFoundError,
    Problem,
    ValidationError,
)
from tongban.government import repository as gov_repo
from tongban.government.types import Region
from tongban.identifiers import (
    make_case_number,
    validate_region_code,
)
from tongban.licences import service as licences

_KEY_RE = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


def _request_hash(submission: Submission, region_code: str, applicant: Any) -> str:
    canonical = msgspec.json.encode(
        {
            "matter": submission.matter_code,
            "region": region_code,
            "applicant": applicant,
            "form": submission.form_data,
            "materials": sorted(
                [f.material_code or "", hashlib.sha256(f.data).hexdigest()]
                for f in submission.files
            ),
            "commitment": commitment_fingerprint(submission.commitment),
            "licences": sorted([k.material_code, k.licence_number] for k in submission.licences),
        },
        order="sorted",
    )
    return hashlib.sha256(canonical).hexdigest()


class Filing(msgspec.Struct, frozen=True, kw_only=True):
    """A submission whose every input passed its checks."""

    submission: Submission
    applicant: ApplicantInput | None  # None: the signed-in applicant files for themselves
    region_code: str  # normalised
    region: Region
    matter: MatterVersion


def check_caller(principal: Principal, applicant: ApplicantInput | None) -> None:
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


async def _check_region(
    conn: asyncpg.Connection, region_code: str, problems: list[Problem]
) -> tuple[str, list[Region]]:
    """The normalised code and the region it names (none when either check failed)."""
    try:
        region_code = validate_region_code(region_code, field="regionCode")
    except ValidationError as exc:
        problems.append(
            Problem("regionCode", "INVALID_REGION", exc.message, {"cause": exc.problem})
        )
        return region_code, []
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
    return region_code, regions


async def _check_matter(
    conn: asyncpg.Connection, submission: Submission, settings: Settings, problems: list[Problem]
) -> list[MatterVersion]:
    """The matter's published version (none when unknown), its files checked against it."""
    matter_code = submission.matter_code
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
        spec = current[0].spec
        problems += check_files(submission.files, spec, settings)
        problems += commitment_problems(submission.commitment, spec, matter_code, settings)
    return current


async def check_input(
    conn: asyncpg.Connection, principal: Principal, submission: Submission, settings: Settings
) -> Filing:
    """Every problem of the input at once, so a form shows them all in one round trip."""
    problems: list[Problem] = []
    if not _KEY_RE.match(submission.idempotency_key):
        problems.append(
            Problem(
                "idempotencyKey",
                "INVALID_KEY",
                "the idempotency key is 8–128 letters, digits or . _ : -",
            )
        )
    checked: ApplicantInput | None = None
    if submission.applicant is not None:
        try:
            checked = validate_applicant(submission.applicant, settings)
        except InvalidInputError as exc:
            problems += exc.problems
    region_code, regions = await _check_region(conn, submission.region_code, problems)
    current = await _check_matter(conn, submission, settings, problems)
    if regions and current:
        wrong = await check_window_region(conn, principal, regions[0], current[0].spec)
        problems += [wrong] if wrong is not None else []
    if len(msgspec.json.encode(submission.form_data)) > MAX_FORM_BYTES:
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
    return Filing(
        submission=submission,
        applicant=checked,
        region_code=region_code,
        region=regions[0],
        matter=current[0],
    )


async def _earlier_submission(
    conn: asyncpg.Connection, principal: Principal, key: str, request_hash: str
) -> Case | None:
    """The case this key filed before, if the same request did; a different one is refused."""
    await repo.lock_idempotency_key(conn, submitted_by=principal.subject, key=key)
    prior = await repo.find_by_idempotency_key(conn, submitted_by=principal.subject, key=key)
    if prior is None:
        return None
    number, prior_hash = prior
    if prior_hash != request_hash:
        raise IdempotencyKeyReusedError(
            "this idempotency key was used for a different submission",
            field="idempotencyKey",
            details={"caseNumber": number},
        )
    case = await repo.lock_case(conn, number=number)
    assert case is not None
    return case


async def who_applies(
    conn: asyncpg.Connection, principal: Principal, checked: ApplicantInput | None
) -> tuple[Applicant | None, Any]:
    """The registered applicant filing for themselves (None at a window), and what of the
    applicant a reused idempotency key must match."""
    if checked is not None:
        # The whole statement of who applies (name, contacts, channels), not only the ID
        # number: a reused key with another name or phone is another request.
        return None, msgspec.to_builtins(checked)
    existing = await applicant_repo.applicants_by_id(conn, ids=[principal.applicant_id or ""])
    if not existing:
        raise NotFoundError(
            "the signed-in applicant is not registered",
            field="applicant",
            problem="APPLICANT_NOT_REGISTERED",
        )
    return existing[0], existing[0].id_number or existing[0].credit_code or ""


async def submit_case(
    conn: asyncpg.Connection,
    principal: Principal,
    submission: Submission,
    *,
    settings: Settings,
    blobs: BlobStore,
    clock: Clock,
) -> tuple[Case, bool]:
    """File a case; the same key with the same content returns the first case (created=False)."""
    check_caller(principal, submission.applicant)
    filing = await check_input(conn, principal, submission, settings)
    found, applicant_key = await who_applies(conn, principal, filing.applicant)
    request_hash = _request_hash(submission, filing.region_code, applicant_key)
    key = submission.idempotency_key
    earlier = await _earlier_submission(conn, principal, key, request_hash)
    if earlier is not None:
        return earlier, False
    stated: dict[str, Any] = {}
    if filing.applicant is not None:
        # The person's record is created from a first filing but never rewritten by a later
        # one: the window records what it was told on this case, and this case's notices go
        # there (issue 13: naming someone's ID number redirected all their SMS).
        found, _ = await applicant_repo.find_or_create_applicant(conn, applicant=filing.applicant)
        stated = stated_contact(filing.applicant)
    assert found is not None
    case_id, today = await create_case_row(
        conn,
        principal,
        filing,
        found,
        settings=settings,
        clock=clock,
        request_hash=request_hash,
        stated=stated,
    )
    spec = filing.matter.spec
    at = clock.now()
    await store_materials(conn, blobs, case_id, submission.files, "submission", spec, at)
    await store_commitment_document(conn, blobs, case_id, submission.commitment, at)
    await licences.link_to_case(
        conn, case_id, submission.licences, holder_id=found.id, spec=spec, on=today, at=at
    )
    case = await record_submitted(conn, case_id, today, principal, filing, settings, at)
    return case, True


def stated_contact(checked: ApplicantInput) -> dict[str, Any]:
    return {
        "stated_name": checked.name,
        "stated_contact_name": checked.contact_name,
        "stated_mobile": checked.mobile,
        "stated_email": checked.email,
        "stated_channels": list(checked.channels),
    }


async def create_case_row(
    conn: asyncpg.Connection,
    principal: Principal,
    filing: Filing,
    applicant: Applicant,
    *,
    settings: Settings,
    clock: Clock,
    request_hash: str,
    stated: dict[str, Any],
    state: str = "received",
    bundle: dict[str, Any] | None = None,
) -> tuple[str, date]:
    """The case row, numbered in its receiving region's daily sequence; its id and the day it
    was received. An item of a bundle (``bundle``: its application and position) may start
    ``waiting`` for an earlier item's result."""
    matter, region_code = filing.matter, filing.region_code
    department = (await gov_repo.department_placements(conn, ids=[matter.spec.department_id]))[
        matter.spec.department_id
    ]
    now = clock.now()
    today = local_day(now, settings.timezone)
    sequence = await repo.next_sequence(conn, region_code=region_code[:6], day=today)
    case_id = await repo.insert_case(
        conn,
        number=make_case_number(region_code[:6], today, sequence),
        matter_id=matter.matter_id,
        matter_version=matter.version,
        applicant_id=applicant.id,
        submitted_by=principal.subject,
        idempotency_key=filing.submission.idempotency_key,
        request_hash=request_hash,
        receiving_region=region_code,
        receiving_lineage=list(filing.region.lineage),
        handling_region=department.code,
        handling_lineage=list(department.lineage),
        handling_department_id=matter.spec.department_id,
        state=state,
        confidentiality=matter.spec.confidentiality,
        form_data=filing.submission.form_data,
        received_at=now,
        received_on=today,
        **stated,
        **commitment_columns(filing.submission.commitment, now),
        **(bundle or {}),
    )
    return case_id, today


async def record_submitted(
    conn: asyncpg.Connection,
    case_id: str,
    today: date,
    principal: Principal,
    filing: Filing,
    settings: Settings,
    at: datetime,
    *,
    waiting: bool = False,
) -> Case:
    """The Art. 32 clock started and the submission recorded; a ``waiting`` bundle item's clock
    starts only when it is released (bundles.progression)."""
    # Art. 32: the one-time notice is due within 5 days of receipt, or the case counts as
    # accepted on the day it was received.
    notice = None
    if not waiting:
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
    return await record(
        conn,
        case,
        principal,
        event=events.Submitted(
            matter_code=filing.submission.matter_code,
            matter_version=filing.matter.version,
            receiving_region=filing.region_code,
            materials=[f.material_code for f in filing.submission.files]
            + [k.material_code for k in filing.submission.licences],
            received_on=today,
            deadlines={
                "one_notice": None
                if notice is None or notice.due_on is None
                else notice.due_on.isoformat()
            },
        ),
        at=at,
    )
