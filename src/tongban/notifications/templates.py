"""Message templates: which notification each event gives, its placeholders, the defaults.

A template is Chinese text with ``${name}`` placeholders. Each notification kind declares the
placeholders it fills; publishing a template that names any other one, or that is malformed,
is refused with the position of the fault. Built-in defaults (version 0, ``template_texts``)
exist for every kind and channel; an admin's published version replaces them.
"""

from __future__ import annotations

import re
from typing import Final, Literal

import msgspec

from tongban.errors import Problem
from tongban.notifications.bundle_templates import BUNDLE_KINDS

Channel = Literal["sms", "email"]
Audience = Literal["applicant", "officer"]

COMMON: Final[dict[str, str]] = {
    "caseNumber": "统一办件编号",
    "matterName": "事项名称",
    "applicantName": "申请人名称",
    "receivedOn": "收件日期",
    "department": "承办部门",
}


class Kind(msgspec.Struct, frozen=True):
    audience: Audience
    title: str
    variables: dict[str, str]


KINDS: Final[dict[str, Kind]] = {
    "received": Kind("applicant", "已收件", {}),
    "supplement_requested": Kind(
        "applicant",
        "一次性告知补正",
        {
            "missingMaterials": "须补正的全部材料",
            "note": "经办说明",
            "periodDays": "补正期限（工作日）",
            "dueOn": "补正截止日期",
        },
    ),
    "supplement_partly_received": Kind(
        "applicant",
        "补正材料部分收到",
        {"outstandingMaterials": "仍须补正的材料", "dueOn": "补正截止日期"},
    ),
    # 终止办理 — not a refusal: the application ends because the applicant did not do their part.
    "closed_no_supplement": Kind(
        "applicant",
        "逾期未补正，终止办理",
        {"dueOn": "补正截止日期", "missingMaterials": "未补正的材料"},
    ),
    "closed_no_show": Kind(
        "applicant", "未参加听证，终止办理", {"procedure": "程序名称", "reason": "说明"}
    ),
    "accepted": Kind(
        "applicant",
        "已受理",
        {
            "acceptedOn": "受理日期",
            "promisedDueOn": "承诺办结日期",
            "statutoryDueOn": "法定办结日期",
        },
    ),
    # 容缺受理: the acceptance, and later the approval, say what is owed and by when.
    "accepted_deferred": Kind(
        "applicant",
        "容缺受理",
        {
            "acceptedOn": "受理日期",
            "promisedDueOn": "承诺办结日期",
            "statutoryDueOn": "法定办结日期",
            "owedMaterials": "须补交的容缺材料",
            "owedDueOn": "补交截止日期",
        },
    ),
    "owed_materials_received": Kind(
        "applicant",
        "容缺材料已收到",
        {"receivedMaterials": "本次收到的材料", "outstandingMaterials": "仍须补交的材料"},
    ),
    "extended": Kind(
        "applicant",
        "延长办理期限",
        {"extensionDays": "延长工作日数", "dueOn": "延长后办结日期", "reason": "延长理由"},
    ),
    "special_procedure": Kind(
        "applicant",
        "特别程序",
        {"procedure": "特别程序名称", "expectedDays": "预计所需工作日", "reason": "原因"},
    ),
    "decided": Kind(
        "applicant", "不予许可（核准、确认、给付）决定", {"decision": "决定", "reason": "理由"}
    ),
    "ready_for_delivery": Kind(
        "applicant",
        "准予许可（核准、确认、给付），待领取",
        {
            "decision": "决定",
            "resultNumber": "证照或文书编号",
            "collectAt": "领取地点",
            "deliveryDueOn": "送达期限",
        },
    ),
    # 告知承诺制: approved on the spot on the commitment; the verification is announced.
    "approved_on_commitment": Kind(
        "applicant",
        "告知承诺审批决定",
        {
            "decision": "决定",
            "resultNumber": "证照或文书编号",
            "collectAt": "领取地点",
            "deliveryDueOn": "送达期限",
            "verificationDays": "核查工作日数",
            "verificationDueOn": "核查截止日期",
        },
    ),
    "licence_issued": Kind(
        "applicant",
        "电子证照已签发",
        {
            "licenceName": "证照名称",
            "licenceNumber": "证照编号",
            "validity": "有效期限",
        },
    ),
    "verification_passed": Kind("applicant", "告知承诺核查通过", {"findings": "核查情况"}),
    "commitment_revoked": Kind(
        "applicant",
        "承诺不实，撤销决定",
        {
            "committedOn": "承诺日期",
            "conditions": "承诺内容",
            "findings": "核查情况",
            "decision": "被撤销的决定",
            "resultNumber": "证照或文书编号",
        },
    ),
    "ready_for_delivery_deferred": Kind(
        "applicant",
        "容缺准予，待领取",
        {
            "decision": "决定",
            "resultNumber": "证照或文书编号",
            "collectAt": "领取地点",
            "deliveryDueOn": "送达期限",
            "owedMaterials": "须补交的容缺材料",
            "owedDueOn": "补交截止日期",
        },
    ),
    "rating_invitation": Kind("applicant", "邀请评价", {}),
    # 送达 (Art. 44), one notice per method: each says how the result reached the applicant.
    "delivered_window": Kind(
        "applicant",
        "已送达（窗口领取）",
        {"deliveredOn": "送达日期", "collectedBy": "领取人", "resultNumber": "证照或文书编号"},
    ),
    "delivered_post": Kind(
        "applicant",
        "已送达（邮寄）",
        {
            "deliveredOn": "送达日期",
            "carrier": "寄递企业",
            "trackingNumber": "邮件单号",
            "collectedBy": "签收人",
            "resultNumber": "证照或文书编号",
        },
    ),
    "delivered_electronic": Kind(
        "applicant",
        "已送达（电子送达）",
        {
            "deliveredOn": "送达日期",
            "downloadUrl": "决定书下载链接",
            "linkDays": "链接有效天数",
            "resultNumber": "证照或文书编号",
        },
    ),
    "follow_up_completed": Kind("applicant", "差评整改完成", {"actions": "整改情况"}),
    # Art. 32 (2): outside the agency's powers, and the applicant is told where to apply.
    "refused": Kind("applicant", "不予受理", {"reason": "理由", "competentAgency": "有权机关"}),
    # Art. 32 (1): no licence is needed at all; nobody else to apply to, so no agency named.
    "not_applicable": Kind("applicant", "不需要取得行政许可", {"reason": "说明"}),
    "withdrawn": Kind("applicant", "已撤回", {}),
    **{
        kind: Kind("applicant", title, {"newDepartment": "新承办部门", "reason": "原因"})
        for kind, title in (("handed_up", "报请上级办理"), ("transferred", "移送办理"))
    },
    "revoked": Kind(
        "applicant",
        "决定已撤销",
        {"decision": "被撤销的决定", "resultNumber": "证照或文书编号", "reason": "理由"},
    ),
    **{
        f"deadline_{level}": Kind(
            "officer",
            title,
            {"deadline": "期限名称", "dueOn": "到期日", "level": "预警级别"},
        )
        for level, title in (("yellow", "黄牌预警"), ("red", "红牌预警"), ("escalation", "督办"))
    },
    # 一件事一次办: one notice per bundle step (notifications.bundle_notices).
    **{kind: Kind("applicant", title, names) for kind, (title, names) in BUNDLE_KINDS.items()},
}


class Template(msgspec.Struct, frozen=True, kw_only=True):
    kind: str
    channel: Channel
    audience: Audience
    version: int
    enabled: bool = True
    urgent: bool = False
    subject: str = ""
    body: str


def texts(kind: str, sms: str, subject: str, email: str, *, urgent: bool = False) -> list[Template]:
    """The built-in SMS and e-mail (version 0) of ``kind``."""
    audience = KINDS[kind].audience
    return [
        Template(kind=kind, channel="sms", audience=audience, version=0, urgent=urgent, body=sms),
        Template(
            kind=kind,
            channel="email",
            audience=audience,
            version=0,
            urgent=urgent,
            subject=subject,
            body=email,
        ),
    ]


_PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*")
SMS_MAX_CHARS = 500  # the provider's limit for one (long) SMS, signature included
SUBJECT_MAX_CHARS = 200


def variables(kind: str) -> dict[str, str]:
    return COMMON | KINDS[kind].variables


def placeholder_problems(text: str, allowed: dict[str, str], field: str) -> list[Problem]:
    """Every malformed or unknown placeholder in ``text`` (empty: the text is fine)."""
    problems: list[Problem] = []
    for match in _PLACEHOLDER.finditer(text):
        name = match.group(1)
        if not _NAME.fullmatch(name):
            problems.append(
                Problem(
                    field,
                    "MALFORMED_PLACEHOLDER",
                    f"malformed placeholder ${{{name}}} at character {match.start()}",
                    {"name": name, "at": match.start()},
                )
            )
        elif name not in allowed:
            problems.append(
                Problem(
                    field,
                    "UNKNOWN_PLACEHOLDER",
                    f"unknown placeholder ${{{name}}} at character {match.start()}; "
                    f"known: {', '.join(sorted(allowed))}",
                    {"name": name, "at": match.start(), "known": sorted(allowed)},
                )
            )
    rest = _PLACEHOLDER.sub(lambda m: " " * len(m.group(0)), text)
    if "${" in rest:
        problems.append(
            Problem(
                field,
                "MALFORMED_PLACEHOLDER",
                f"unclosed placeholder at character {rest.index('${')}",
                {"at": rest.index("${")},
            )
        )
    return problems


def check(template: Template) -> list[Problem]:
    """What is wrong with a template about to be published (all faults at once)."""
    if template.kind not in KINDS:
        return [
            Problem(
                "kind",
                "UNKNOWN_KIND",
                f"unknown notification kind {template.kind!r}; known: {', '.join(KINDS)}",
            )
        ]
    problems: list[Problem] = []
    kind = KINDS[template.kind]
    if template.audience != kind.audience:
        problems.append(
            Problem("audience", "WRONG_AUDIENCE", f"{template.kind} goes to the {kind.audience}")
        )
    allowed = variables(template.kind)
    if template.enabled and not template.body.strip():
        problems.append(Problem("body", "EMPTY_TEXT", "the text is empty"))
    problems += placeholder_problems(template.body, allowed, "body")
    if template.channel == "email":
        if template.enabled and not template.subject.strip():
            problems.append(Problem("subject", "EMPTY_SUBJECT", "an e-mail needs a subject"))
        if "\n" in template.subject or "\r" in template.subject:
            problems.append(Problem("subject", "MULTILINE_SUBJECT", "the subject is one line"))
        problems += _too_long("subject", template.subject, SUBJECT_MAX_CHARS)
        problems += placeholder_problems(template.subject, allowed, "subject")
    else:
        if template.subject:
            problems.append(Problem("subject", "SMS_HAS_NO_SUBJECT", "an SMS has no subject"))
        problems += _too_long("body", template.body, SMS_MAX_CHARS)
    return problems


def _too_long(field: str, text: str, most: int) -> list[Problem]:
    if len(text) <= most:
        return []
    return [Problem(field, "TOO_LONG", f"at most {most} characters", {"max": most})]


def render(text: str, values: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), ""), text)
