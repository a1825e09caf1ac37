"""Use cases of an applicant's own record: only the applicant changes their contact details.

A window officer's filing records what it was told on the case (``service.submit_case``); the
person's record, which every notice about their other cases uses, changes here, signed in as
that person, and every change is kept with who made it and the values before and after.
"""

from __future__ import annotations

from typing import Any

import asyncpg
import msgspec

from tongban.auth.errors import NotAllowedError
from tongban.auth.types import Principal
from tongban.cases import applicant_repository as applicant_repo
from tongban.cases.types import Applicant, ContactInput
from tongban.clock import Clock
from tongban.errors import (
    MAX_NAME_CHARS,
    InvalidInputError,
    NotFoundError,
    Problem,
    ValidationError,
    too_long,
)
from tongban.identifiers import validate_email, validate_mobile

_CONTACT_FIELDS = ("contact_name", "mobile", "email", "channels")


def validate_contact(contact: ContactInput) -> ContactInput:
    """Normalised contact details; every invalid field reported at once."""
    problems: list[Problem] = []
    values: dict[str, Any] = msgspec.structs.asdict(contact)
    if (
        long := too_long(contact.contact_name, field="contactName", max_chars=MAX_NAME_CHARS)
    ) is not None:
        problems.append(long)
    for name, validate in (("mobile", validate_mobile), ("email", validate_email)):
        given = values[name]
        if given:
            try:
                values[name] = validate(given, field=name)
            except ValidationError as exc:
                problems.append(Problem(name, "INVALID", exc.message, {"cause": exc.problem}))
        else:
            values[name] = None
    if not contact.channels:
        problems.append(Problem("channels", "REQUIRED", "choose at least one channel"))
    if "sms" in contact.channels and not values["mobile"]:
        problems.append(Problem("mobile", "REQUIRED", "SMS notices need a mobile number"))
    if "email" in contact.channels and not values["email"]:
        problems.append(Problem("email", "REQUIRED", "e-mail notices need an address"))
    if problems:
        raise InvalidInputError(problems)
    values["channels"] = tuple(dict.fromkeys(contact.channels))
    return msgspec.convert(values, ContactInput)


async def update_my_contact(
    conn: asyncpg.Connection, principal: Principal, *, contact: ContactInput, clock: Clock
) -> Applicant:
    """The signed-in applicant's new contact details, with an audit row of the change."""
    if not principal.is_applicant or principal.applicant_id is None:
        raise NotAllowedError(
            "only applicants change their own contact details", problem="APPLICANTS_ONLY"
        )
    checked = validate_contact(contact)
    current = await applicant_repo.lock_applicant(conn, applicant_id=principal.applicant_id)
    if current is None:
        raise NotFoundError(
            "the signed-in applicant is not registered", problem="APPLICANT_NOT_REGISTERED"
        )
    updated = await applicant_repo.update_applicant_contact(
        conn,
        applicant_id=current.id,
        contact_name=checked.contact_name,
        mobile=checked.mobile,
        email=checked.email,
        channels=checked.channels,
    )
    await applicant_repo.insert_contact_change(
        conn,
        applicant_id=current.id,
        changed_by=principal.subject,
        changed_at=clock.now(),
        before={f: _plain(getattr(current, f)) for f in _CONTACT_FIELDS},
        after={f: _plain(getattr(updated, f)) for f in _CONTACT_FIELDS},
    )
    return updated


def _plain(value: object) -> object:
    return list(value) if isinstance(value, tuple) else value
