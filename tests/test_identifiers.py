"""Identifier rules: check characters, normalisation, error messages and masking."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import msgspec
import pytest

from tongban.errors import ValidationError
from tongban.identifiers import (
    CreditCodeResult,
    credit_code_check_char,
    make_case_number,
    mask_email,
    mask_id_number,
    mask_phone,
    parent_region_code,
    region_level_of,
    resident_id_check_char,
    validate_case_number,
    validate_credit_code,
    validate_email,
    validate_mobile,
    validate_region_code,
    validate_resident_id,
)

VALID_IDS = ["11010519491231002X", "440524188001015368"]
VALID_CREDIT_CODES = ["91350100M000100Y43", "91310110666007217T", "91440101MA5CJQ4N59"]
EARLY_CREDIT_CODE = "91350211M00013FA1N"  # a real early code whose check character fails
MOD11_CHARS = "0123456789X"
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def check_error(exc: pytest.ExceptionInfo[ValidationError], field: str) -> None:
    assert exc.value.field == field
    assert exc.value.code == "VALIDATION"
    assert exc.value.message == str(exc.value)


# --- Resident ID ------------------------------------------------------------------------------


@pytest.mark.parametrize("value", VALID_IDS)
def test_valid_resident_ids_pass(value: str) -> None:
    assert validate_resident_id(value) == value
    assert resident_id_check_char(value[:17]) == value[17]


def test_resident_id_is_stripped_and_a_trailing_x_upper_cased() -> None:
    assert validate_resident_id("  11010519491231002x\n") == "11010519491231002X"


def test_resident_id_weights_are_the_gb_11643_ones() -> None:
    # Weights 7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2: a single 1 in position i sums to weight i.
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    for i, weight in enumerate(weights):
        first17 = "0" * i + "1" + "0" * (16 - i)
        assert resident_id_check_char(first17) == "10X98765432"[weight % 11]


@pytest.mark.parametrize(
    ("value", "match"),
    [
        ("110105194912310021", "check character is 1 but should be X"),
        ("44052418800101536", "18 characters, not 17"),
        ("4405241880010153688", "18 characters, not 19"),
        ("110105491231002", r"not 15 \(15-digit first-generation"),
        ("", "18 characters, not 0"),
        ("4405241880010153A8", "17 digits followed by a digit or X"),
        ("44052418800101536Y", "17 digits followed by a digit or X"),
        ("X40524188001015368", "17 digits followed by a digit or X"),
        ("４40524188001015368", "17 digits followed by a digit or X"),  # full-width digit
        ("440524188002305368", "birth date .* is not a real date"),
        ("440524190002295368", "birth date .* is not a real date"),  # 1900 was no leap year
        ("440524188013015368", "birth date .* is not a real date"),
    ],
)
def test_invalid_resident_ids_are_rejected(value: str, match: str) -> None:
    with pytest.raises(ValidationError, match=match) as exc:
        validate_resident_id(value)
    check_error(exc, "idNumber")
    assert value[:17] not in exc.value.message or len(value) < 17  # the number is not echoed


def test_resident_id_error_names_the_given_field() -> None:
    with pytest.raises(ValidationError) as exc:
        validate_resident_id("110105194912310021", field="applicant.idNumber")
    check_error(exc, "applicant.idNumber")


@pytest.mark.parametrize("first17", ["1234", "1101051949123100211", "11010519491231002A"])
def test_resident_id_check_char_needs_17_ascii_digits(first17: str) -> None:
    with pytest.raises(ValueError):
        resident_id_check_char(first17)


@pytest.mark.parametrize("value", VALID_IDS)
def test_every_single_character_change_of_a_resident_id_is_detected(value: str) -> None:
    for i, original in enumerate(value):
        for replacement in MOD11_CHARS:
            if replacement != original:
                with pytest.raises(ValidationError):
                    validate_resident_id(value[:i] + replacement + value[i + 1 :])


@pytest.mark.parametrize("value", VALID_IDS)
def test_every_adjacent_transposition_of_a_resident_id_is_detected(value: str) -> None:
    for i in range(len(value) - 1):
        if value[i] != value[i + 1]:
            with pytest.raises(ValidationError):
                validate_resident_id(value[:i] + value[i + 1] + value[i] + value[i + 2 :])


# --- Unified social credit code ---------------------------------------------------------------


@pytest.mark.parametrize("value", VALID_CREDIT_CODES)
def test_valid_credit_codes_pass_without_warning(value: str) -> None:
    assert validate_credit_code(value) == CreditCodeResult(value, None)
    assert credit_code_check_char(value[:17]) == value[17]
    # A valid code on the allow-list or in warn mode gets no warning either.
    assert validate_credit_code(value, allow_list=frozenset({value}), mode="warn").warning is None


def test_credit_code_is_stripped_and_upper_cased() -> None:
    assert validate_credit_code(" 91440101ma5cjq4n59 ").code == "91440101MA5CJQ4N59"


def test_credit_code_result_is_a_frozen_struct() -> None:
    result = validate_credit_code(VALID_CREDIT_CODES[0])
    assert isinstance(result, msgspec.Struct)
    with pytest.raises(AttributeError):
        result.code = "x"  # type: ignore[misc]


def test_an_early_code_that_fails_the_check_is_rejected_by_default() -> None:
    with pytest.raises(ValidationError, match="check character is N but should be ") as exc:
        validate_credit_code(EARLY_CREDIT_CODE)
    check_error(exc, "creditCode")


def test_an_early_code_on_the_allow_list_is_accepted_with_a_warning() -> None:
    result = validate_credit_code(EARLY_CREDIT_CODE, allow_list=frozenset({EARLY_CREDIT_CODE}))
    assert result.code == EARLY_CREDIT_CODE
    assert result.warning is not None
    assert "allow-list" in result.warning
    assert f"should be {credit_code_check_char(EARLY_CREDIT_CODE[:17])}" in result.warning


def test_allow_list_entries_and_input_are_compared_normalised() -> None:
    listed = frozenset({f" {EARLY_CREDIT_CODE.lower()} "})
    result = validate_credit_code(EARLY_CREDIT_CODE, allow_list=listed)
    assert result.warning is not None
    assert validate_credit_code(EARLY_CREDIT_CODE.lower(), allow_list=listed).code == (
        EARLY_CREDIT_CODE
    )


def test_the_allow_list_does_not_admit_other_failing_codes() -> None:
    with pytest.raises(ValidationError) as exc:
        validate_credit_code(
            "91350100M000100Y44", allow_list=frozenset({EARLY_CREDIT_CODE}), field="org"
        )
    check_error(exc, "org")


def test_warn_mode_accepts_any_failing_check_with_a_warning() -> None:
    for code in (EARLY_CREDIT_CODE, "91350100M000100Y44"):
        result = validate_credit_code(code, mode="warn")
        assert result.code == code
        assert result.warning is not None
        assert "should be" in result.warning


@pytest.mark.parametrize(
    ("value", "match"),
    [
        ("91350100M000100Y4", "18 characters, not 17"),
        ("91350100M000100Y433", "18 characters, not 19"),
        ("", "18 characters, not 0"),
        ("91350100I000100Y43", "found 'I'"),
        ("91350100O000100S43", "found 'O', 'S'"),
        ("9135010VM00010ZY43", "found 'V', 'Z'"),
        ("91350100M000100Y-3", "found '-'"),
    ],
)
@pytest.mark.parametrize("mode", ["reject", "warn"])
def test_bad_length_or_characters_are_always_errors(value: str, match: str, mode: str) -> None:
    with pytest.raises(ValidationError, match=match) as exc:
        validate_credit_code(
            value,
            allow_list=frozenset({value}),
            mode="warn" if mode == "warn" else "reject",
            field="applicant.creditCode",
        )
    check_error(exc, "applicant.creditCode")


@pytest.mark.parametrize("first17", ["9135010", "91350100I000100Y4"])
def test_credit_code_check_char_needs_17_code_characters(first17: str) -> None:
    with pytest.raises(ValueError):
        credit_code_check_char(first17)


@pytest.mark.parametrize("value", VALID_CREDIT_CODES)
def test_every_single_character_change_of_a_credit_code_is_detected(value: str) -> None:
    for i, original in enumerate(value):
        for replacement in USCC_CHARS:
            if replacement != original:
                with pytest.raises(ValidationError):
                    validate_credit_code(value[:i] + replacement + value[i + 1 :])


# --- Case numbers -----------------------------------------------------------------------------


def test_case_number_layout() -> None:
    number = make_case_number("440106", date(2026, 3, 2), 42)
    assert len(number) == 21
    assert number[:20] == "44010620260302000042"
    assert number[20] in MOD11_CHARS
    assert validate_case_number(number) == number


@pytest.mark.parametrize(
    ("region", "day", "seq"),
    [
        ("440106", date(2026, 3, 2), 1),
        ("110105", date(2024, 2, 29), 999_999),
        ("441900", date(2025, 12, 31), 123_456),
        ("110000", date(999, 1, 1), 7),  # years below 1000 are still zero-padded to 4 digits
    ],
)
def test_case_number_round_trip(region: str, day: date, seq: int) -> None:
    number = make_case_number(region, day, seq)
    assert validate_case_number(number) == number
    assert number[:6] == region
    assert date(int(number[6:10]), int(number[10:12]), int(number[12:14])) == day
    assert int(number[14:20]) == seq


def test_case_number_check_is_mod_11_2_over_the_digits() -> None:
    # For 17 leading digits the generalised weights are exactly the resident ID ones.
    for seq in range(1, 400):
        number = make_case_number("440106", date(2026, 3, 2), seq)
        n = 20
        total = sum(int(d) * (2 ** (n - i) % 11) for i, d in enumerate(number[:20]))
        assert number[20] == "10X98765432"[total % 11]


def test_case_numbers_with_an_x_check_exist_and_accept_a_lower_case_x() -> None:
    numbers = (make_case_number("440106", date(2026, 3, 2), s) for s in range(1, 100))
    with_x = next(n for n in numbers if n.endswith("X"))
    assert validate_case_number(f" {with_x[:20]}x ") == with_x


@pytest.mark.parametrize("seq", [0, -1, 1_000_000])
def test_make_case_number_rejects_a_sequence_out_of_range(seq: int) -> None:
    with pytest.raises(ValueError, match=r"outside 1\.\.999999"):
        make_case_number("440106", date(2026, 3, 2), seq)


@pytest.mark.parametrize("region", ["44010", "4401060", "440106005", "44A106", "000106", "440010"])
def test_make_case_number_rejects_a_bad_region_code(region: str) -> None:
    with pytest.raises(ValueError, match="bad region code"):
        make_case_number(region, date(2026, 3, 2), 1)


def _with_check(body: str) -> str:
    n = len(body)
    return body + "10X98765432"[sum(int(d) * (2 ** (n - i) % 11) for i, d in enumerate(body)) % 11]


@pytest.mark.parametrize(
    ("value", "match"),
    [
        ("44010620260302000042", "21 characters, not 20"),
        ("4401062026030200004212", "21 characters, not 22"),
        ("44010620260302A000042", "20 digits followed by a digit or X"),
        ("4401062026030200004Y1", "20 digits followed by a digit or X"),
        (_with_check("00010620260302000042"), "does not start with a region code"),
        (_with_check("44010620260230000042"), "is not a real date"),
        (_with_check("44010620261302000042"), "is not a real date"),
        (_with_check("44010620260302000000"), "daily sequence .* is 000000"),
    ],
)
def test_invalid_case_numbers_are_rejected(value: str, match: str) -> None:
    with pytest.raises(ValidationError, match=match) as exc:
        validate_case_number(value, field="number")
    check_error(exc, "number")


def test_a_wrong_case_number_check_character_names_the_expected_one() -> None:
    number = make_case_number("440106", date(2026, 3, 2), 42)
    wrong = "0" if number[20] != "0" else "1"
    with pytest.raises(ValidationError, match=f"is {wrong} but should be {number[20]}") as exc:
        validate_case_number(number[:20] + wrong)
    check_error(exc, "caseNumber")


@pytest.mark.parametrize("seq", [1, 42, 777_777, 999_999])
def test_every_single_character_change_of_a_case_number_is_detected(seq: int) -> None:
    number = make_case_number("440106", date(2026, 3, 2), seq)
    for i, original in enumerate(number):
        for replacement in MOD11_CHARS:
            if replacement != original:
                with pytest.raises(ValidationError):
                    validate_case_number(number[:i] + replacement + number[i + 1 :])


def test_every_adjacent_transposition_of_a_case_number_is_detected() -> None:
    number = make_case_number("440106", date(2026, 3, 2), 123_456)
    for i in range(len(number) - 1):
        if number[i] != number[i + 1]:
            with pytest.raises(ValidationError):
                validate_case_number(number[:i] + number[i + 1] + number[i] + number[i + 2 :])


# --- Region codes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "level", "parent"),
    [
        ("440000", "province", None),
        ("440100", "city", "440000"),
        ("440106", "county", "440100"),
        ("440106005", "township", "440106"),
        ("110000", "province", None),
        ("110100", "city", "110000"),
        ("110105", "county", "110100"),  # municipality districts sit under 1101xx
        ("441900003", "township", "441900"),  # Dongguan has townships directly under the city
        ("419001", "county", "419000"),
    ],
)
def test_region_levels_and_parents(code: str, level: str, parent: str | None) -> None:
    assert validate_region_code(code) == code
    assert region_level_of(code) == level
    assert parent_region_code(code) == parent


def test_parent_chain_of_a_township_ends_at_the_province() -> None:
    chain = ["440106005"]
    while (parent := parent_region_code(chain[-1])) is not None:
        chain.append(parent)
    assert chain == ["440106005", "440106", "440100", "440000"]


def test_region_code_is_stripped() -> None:
    assert validate_region_code(" 440106 ") == "440106"


@pytest.mark.parametrize(
    ("value", "match"),
    [
        ("44A", "has 6 digits"),
        ("44010", "has 6 digits"),
        ("4401060", "has 6 digits"),
        ("4401060051", "has 6 digits"),
        ("44010６", "has 6 digits"),
        ("", "has 6 digits"),
        ("000000", "province part .* cannot be 00"),
        ("001234", "province part .* cannot be 00"),
        ("440010", "city part .* must end in 00"),
        ("440000001", "cannot start with a province code"),
        ("440106000", "last three digits cannot be 000"),
    ],
)
def test_invalid_region_codes_are_rejected(value: str, match: str) -> None:
    with pytest.raises(ValidationError, match=match) as exc:
        validate_region_code(value, field="code")
    check_error(exc, "code")
    with pytest.raises(ValidationError) as exc:
        validate_region_code(value)
    check_error(exc, "regionCode")


@pytest.mark.parametrize("fn", [region_level_of, parent_region_code])
def test_level_and_parent_reject_invalid_codes(fn: Callable[[str], object]) -> None:
    with pytest.raises(ValidationError) as exc:
        fn("000100")
    check_error(exc, "regionCode")


# --- Contact details --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13812345678", "13812345678"),
        ("19912345678", "19912345678"),
        ("+8613812345678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        (" 138 1234 5678 ", "13812345678"),
    ],
)
def test_valid_mobiles_are_normalised(value: str, expected: str) -> None:
    assert validate_mobile(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "12345",
        "12812345678",
        "10012345678",
        "1381234567",
        "138123456789",
        "+8512345678901",
        "8613812345678",
        "1381234567a",
        "１3812345678",
        "",
    ],
)
def test_invalid_mobiles_are_rejected(value: str) -> None:
    with pytest.raises(ValidationError, match="11 digits starting with 13–19") as exc:
        validate_mobile(value)
    check_error(exc, "mobile")
    with pytest.raises(ValidationError) as exc:
        validate_mobile(value, field="applicant.mobile")
    check_error(exc, "applicant.mobile")


@pytest.mark.parametrize(
    "value",
    ["zhang@example.com", "li.si+gov@mail.example.cn", "a@b.co", "o'neil@sub-domain.example.org"],
)
def test_valid_emails_pass(value: str) -> None:
    assert validate_email(f"  {value} ") == value


@pytest.mark.parametrize(
    "value",
    [
        "",
        "zhang",
        "zhang@",
        "@example.com",
        "zhang@example",
        "zhang@@example.com",
        "zh ang@example.com",
        "zhang@exa mple.com",
        ".zhang@example.com",
        "zhang.@example.com",
        "zh..ang@example.com",
        "zhang@example..com",
        "zhang@-example.com",
        "zhang@example.c0m",
        "zhang@example.com.",
        "张@example.com",
        "a" * 65 + "@example.com",
        "a@" + "b" * 250 + ".com",
    ],
)
def test_invalid_emails_are_rejected(value: str) -> None:
    with pytest.raises(ValidationError, match="not a valid e-mail address") as exc:
        validate_email(value, field="applicant.email")
    check_error(exc, "applicant.email")
    with pytest.raises(ValidationError) as exc:
        validate_email(value)
    check_error(exc, "email")


# --- Masking ----------------------------------------------------------------------------------


def test_mask_id_number() -> None:
    assert mask_id_number("440524188001015368") == "4405**********5368"
    assert mask_id_number("11010519491231002X") == "1101**********002X"
    assert mask_id_number("12345678") == "********"
    assert mask_id_number("") == ""


def test_mask_phone() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("1234567") == "*******"
    assert mask_phone("") == ""


def test_mask_email() -> None:
    assert mask_email("zhang@example.com") == "z***@example.com"
    assert mask_email("z@example.com") == "z***@example.com"
    assert mask_email("not-an-address") == "n***"
    assert mask_email("") == "***"
