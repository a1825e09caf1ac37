"""送达 (Administrative Licensing Law Art. 44): the result reaches the applicant.

The officer records how (collected at the window, posted, or sent electronically), to whom, when,
and with what proof. A postal delivery names its carrier and tracking number; an electronic one
sends the applicant a signed link to the decision document, so it needs one. The delivery time
defaults to now, is never in the future and never before the decision. The Art. 44 clock stops.
"""

from __future__ import annotations

import hashlib
import re
from typing import NamedTuple

from tongban.cases import applicant_repository as applicant_repo
from tongban.cases import delivery_repository as delivery_repo
from tongban.cases import events
from tongban.cases import material_repository as material_repo
from tongban.cases.files import safe_filename
from tongban.cases.runner import ActionContext, case_action
from tongban.cases.types import Case, DeliveryInput, DeliveryProof
from tongban.cases.validation import file_problems
from tongban.clock import local_day
from tongban.deadlines import service as deadlines
from tongban.errors import MAX_NAME_CHARS, InvalidInputError, Problem

# Express and EMS waybill numbers: letters, digits and dashes (EMS: 2 letters, 9 digits, CN).
_TRACKING_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{3,39}")


def _text(value: str | None) -> str:
    return (value or "").strip()


def _method_problems(d: DeliveryInput) -> list[Problem]:
    carrier, tracking = _text(d.carrier), _text(d.tracking_number)
    if d.method != "post":
        return [
            Problem(field, "ONLY_FOR_POSTAL_DELIVERY", f"{field} is recorded for postal delivery")
            for field, value in (("carrier", carrier), ("trackingNumber", tracking))
            if value
        ]
    problems: list[Problem] = []
    if not carrier:
        problems.append(
            Problem("carrier", "CARRIER_REQUIRED", "a postal delivery names its carrier")
        )
    elif len(carrier) > MAX_NAME_CHARS:
        problems.append(
            Problem(
                "carrier",
                "TOO_LONG",
                f"at most {MAX_NAME_CHARS} characters",
                {"max": MAX_NAME_CHARS},
            )
        )
    if not tracking:
        problems.append(
            Problem(
                "trackingNumber",
                "TRACKING_NUMBER_REQUIRED",
                "a postal delivery records its tracking number",
            )
        )
    elif not _TRACKING_NUMBER.fullmatch(tracking):
        problems.append(
            Problem(
                "trackingNumber",
                "TRACKING_NUMBER_MALFORMED",
                "a tracking number is 4–40 letters, digits or dashes",
            )
        )
    return problems


def _recipient_problems(d: DeliveryInput) -> list[Problem]:
    name = _text(d.recipient_name)
    if d.method == "electronic":
        if d.recipient_is_agent:
            return [
                Problem(
                    "recipientIsAgent",
                    "AGENT_NOT_FOR_ELECTRONIC_DELIVERY",
                    "an electronic delivery goes to the applicant's own contact",
                )
            ]
        return []
    if not name:
        return [
            Problem(
                "recipientName",
                "DELIVERY_RECIPIENT_REQUIRED",
                "name the person who collected or signed for the result",
            )
        ]
    if len(name) > MAX_NAME_CHARS:
        return [
            Problem(
                "recipientName",
                "TOO_LONG",
                f"at most {MAX_NAME_CHARS} characters",
                {"max": MAX_NAME_CHARS},
            )
        ]
    return []


def _time_problems(ctx: ActionContext, d: DeliveryInput) -> list[Problem]:
    at = d.delivered_at
    if at is None:
        return []
    if d.method == "electronic":
        # The link goes out now: an electronic delivery is made when it is recorded.
        return [
            Problem(
                "deliveredAt",
                "ELECTRONIC_DELIVERY_IS_NOW",
                "an electronic delivery is sent when recorded; give no time",
            )
        ]
    if at.tzinfo is None:
        return [Problem("deliveredAt", "TIME_ZONE_REQUIRED", "give the time with its zone")]
    if at > ctx.now:
        return [Problem("deliveredAt", "DELIVERED_IN_FUTURE", "a delivery is recorded once made")]
    decided = ctx.case.decided_at
    if decided is not None and at < decided:
        return [
            Problem(
                "deliveredAt",
                "DELIVERED_BEFORE_DECISION",
                "the result cannot be delivered before the decision",
            )
        ]
    return []


class _Electronic(NamedTuple):
    problems: list[Problem]
    document_id: str | None
    applicant_name: str


async def _electronic(ctx: ActionContext) -> _Electronic:
    """An electronic delivery sends the decision document to the contact the case's notices go
    to (the one stated at the window, else the applicant's own)."""
    case = ctx.case
    documents = await material_repo.decision_documents_of(ctx.conn, case_ids=[case.id])
    problems: list[Problem] = []
    if not documents:
        problems.append(
            Problem(
                "method",
                "DECISION_DOCUMENT_REQUIRED",
                "an electronic delivery sends the decision document: upload it with the decision",
            )
        )
    if case.stated_channels is not None:
        name = case.stated_name or "申请人"
        mobile, email, channels = case.stated_mobile, case.stated_email, case.stated_channels
    else:
        (a,) = await applicant_repo.applicants_by_id(ctx.conn, ids=[case.applicant_id])
        name, mobile, email, channels = a.name, a.mobile, a.email, a.channels
    if not ((mobile and "sms" in channels) or (email and "email" in channels)):
        problems.append(
            Problem(
                "method",
                "NO_ELECTRONIC_ADDRESS",
                "the applicant has no mobile or e-mail to send the document to",
            )
        )
    return _Electronic(problems, documents[0].id if documents else None, name)


async def _store_proof(ctx: ActionContext, d: DeliveryInput) -> DeliveryProof | None:
    if d.proof is None:
        return None
    key = await ctx.blobs.put(d.proof.data)
    return DeliveryProof(
        file_name=safe_filename(d.proof.filename) or f"{ctx.case.number}-送达回证",
        content_type=d.proof.content_type,
        size=len(d.proof.data),
        sha256=hashlib.sha256(d.proof.data).hexdigest(),
        blob_key=key,
    )


@case_action("deliver")
async def deliver(ctx: ActionContext, delivery: DeliveryInput) -> Case:
    """送达: the handling department or the receiving window records how the result (licence,
    certificate, decision) reached the applicant."""
    problems = _method_problems(delivery) + _recipient_problems(delivery)
    problems += _time_problems(ctx, delivery)
    recipient, document_id = _text(delivery.recipient_name), None
    if delivery.method == "electronic":
        electronic = await _electronic(ctx)
        problems += electronic.problems
        recipient, document_id = electronic.applicant_name, electronic.document_id
    if delivery.proof is not None:
        problems += file_problems(
            delivery.proof, "proof", ctx.settings.allowed_content_types, ctx.settings
        )
    if problems:
        raise InvalidInputError(problems)
    delivered_at = delivery.delivered_at or ctx.now
    carrier = _text(delivery.carrier) or None
    tracking = _text(delivery.tracking_number) or None
    assert ctx.principal.officer_id is not None  # the permission rule admits officers only
    await delivery_repo.insert_delivery(
        ctx.conn,
        case_id=ctx.case.id,
        method=delivery.method,
        recipient_name=recipient,
        recipient_is_agent=delivery.recipient_is_agent,
        carrier=carrier,
        tracking_number=tracking,
        decision_document_id=document_id,
        proof=await _store_proof(ctx, delivery),
        delivered_at=delivered_at,
        delivered_by=ctx.principal.officer_id,
        delivered_by_name=ctx.principal.name,
        recorded_at=ctx.now,
    )
    # Art. 44 counts to the day the result reached the applicant, also when recorded later.
    delivered_on = local_day(delivered_at, ctx.settings.timezone)
    await deadlines.stop(
        ctx.conn, case_id=ctx.case.id, at=ctx.now, on=delivered_on, kinds=["delivery"]
    )
    return await ctx.record(
        event=events.Delivered(
            method=delivery.method,
            recipient_name=recipient,
            recipient_is_agent=delivery.recipient_is_agent,
            carrier=carrier,
            tracking_number=tracking,
            document_id=document_id,
            delivered_at=delivered_at,
        ),
        transition="deliver",
        changes={"delivered_at": delivered_at},
    )
