"""Identifier rules: resident ID numbers (GB 11643), unified social credit codes (GB 32100),
region codes (GB/T 2260), case numbers, and masking of personal data."""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

import msgspec

from tongban.errors import ValidationError

_ID_WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]
_ID_CHECK = "10X98765432"
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = [3**i % 31 for i in range(17)]


def _mod11_check(digits: str) -> str:
    n = len(digits)
    total = sum(int(d) * (2 ** (n - i) % 11) for i, d in enumerate(digits))
    return _ID_CHECK[total % 11]


def resident_id_check_char(first17: str) -> str:
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def validate_resident_id(value: str, *, field: str = "idNumber") -> str:
    v = value.strip().upper()
    if not re.fullmatch(r"[0-9]{17}[0-9X]", v):
        raise ValidationError(
            "a resident ID number has 17 digits and a check digit or X", field=field
        )
    try:
        date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        raise ValidationError(
            "the resident ID number holds no real birth date", field=field
        ) from None
    expected = resident_id_check_char(v[:17])
    if v[17] != expected:
        raise ValidationError(
            f"the resident ID number's check character is wrong (expected {expected})", field=field
        )
    return v


class CreditCodeResult(msgspec.Struct, frozen=True):
    code: str
    warning: str | None = None


def credit_code_check_char(first17: str) -> str:
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31]


def validate_credit_code(
    value: str,
    *,
    allow_list: frozenset[str] = frozenset(),
    mode: Literal["reject", "warn"] = "reject",
    field: str = "creditCode",
) -> CreditCodeResult:
    v = value.strip().upper()
    if len(v) != 18 or any(c not in _USCC_CHARS for c in v):
        raise ValidationError(
            "a unified social credit code has 18 characters from 0-9 and A-Y without I, O, S, V, Z",
            field=field,
        )
    expected = credit_code_check_char(v[:17])
    if v[17] == expected:
        return CreditCodeResult(v)
    # Some early real codes fail the check (GB 32100 was applied before all were reissued).
    if v in allow_list or mode == "warn":
        return CreditCodeResult(v, f"check character differs (expected {expected}); accepted")
    raise ValidationError(
        f"the credit code's check character is wrong (expected {expected})", field=field
    )


def validate_region_code(value: str, *, field: str = "regionCode") -> str:
    v = value.strip()
    if not re.fullmatch(r"[0-9]{6}([0-9]{3})?", v) or v.startswith("00"):
        raise ValidationError(f"{value!r} is not a GB/T 2260 region code", field=field)
    return v


def make_case_number(region_code: str, day: date, seq: int) -> str:
    """6-digit region + YYYYMMDD + 6-digit daily sequence + a MOD 11-2 check character."""
    if not re.fullmatch(r"[0-9]{6}", region_code):
        raise ValueError(f"bad region code {region_code!r}")
    if not 1 <= seq <= 999_999:
        raise ValueError("daily sequence out of range")
    body = f"{region_code}{day:%Y%m%d}{seq:06d}"
    return body + _mod11_check(body)


def validate_case_number(value: str, *, field: str = "caseNumber") -> str:
    v = value.strip().upper()
    if not re.fullmatch(r"[0-9]{20}[0-9X]", v) or _mod11_check(v[:20]) != v[20]:
        raise ValidationError(f"{value!r} is not a valid case number", field=field)
    return v


def validate_mobile(value: str, *, field: str = "mobile") -> str:
    v = re.sub(r"[\s-]", "", value)
    v = v.removeprefix("+86")
    if not re.fullmatch(r"1[3-9][0-9]{9}", v):
        raise ValidationError("a mobile number has 11 digits starting with 13–19", field=field)
    return v


def validate_email(value: str, *, field: str = "email") -> str:
    v = value.strip()
    if len(v) > 254 or not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", v):
        raise ValidationError("not a valid e-mail address", field=field)
    return v


def mask_id_number(value: str) -> str:
    return value[:4] + "*" * (len(value) - 8) + value[-4:] if len(value) > 8 else "*" * len(value)


def mask_phone(value: str) -> str:
    return value[:3] + "****" + value[-4:] if len(value) >= 11 else "*" * len(value)


def mask_email(value: str) -> str:
    local, _, domain = value.partition("@")
    return f"{local[:1]}***@{domain}"
