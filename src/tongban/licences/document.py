"""The licence's PDF: what the holder keeps, prints and shows; its SHA-256 is what is signed.

reportlab's built-in CID font STSong-Light (Adobe-GB1) draws Chinese without a font file in the
image; ``invariant`` leaves out the creation time and random document id, so the same licence
always gives the same bytes.
"""

from __future__ import annotations

import io
from datetime import date
from functools import cache

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from tongban.licences.types import Licence

FONT = "STSong-Light"


@cache
def _font() -> str:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def validity_words(valid_from: date, valid_until: date | None) -> str:
    """有效期限 as the licence and its notice say it: 2026年3月2日至2031年3月1日, or 至长期."""
    end = "长期" if valid_until is None else _day(valid_until)
    return f"{_day(valid_from)}至{end}"


def _day(value: date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def render(licence: Licence) -> bytes:
    """The licence as a one-page A4 PDF."""
    font = _font()
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4, invariant=True)
    page.setTitle(f"{licence.type_name} {licence.number}")
    width, height = A4
    page.setFont(font, 26)
    page.drawCentredString(width / 2, height - 120, licence.type_name)
    page.setFont(font, 12)
    page.drawCentredString(width / 2, height - 150, "（电子证照）")
    lines = [
        ("证照编号", licence.number),
        ("持证主体", licence.holder_name),
        (
            "统一社会信用代码" if licence.holder_kind == "organisation" else "身份证件号码",
            licence.holder_identifier,
        ),
        ("发证机关", licence.issuer_name),
        ("发证日期", _day(licence.issued_on)),
        ("有效期限", validity_words(licence.valid_from, licence.valid_until)),
        ("决定文书编号", licence.result_number or "无"),
    ]
    y = height - 220
    for label, value in lines:
        page.setFont(font, 13)
        page.drawString(90, y, f"{label}：{value}")
        y -= 32
    page.setFont(font, 9)
    page.drawString(
        90, 90, "本证照附有发证机关的电子签名，可凭证照编号及本文件的SHA-256摘要在通办平台核验。"
    )
    page.showPage()
    page.save()
    return out.getvalue()
