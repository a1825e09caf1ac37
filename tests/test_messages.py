"""Every code an error can carry has a category front ends know and wording in both languages."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import string
import typing
from pathlib import Path

import pytest

import tongban
from tongban.api import errors as api_errors
from tongban.api.errors import ErrorCode
from tongban.auth.errors import TokenProblem
from tongban.errors import DomainError, default_problem
from tongban.messages import CATALOGUE, localise, pick_language

SRC = Path(tongban.__file__).parent
CJK = re.compile(r"[\u4e00-\u9fff]")


def _all_subclasses(cls: type[DomainError]) -> set[type[DomainError]]:
    found: set[type[DomainError]] = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_all_subclasses(sub)}
    return found


@pytest.fixture(scope="module")
def error_classes() -> set[type[DomainError]]:
    # Import every module, so that every subclass of DomainError exists to be walked.
    for module in pkgutil.walk_packages([str(SRC)], prefix="tongban."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    return {DomainError, *_all_subclasses(DomainError)}


def _literal(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def raised_problem_codes() -> set[str]:
    """Problem codes written at raise sites: ``problem="…"``, ``Problem(field, "…", …)``, the
    catalogue's ``bad(field, "…", …)`` and ``Refusal(status, reason, "…")``."""
    codes: set[str] = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            wanted = ("problem", "code") if name == "Problem" else ("problem",)
            for keyword in node.keywords:
                if keyword.arg in wanted and (value := _literal(keyword.value)) is not None:
                    codes.add(value)
            position = {"Problem": 1, "one": 1, "bad": 1, "Refusal": 2}.get(name)
            if position is not None and len(node.args) > position:
                value = _literal(node.args[position])
                codes |= {value} if value is not None else set()
    return codes


def test_every_entry_has_chinese_and_english() -> None:
    for code, entry in CATALOGUE.items():
        assert entry.zh.strip() and entry.en.strip(), code
        assert CJK.search(entry.zh), f"{code}: the Chinese wording has no Chinese"
        assert not CJK.search(entry.en), f"{code}: the English wording has Chinese"
        for template in (entry.zh, entry.en):
            # A malformed template would fail at the moment a person needs it.
            list(string.Formatter().parse(template))


def test_every_error_class_has_a_known_category_and_wording(
    error_classes: set[type[DomainError]],
) -> None:
    categories = {v.value for v in ErrorCode}
    for cls in error_classes:
        assert cls.code in categories, f"{cls.__name__}.code {cls.code} is not an ErrorCode"
        assert cls.code in CATALOGUE, cls.code
        assert default_problem(cls) in CATALOGUE, f"{cls.__name__}: {default_problem(cls)}"


def test_every_raised_problem_code_has_wording() -> None:
    raised = raised_problem_codes()
    assert {"REASON_REQUIRED", "TOO_LONG", "INCOMPLETE_NOTICE", "BODY_TOO_LARGE"} <= raised
    missing = sorted(c for c in raised if c not in CATALOGUE)
    assert missing == []


def test_every_token_reason_and_refusal_has_wording() -> None:
    for reason in typing.get_args(TokenProblem):
        assert f"TOKEN_{reason.upper()}" in CATALOGUE
    refusal_codes = {
        *api_errors.HTTP_CODES.values(),
        *api_errors._STRAWBERRY_REFUSALS.values(),
        api_errors.QUERY_TOO_COMPLEX,
        api_errors.QUERY_TOO_COSTLY,
        api_errors.QUERY_TIMEOUT,
        api_errors.RESPONSE_TOO_LARGE,
        api_errors.RATE_LIMITED,
        api_errors.PERSISTED_QUERY_NOT_ALLOWED,
        api_errors.RATE_LIMIT_UNAVAILABLE,
        "GRAPHQL_PARSE_FAILED",
        "GRAPHQL_VALIDATION_FAILED",
        "BAD_USER_INPUT",
        "INTERNAL_SERVER_ERROR",
    }
    assert sorted(c for c in refusal_codes if c not in CATALOGUE) == []


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, "zh"),
        ("", "zh"),
        ("en", "en"),
        ("en-US,en;q=0.9", "en"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("en-GB;q=0.8, zh;q=0.4", "en"),
        ("zh;q=0.4, en-GB;q=0.8", "en"),
        ("fr, en;q=0.1", "en"),
        ("fr, de", "zh"),
        ("en;q=0", "zh"),
        ("*", "zh"),
        ("en;q=0.5.1", "zh"),
    ],
)
def test_the_language_follows_accept_language(header: str | None, language: str) -> None:
    assert pick_language(header) == language


def test_parameters_fill_the_wording_and_codes_read_as_words() -> None:
    assert localise("TOO_LONG", "at most 5 characters", {"max": 5}, lang="zh") == "不能超过 5 个字"
    assert localise("TOO_LONG", "at most 5 characters", {"max": 5}, lang="en") == (
        "at most 5 characters"
    )
    state = {"state": "under_review", "action": "accept"}
    assert localise("INVALID_STATE", "cannot accept …", state, lang="zh") == (
        "办件当前为“审查中”状态，不能受理"
    )
    roles = {"roles": ["intake", "head"]}
    assert localise("ROLE_REQUIRED", "…", roles, lang="en") == "this needs the role intake or head"


def test_a_missing_parameter_falls_back_to_the_category_never_to_nothing() -> None:
    assert localise("CASE_NOT_FOUND", "no case X", fallback="NOT_FOUND", lang="zh") == "记录不存在"
    assert localise("CASE_NOT_FOUND", "no case X", fallback="NOT_FOUND", lang="en") == "no case X"
    assert localise("NO_SUCH_CODE", "as raised", lang="zh") == CATALOGUE["DOMAIN_ERROR"].zh
    assert localise("NO_SUCH_CODE", "as raised", lang="en") == "as raised"
