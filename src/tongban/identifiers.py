"""Identifier rules: resident ID numbers (GB 11643), unified social credit codes (GB 32100),
region codes (GB/T 2260), case numbers, mobile numbers and e-mail addresses, and masking of
personal data for display.

Validators take the raw input, return it normalised and raise
:class:`~tongban.errors.ValidationError` naming ``field`` when it breaks a rule. Messages never
repeat a resident ID number, since they may end up in logs.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal, TypeAlias
from uuid import UUID

import msgspec

from tongban.errors import ValidationError

RegionLevel: TypeAlias = Literal["province", "city", "county", "township"]

_MOD11_CHECK = "10X98765432"
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = tuple(3**i % 31 for i in range(17))
_DIGITS = re.compile(r"[0-9]+")  # not \d, which also matches full-width and other digits


def _mod11_2(digits: str) -> str:
    """ISO 7064 MOD 11-2 check character for a string of ASCII digits (weights 2^(n−i) mod 11)."""
    if not _DIGITS.fullmatch(digits):
        raise ValueError(f"expected ASCII digits, got {digits!r}")
    n = len(digits)
    return _MOD11_CHECK[sum(int(d) * pow(2, n - i, 11) for i, d in enumerate(digits)) % 11]


def _real_date(yyyymmdd: str) -> date | None:
    try:
        return date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return None


# --- Resident ID number (GB 11643) ------------------------------------------------------------


def _upper_check_x(value: str) -> str:
    """``value`` stripped, a trailing check character x written X."""
    v = value.strip()
    return v[:-1] + "X" if v.endswith("x") else v


def resident_id_check_char(first17: str) -> str:
    """The check character ("0"–"9" or "X") for the first 17 digits of a resident ID number."""
    if len(first17) != 17:
        raise ValueError(f"expected 17 digits, got {len(first17)} characters")
    return _mod11_2(first17)


def _resident_id_problem(v: str) -> str | None:
    """Why ``v`` is not a resident ID number, or None when it is one."""
    if len(v) != 18:
        hint = " (15-digit first-generation numbers are not accepted)" if len(v) == 15 else ""
        return f"a resident ID number has 18 characters, not {len(v)}{hint}"
    if not _DIGITS.fullmatch(v[:17]) or v[17] not in _MOD11_CHECK:
        return "a resident ID number is 17 digits followed by a digit or X"
    if _real_date(v[6:14]) is None:
        return "the birth date in the resident ID number (characters 7–14) is not a real date"
    expected = resident_id_check_char(v[:17])
    if v[17] != expected:
        return f"the resident ID number's check character is {v[17]} but should be {expected}"
    return None


def validate_resident_id(value: str, *, field: str = "idNumber") -> str:
    """Check an 18-character resident ID number; return it stripped, with a trailing x as X."""
    v = _upper_check_x(value)
    problem = _resident_id_problem(v)
    if problem is not None:
        raise ValidationError(problem, field=field, problem="INVALID_ID_NUMBER")
    return v


# --- Unified social credit code (GB 32100) ----------------------------------------------------


class CreditCodeResult(msgspec.Struct, frozen=True):
    """An accepted credit code; ``warning`` says why it was accepted although its check fails."""

    code: str
    warning: str | None = None


def credit_code_check_char(first17: str) -> str:
    """The check character for the first 17 characters of a unified social credit code."""
    if len(first17) != 17 or any(c not in _USCC_CHARS for c in first17):
        raise ValueError(f"expected 17 characters from {_USCC_CHARS}, got {first17!r}")
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31]


def validate_credit_code(
    value: str,
    *,
    allow_list: frozenset[str] = frozenset(),
    mode: Literal["reject", "warn"] = "reject",
    field: str = "creditCode",
) -> CreditCodeResult:
    """Check a credit code (stripped, upper-cased). A wrong check character is accepted with a
    warning when the code is on ``allow_list`` or ``mode`` is "warn" (some early real codes fail
    the check); a wrong length or character is always an error."""
    v = value.strip().upper()
    if len(v) != 18:
        raise ValidationError(
            f"a unified social credit code has 18 characters, not {len(v)}",
            field=field,
            problem="INVALID_CREDIT_CODE",
        )
    bad = sorted({c for c in v if c not in _USCC_CHARS})
    if bad:
        raise ValidationError(
            f"a unified social credit code uses only 0-9 and A-Y without I, O, S, V, Z; "
            f"found {', '.join(repr(c) for c in bad)}",
            field=field,
            problem="INVALID_CREDIT_CODE",
        )
    expected = credit_code_check_char(v[:17])
    if v[17] == expected:
        return CreditCodeResult(v)
    wrong = f"the credit code's check character is {v[17]} but should be {expected}"
    if v in {c.strip().upper() for c in allow_list}:
        return CreditCodeResult(v, f"{wrong}; accepted because the code is on the allow-list")
    if mode == "warn":
        return CreditCodeResult(v, f"{wrong}; accepted (check failures only warn)")
    raise ValidationError(wrong, field=field, problem="INVALID_CREDIT_CODE")


# --- Region codes (GB/T 2260; 9-digit township/street codes) ----------------------------------


def _region_problem(v: str) -> str | None:
    """Why ``v`` is not a 6- or 9-digit region code, or None when it is one."""
    if len(v) not in (6, 9) or not _DIGITS.fullmatch(v):
        return "a region code has 6 digits (9 for a township or street)"
    if v[:2] == "00":
        return "a region code's province part (first two digits) cannot be 00"
    if v[2:4] == "00" and v[4:6] != "00":
        return "a region code whose city part (digits 3–4) is 00 must end in 00 as well"
    if len(v) == 9 and v[2:6] == "0000":
        return "a township code (9 digits) cannot start with a province code"
    if len(v) == 9 and v[6:] == "000":
        return "a township code's last three digits cannot be 000"
    return None


def validate_region_code(value: str, *, field: str = "regionCode") -> str:
    """Check a 6-digit GB/T 2260 code (or a 9-digit township/street code); return it stripped."""
    v = value.strip()
    problem = _region_problem(v)
    if problem is not None:
        raise ValidationError(
            f"{problem}; got {value!r}", field=field, problem="INVALID_REGION_CODE"
        )
    return v


def region_level_of(code: str) -> RegionLevel:
    """xx0000 province, xxxx00 city, other 6-digit codes county, 9-digit codes township."""
    v = validate_region_code(code)
    if len(v) == 9:
        return "township"
    if v[2:] == "0000":
        return "province"
    return "city" if v[4:] == "00" else "county"


def parent_region_code(code: str) -> str | None:
    """The enclosing region: township → its 6-digit county (or city without counties, e.g.
    441900 Dongguan), county → city (110105 → 110100), city → province, province → None."""
    v = validate_region_code(code)
    level = region_level_of(v)
    if level == "township":
        return v[:6]
    if level == "county":
        return v[:4] + "00"
    return v[:2] + "0000" if level == "city" else None


# --- Case numbers (办件编号) -------------------------------------------------------------------


def make_case_number(region_code: str, day: date, seq: int) -> str:
    """6-digit region + YYYYMMDD + 6-digit daily sequence + MOD 11-2 check: 21 characters."""
    if len(region_code) != 6 or _region_problem(region_code) is not None:
        raise ValueError(f"bad region code {region_code!r} (6 digits needed)")
    if not 1 <= seq <= 999_999:
        raise ValueError(f"daily sequence {seq} is outside 1..999999")
    body = f"{region_code}{day.year:04d}{day.month:02d}{day.day:02d}{seq:06d}"
    return body + _mod11_2(body)


def _case_number_problem(v: str) -> str | None:
    """Why ``v`` is not a case number, or None when it is one."""
    if len(v) != 21:
        return f"a case number has 21 characters, not {len(v)}"
    if not _DIGITS.fullmatch(v[:20]) or v[20] not in _MOD11_CHECK:
        return f"a case number is 20 digits followed by a digit or X; got {v!r}"
    if _region_problem(v[:6]) is not None:
        return f"case number {v} does not start with a region code"
    if _real_date(v[6:14]) is None:
        return f"the date in case number {v} is not a real date"
    if v[14:20] == "000000":
        return f"the daily sequence in case number {v} is 000000"
    expected = _mod11_2(v[:20])
    if v[20] != expected:
        return f"the check character of case number {v} is {v[20]} but should be {expected}"
    return None


def validate_case_number(value: str, *, field: str = "caseNumber") -> str:
    """Check a case number; return it stripped, with a trailing x as X."""
    v = _upper_check_x(value)
    problem = _case_number_problem(v)
    if problem is not None:
        raise ValidationError(problem, field=field, problem="INVALID_CASE_NUMBER")
    return v


# --- Contact details --------------------------------------------------------------------------

_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_EMAIL_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+")
_EMAIL_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?")


def validate_mobile(value: str, *, field: str = "mobile") -> str:
    """A mainland mobile number: 11 digits starting 13–19; spaces, hyphens and +86 are removed."""
    v = re.sub(r"[\s-]", "", value).removeprefix("+86")
    if not _MOBILE.fullmatch(v):
        raise ValidationError(
            "a mainland mobile number has 11 digits starting with 13–19 (optionally after +86)",
            field=field,
            problem="INVALID_MOBILE",
        )
    return v


def validate_email(value: str, *, field: str = "email") -> str:
    """A plain ASCII address ``local@domain.tld``; returned stripped."""
    v = value.strip()
    local, at, domain = v.rpartition("@")
    labels = domain.split(".")
    if (
        not at
        or len(v) > 254
        or len(local) > 64
        or not _EMAIL_LOCAL.fullmatch(local)
        or local.startswith(".")
        or local.endswith(".")
        or ".." in local
        or len(labels) < 2
        or not all(_EMAIL_LABEL.fullmatch(label) for label in labels)
        or not labels[-1].isalpha()
    ):
        raise ValidationError(
            "not a valid e-mail address (expected name@example.com)",
            field=field,
            problem="INVALID_EMAIL",
        )
    return v


# --- Masking for display ----------------------------------------------------------------------


def mask_id_number(value: str) -> str:
    """Keep the first 4 and last 4 characters: 4405**********5368. Short values: all stars."""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    """Keep the first 3 and last 4 characters: 138****5678. Short values: all stars."""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_email(value: str) -> str:
    """Keep the first character of the local part and the domain: z***@example.com."""
    local, at, domain = value.rpartition("@")
    if not at:
        return value[:1] + "***"
    return f"{local[:1]}***@{domain}"


def is_uuid(value: str) -> bool:
    """Whether ``value`` is a UUID (department and record ids), so SQL never sees a bad cast."""
    try:
        UUID(value)
    except ValueError:
        return False
    return True


def mask_person_name(value: str) -> str:
    """A person's name as published (结果公示): the first and last character kept, those between
    starred — 张*明, 欧**娜; a two-character name keeps its first: 张*."""
    v = value.strip()
    if len(v) <= 1:
        return "*"
    if len(v) == 2:
        return v[0] + "*"
    return v[0] + "*" * (len(v) - 2) + v[-1]
