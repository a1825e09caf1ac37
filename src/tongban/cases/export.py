"""The case list as rows for an officer's CSV export (办件导出): the same search and visibility
as ``cases``, personal data whole only on cases the officer works on — and each page's
unmasked rows recorded in the personal-data access log (channel ``export``) before the page is
handed out, so a failed record stops the export before the data it would have covered."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Any

import asyncpg

from tongban.audit import service as audit
from tongban.audit.types import Access
from tongban.auth.errors import NotAllowedError
from tongban.auth.types import Principal
from tongban.cases import applicant_repository as applicant_repo
from tongban.cases import search_repository as search_repo
from tongban.cases.types import Applicant, Case, CaseFilter
from tongban.identifiers import mask_email, mask_id_number, mask_phone
from tongban.keyset import Window

HEADER = (
    "number",
    "state",
    "received_on",
    "accepted_on",
    "applicant_name",
    "applicant_id_number",
    "applicant_credit_code",
    "applicant_mobile",
    "applicant_email",
)
PAGE = 500


def require_officer(principal: Principal) -> None:
    if not principal.is_officer:
        raise NotAllowedError("case exports are for officers", problem="EXPORT_OFFICERS_ONLY")


Row = tuple[str | date, ...]


def _row(case: Case, a: Applicant) -> tuple[Row, tuple[str, ...]]:
    """The row (days as days, so a workbook shows them as dates; CSV writes them ISO), and
    the personal fields it carries whole."""
    whole = case.viewer_involved
    shown: list[str] = []
    values: list[str] = []
    for field, value, mask in (
        ("id_number", a.id_number, mask_id_number),
        ("mobile", a.mobile, mask_phone),
        ("email", a.email, mask_email),
    ):
        if value is not None and whole:
            shown.append(field)
        values.append("" if value is None else value if whole else mask(value))
    row = (
        case.number,
        case.state,
        case.received_on,
        "" if case.accepted_on is None else case.accepted_on,
        a.name,
        values[0],
        a.credit_code or "",
        values[1],
        values[2],
    )
    return row, tuple(shown)


async def export_rows(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    filter: CaseFilter,
    now: Any,
    request_id: str | None,
    client_address: str | None,
) -> AsyncIterator[list[Row]]:
    """Pages of rows, newest received first; each page's unmasked rows are recorded (one
    insert, committed) before the page is yielded."""
    window: Window[tuple[Any, str]] = Window(limit=PAGE)
    while True:
        found = await search_repo.search_cases(
            conn, principal=principal, filter=filter, sort="received_desc", window=window
        )
        if not found:
            return
        cases = [f.case for f in found]
        ids = list({c.applicant_id for c in cases})
        applicants = {a.id: a for a in await applicant_repo.applicants_by_id(conn, ids=ids)}
        rows, accesses = [], []
        for case in cases:
            row, shown = _row(case, applicants[case.applicant_id])
            rows.append(row)
            if shown:
                accesses.append(Access(case_id=case.id, channel="export", fields=shown))
        async with conn.transaction():
            at: datetime = now()
            await audit.record(
                conn,
                principal,
                accesses,
                at=at,
                request_id=request_id,
                client_address=client_address,
            )
        yield rows
        if len(found) < PAGE:
            return
        last = found[-1].position
        window = Window(after=(last[0], last[1]), limit=PAGE)
