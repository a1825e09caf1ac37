"""The rules of a matter guide (办事指南): pure checks, each adding to the admin form's list."""

from __future__ import annotations

from collections.abc import Callable

from tongban.catalogue.guide import PHONE_RE
from tongban.catalogue.types import ApplicationChannel, Fees, MatterGuide

# (field, code, message, **params), as validation._Problems takes them.
Bad = Callable[..., None]

# What a real guide needs, and what the API's cost estimate of a guide assumes (api/limits.py).
MAX_ENTRIES: dict[str, int] = {
    "legalBasis": 10,
    "conditions": 30,
    "channels": 6,
    "steps": 12,
    "fees.items": 10,
}

# A fee above a million yuan is a typing error (an amount in yuan entered as fen, or worse).
MAX_FEE_FEN = 100_000_000


def check_guide(guide: MatterGuide, bad: Bad) -> None:
    _check_sizes(guide, bad)
    if not guide.legal_basis:
        bad("guide.legalBasis", "NO_LEGAL_BASIS", "the guide names no legal basis")
    for i, basis in enumerate(guide.legal_basis):
        if not basis.law.strip():
            bad(f"guide.legalBasis[{i}].law", "REQUIRED", "name the law or regulation")
    if not guide.conditions:
        bad("guide.conditions", "NO_CONDITIONS", "the guide lists no conditions (受理条件)")
    for i, condition in enumerate(guide.conditions):
        if not condition.strip():
            bad(f"guide.conditions[{i}]", "REQUIRED", "a condition must not be empty")
    if not guide.channels:
        bad("guide.channels", "NO_CHANNEL", "the guide names no way to apply")
    for i, channel in enumerate(guide.channels):
        _check_channel(f"guide.channels[{i}]", channel, bad)
    if not guide.steps:
        bad("guide.steps", "NO_STEPS", "the guide lists no processing steps")
    for i, step in enumerate(guide.steps):
        if not step.name.strip():
            bad(f"guide.steps[{i}].name", "REQUIRED", f"step {i + 1} needs a name")
    _check_fees(guide.fees, bad)
    for field, phone in (
        ("guide.consultationPhone", guide.consultation_phone),
        ("guide.complaintPhone", guide.complaint_phone),
    ):
        if not PHONE_RE.match(phone):
            bad(field, "INVALID_PHONE", f"{phone!r} is not a telephone number", phone=phone)
    if not guide.result.name.strip():
        bad("guide.result.name", "REQUIRED", "name the result (e.g. the licence issued)")


def _check_sizes(guide: MatterGuide, bad: Bad) -> None:
    sizes = {
        "legalBasis": len(guide.legal_basis),
        "conditions": len(guide.conditions),
        "channels": len(guide.channels),
        "steps": len(guide.steps),
        "fees.items": len(guide.fees.items),
    }
    for name, size in sizes.items():
        if size > MAX_ENTRIES[name]:
            most = MAX_ENTRIES[name]
            bad(f"guide.{name}", "TOO_MANY_ENTRIES", f"at most {most} entries", max=most)


def _check_channel(field: str, channel: ApplicationChannel, bad: Bad) -> None:
    if channel.kind == "online" and not channel.url.startswith("https://"):
        bad(f"{field}.url", "INVALID_URL", "an online channel needs an https:// address")
    if channel.kind in ("window", "post") and not channel.address.strip():
        bad(f"{field}.address", "REQUIRED", f"a {channel.kind} channel needs an address")
    if channel.kind == "window" and not channel.hours.strip():
        bad(f"{field}.hours", "REQUIRED", "a window needs its opening hours")


def _check_fees(fees: Fees, bad: Bad) -> None:
    if fees.free and fees.items:
        bad("guide.fees", "FEES_FREE_WITH_ITEMS", "a free matter lists no fee items")
    if not fees.free and not fees.items:
        bad("guide.fees", "FEES_MISSING", "either mark the matter free or list its fees")
    for i, item in enumerate(fees.items):
        field = f"guide.fees.items[{i}]"
        if not item.name.strip():
            bad(f"{field}.name", "REQUIRED", "a fee item needs a name")
        if (item.amount_fen is not None) == bool(item.formula.strip()):
            bad(
                field,
                "FEE_AMOUNT_OR_FORMULA",
                "a fee item has either an amount or a formula, not both or neither",
            )
        if item.amount_fen is not None and not 0 < item.amount_fen <= MAX_FEE_FEN:
            bad(
                f"{field}.amountFen",
                "FEE_AMOUNT_OUT_OF_RANGE",
                f"a fee is between 1 fen and {MAX_FEE_FEN} fen",
                max=MAX_FEE_FEN,
            )
        if not item.legal_basis.law.strip():
            # Licensing Law Art. 58: no fee without a law or administrative regulation for it.
            bad(f"{field}.legalBasis.law", "REQUIRED", "a fee needs the law that provides for it")
