"""Templates: every default is well-formed, and publishing checks every placeholder."""

import pytest

from tongban.notifications import templates
from tongban.notifications.template_texts import DEFAULTS
from tongban.notifications.templates import KINDS, Template, check, render


@pytest.mark.parametrize("key", sorted(DEFAULTS))
def test_every_default_passes_the_publishing_check(key: tuple[str, str]) -> None:
    assert check(DEFAULTS[key]) == []


def test_a_default_exists_for_every_kind_on_both_channels() -> None:
    assert {(kind, channel) for kind in KINDS for channel in ("sms", "email")} == set(DEFAULTS)


def test_the_steps_that_matter_to_applicants_and_officers_have_defaults() -> None:
    applicant = {
        "received",
        "supplement_requested",
        "accepted",
        "extended",
        "special_procedure",
        "decided",
        "ready_for_delivery",
        "rating_invitation",
    }
    officer = {"deadline_yellow", "deadline_red", "deadline_escalation"}
    assert applicant <= {k for k, v in KINDS.items() if v.audience == "applicant"}
    assert officer == {k for k, v in KINDS.items() if v.audience == "officer"}
    assert DEFAULTS[("deadline_red", "sms")].urgent and not DEFAULTS[("accepted", "sms")].urgent


def test_defaults_use_the_values_their_step_is_about() -> None:
    def uses(kind: str, *names: str) -> bool:
        text = DEFAULTS[(kind, "sms")].body + DEFAULTS[(kind, "email")].body
        return all("${" + n + "}" in text for n in names)

    assert uses("supplement_requested", "missingMaterials", "caseNumber")
    assert uses("accepted", "promisedDueOn")
    assert uses("extended", "extensionDays", "dueOn")
    assert uses("special_procedure", "procedure", "expectedDays")
    assert uses("decided", "decision", "reason")
    assert uses("ready_for_delivery", "collectAt", "resultNumber")
    assert uses("deadline_yellow", "deadline", "dueOn")


def template(body: str, **kw: object) -> Template:
    values: dict[str, object] = {
        "kind": "accepted",
        "channel": "sms",
        "audience": "applicant",
        "version": 1,
        "body": body,
    } | kw
    return Template(**values)  # type: ignore[arg-type]


def test_unknown_malformed_and_unclosed_placeholders_are_all_reported() -> None:
    problems = check(template("办件${caseNumber}于${promisedDate}办结，${ bad}，${caseNumber"))
    assert [(p.field, p.code) for p in problems] == [
        ("body", "UNKNOWN_PLACEHOLDER"),
        ("body", "MALFORMED_PLACEHOLDER"),
        ("body", "MALFORMED_PLACEHOLDER"),
    ]
    assert "promisedDate" in problems[0].message and "promisedDueOn" in problems[0].message


def test_a_placeholder_of_another_kind_is_refused() -> None:
    # missingMaterials belongs to supplement notices, not to acceptance.
    assert [p.code for p in check(template("${missingMaterials}"))] == ["UNKNOWN_PLACEHOLDER"]


def test_email_needs_a_one_line_subject_and_sms_has_none() -> None:
    assert [p.code for p in check(template("正文", channel="email"))] == ["EMPTY_SUBJECT"]
    assert [p.code for p in check(template("正文", channel="email", subject="a\nb"))] == [
        "MULTILINE_SUBJECT"
    ]
    assert [p.code for p in check(template("正文", subject="主题"))] == ["SMS_HAS_NO_SUBJECT"]
    assert [p.code for p in check(template("长" * 501))] == ["TOO_LONG"]


def test_kind_and_audience_are_checked() -> None:
    assert [p.code for p in check(template("x", kind="nope"))] == ["UNKNOWN_KIND"]
    assert [p.code for p in check(template("x", audience="officer"))] == ["WRONG_AUDIENCE"]


def test_a_disabled_template_may_be_empty() -> None:
    assert check(template("", enabled=False)) == []
    assert [p.code for p in check(template(""))] == ["EMPTY_TEXT"]


def test_render_fills_every_placeholder() -> None:
    text = render(
        DEFAULTS[("accepted", "sms")].body,
        {
            "caseNumber": "440106202603020000019",
            "matterName": "企业开办",
            "acceptedOn": "2026年3月2日",
            "promisedDueOn": "2026年3月9日",
        },
    )
    assert text == (
        "您的办件440106202603020000019（企业开办）已于2026年3月2日受理，承诺于2026年3月9日前办结。"
    )
    assert "${" not in text
    assert templates.variables("accepted")["promisedDueOn"] == "承诺办结日期"
