"""The matter guide (办事指南): how its fees read and the text the catalogue search matches."""

from __future__ import annotations

import re

from tongban.catalogue.types import FeeItem, Fees, LegalBasis, MatterGuide

FREE = "免费"

# Numbers an applicant may be told to call: a mobile, a landline with its area code (and an
# extension), a 12xxx government hotline (12345, 12315, 12333 …) or a 95xxx service line.
PHONE_RE = re.compile(
    r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?|12\d{3}|95\d{3,6}|400-?\d{3}-?\d{4})$"
)


def yuan(fen: int) -> str:
    """``1250`` → ``¥12.50``: integer arithmetic, so no amount is ever rounded."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}¥{whole:,}.{cents:02d}"


def fee_display(item: FeeItem) -> str:
    return yuan(item.amount_fen) if item.amount_fen is not None else item.formula


def fees_display(fees: Fees) -> str:
    """One line for a list of matters: 免费, or the items' amounts."""
    if fees.free:
        return FREE
    return "；".join(f"{item.name} {fee_display(item)}" for item in fees.items)


def basis_text(basis: LegalBasis) -> str:
    return f"{basis.law}{basis.article}"


def search_text(guide: MatterGuide | None) -> str:
    """What the catalogue search matches in a guide: legal basis, conditions, steps, window
    addresses, fees and the result's name; written with the guide, and on publishing copied
    into ``matter_search`` under its trigram index."""
    if guide is None:
        return ""
    parts = [basis_text(b) for b in guide.legal_basis]
    parts += guide.conditions
    parts += [f"{s.name} {s.description}" for s in guide.steps]
    parts += [c.address for c in guide.channels]
    parts += [f"{i.name} {i.formula} {basis_text(i.legal_basis)}" for i in guide.fees.items]
    parts.append(guide.result.name)
    return "\n".join(p.strip() for p in parts if p.strip())
