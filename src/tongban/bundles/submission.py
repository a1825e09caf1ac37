"""Filing a bundle (一件事一次办): one application creates its parent record and one ordinary
case per item, each numbered, pinned to its matter version and with its own clocks, all in the
caller's transaction. An item whose prerequisites have no result yet starts ``waiting``."""

from __future__ import annotations

import hashlib
from typing import Any

import asyncpg
import msgspec

from tongban.auth.types import Principal
from tongban.blobs import BlobStore
from tongban.bundles import repository as repo
from tongban.bundles.types import BundleSubmission, BundleVersion
from tongban.cases import applicant_repository as applicant_repo
from tongban.cases import service as cases
from tongban.cases.errors import IdempotencyKeyReusedError
from tongban.cases.repository import lock_idempotency_key
from tongban.cases.storage import store_materials
from tongban.cases.types import Applicant, Submission, UploadedFile
from tongban.clock import Clock, local_day
from tongban.config import Settings
from tongban.errors import InvalidInputError, NotFoundError, Problem


def _request_hash(submission: BundleSubmission, applicant: object) -> str:
    canonical = msgspec.json.encode(
        {
            "bundle": submission.bundle_code,
            "region": submission.region_code,
            "applicant": applicant,
            "form": submission.form_data,
            "materials": sorted(
                [f.material_code or "", hashlib.sha256(f.data).hexdigest()]
                for f in submission.files
            ),
        },
        order="sorted",
    )
    return hashlib.sha256(canonical).hexdigest()


def item_files(bundle: BundleVersion, files: list[UploadedFile]) -> dict[str, list[UploadedFile]]:
    """Each item's files under its own material codes: a shared material, uploaded once, is
    given to every item it maps to (the blob store keeps one copy by content)."""
    targets = {m.code: m.maps_to for m in bundle.spec.materials}
    problems = [
        Problem(
            f"materials[{i}].materialCode",
            "UNKNOWN_MATERIAL",
            f"the bundle asks for no material {f.material_code!r}",
            {"codes": [f.material_code]},
        )
        for i, f in enumerate(files)
        if f.material_code not in targets
    ]
    produced = {m.code for m in bundle.spec.materials if m.produced_by is not None}
    problems += [
        Problem(
            f"materials[{i}].materialCode",
            "RESULT_NOT_UPLOADED",
            f"{f.material_code} is the result of another item of the bundle: it is supplied "
            "when that item is approved",
            {"codes": [f.material_code]},
        )
        for i, f in enumerate(files)
        if f.material_code in produced
    ]
    if problems:
        raise InvalidInputError(problems)
    per_item: dict[str, list[UploadedFile]] = {i.matter_code: [] for i in bundle.spec.items}
    for f in files:
        for t in targets[f.material_code or ""]:
            per_item[t.matter_code].append(
                msgspec.structs.replace(f, material_code=t.material_code)
            )
    return per_item


async def _bundle(conn: asyncpg.Connection, code: str) -> BundleVersion:
    found = await repo.current_versions(conn, codes=[code])
    if not found:
        raise NotFoundError(
            f"no published bundle {code}", field="bundleCode", problem="UNKNOWN_BUNDLE"
        )
    return found[0]


async def _checked_filings(
    conn: asyncpg.Connection,
    principal: Principal,
    submission: BundleSubmission,
    bundle: BundleVersion,
    settings: Settings,
) -> list[cases.Filing]:
    """Each item checked as its own submission would be; every problem of every item at once."""
    per_item = item_files(bundle, submission.files)
    filings = []
    problems: list[Problem] = []
    for item in bundle.spec.items:
        try:
            filings.append(
                await cases.check_input(
                    conn,
                    principal,
                    Submission(
                        matter_code=item.matter_code,
                        region_code=submission.region_code,
                        applicant=submission.applicant,
                        form_data=submission.form_data,
                        files=per_item[item.matter_code],
                        idempotency_key=submission.idempotency_key,
                    ),
                    settings,
                )
            )
        except InvalidInputError as exc:
            problems += [p for p in exc.problems if p not in problems]
    if problems:
        raise InvalidInputError(problems)
    return filings


async def _earlier(
    conn: asyncpg.Connection, principal: Principal, key: str, request_hash: str
) -> str | None:
    """The application this key filed before, if the same request did; another is refused."""
    await lock_idempotency_key(conn, submitted_by=principal.subject, key=f"bundle|{key}")
    prior = await repo.find_application_by_key(conn, submitted_by=principal.subject, key=key)
    if prior is not None and prior[1] != request_hash:
        raise IdempotencyKeyReusedError(
            "this idempotency key was used for a different submission",
            field="idempotencyKey",
            details={"bundleApplicationId": prior[0]},
        )
    return None if prior is None else prior[0]


async def _applicant(
    conn: asyncpg.Connection, filing: cases.Filing, registered: Applicant | None
) -> tuple[Applicant, dict[str, Any]]:
    """Who the cases are for, and the contact stated on them: the registered applicant filing
    for themselves, or the one named at a window (created on a first filing, never rewritten)."""
    if filing.applicant is None:
        assert registered is not None
        return registered, {}
    found, _ = await applicant_repo.find_or_create_applicant(conn, applicant=filing.applicant)
    return found, cases.stated_contact(filing.applicant)


def _item_filing(filing: cases.Filing, key: str) -> cases.Filing:
    """The item's filing under its own idempotency key: each item is a case of its own."""
    return msgspec.structs.replace(
        filing, submission=msgspec.structs.replace(filing.submission, idempotency_key=key)
    )


async def submit_bundle(
    conn: asyncpg.Connection,
    principal: Principal,
    submission: BundleSubmission,
    *,
    settings: Settings,
    blobs: BlobStore,
    clock: Clock,
) -> tuple[str, bool]:
    """File the bundle; the id of its application and whether it was created now (the same
    key with the same content returns the first one)."""
    cases.check_caller(principal, submission.applicant)
    bundle = await _bundle(conn, submission.bundle_code)
    filings = await _checked_filings(conn, principal, submission, bundle, settings)
    found, applicant_key = await cases.who_applies(conn, principal, filings[0].applicant)
    request_hash = _request_hash(submission, applicant_key)
    earlier = await _earlier(conn, principal, submission.idempotency_key, request_hash)
    if earlier is not None:
        return earlier, False
    found, stated = await _applicant(conn, filings[0], found)
    now = clock.now()
    application_id = await repo.insert_application(
        conn,
        bundle=bundle,
        applicant_id=found.id,
        submitted_by=principal.subject,
        key=submission.idempotency_key,
        request_hash=request_hash,
        region_code=filings[0].region_code,
        at=now,
        on=local_day(now, settings.timezone),
    )
    for position, (item, filing) in enumerate(zip(bundle.spec.items, filings, strict=True)):
        waiting = bool(item.depends_on)
        case_id, today = await cases.create_case_row(
            conn,
            principal,
            _item_filing(filing, f"bundle:{application_id}:{position}"),
            found,
            settings=settings,
            clock=clock,
            request_hash=request_hash,
            stated=stated,
            state="waiting" if waiting else "received",
            bundle={"bundle_application_id": application_id, "bundle_position": position},
        )
        await store_materials(
            conn, blobs, case_id, filing.submission.files, "submission", filing.matter.spec, now
        )
        await cases.record_submitted(
            conn, case_id, today, principal, filing, settings, now, waiting=waiting
        )
    return application_id, True
