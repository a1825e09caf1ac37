"""Closed value sets shared by inputs and outputs: one vocabulary for the front ends."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import Enum
from typing import TYPE_CHECKING, Any, get_args

import strawberry

from tongban.auth import types as auth
from tongban.cases import types as cases
from tongban.cases.states import STATE_CODES
from tongban.catalogue import types as catalogue
from tongban.deadlines import clock as deadline_clock
from tongban.deadlines import types as deadlines
from tongban.government import types as government
from tongban.notifications import templates
from tongban.review import types as review


def derived_enum(name: str, values: Mapping[str, str], *, description: str) -> Any:
    """A GraphQL enum whose members are the domain's own list (value -> description).

    The domain's Literal or table stays the one place a value is added; the API follows.
    """
    members = {
        value.upper(): strawberry.enum_value(value, description=text or None)
        for value, text in values.items()
    }
    built: Any = Enum(name, members)  # type: ignore[misc]  # the name is not a literal here
    return strawberry.enum(built, description=description)


def domain_enum(
    name: str, values: Iterable[str], texts: Mapping[str, str], *, description: str
) -> Any:
    """``derived_enum`` over a domain list whose every value must have a text here: a value
    added to the domain without one fails at import, not silently in the schema."""
    return derived_enum(name, {value: texts[value] for value in values}, description=description)


# mypy sees an enum class; at run time the members come from the domain's lists.
if TYPE_CHECKING:
    CaseEventAction = Enum
    ActorKind = Enum
    NotificationKind = Enum
    ApplicantKind = Enum
    Channel = Enum
    DecisionKind = Enum
    DeliveryMethod = Enum
    MaterialPhase = Enum
    CaseState = Enum
    Opinion = Enum
    TaskState = Enum
    TaskKind = Enum
    CaseAction = Enum
    SpecialProcedureKind = Enum
    MaterialForm = Enum
    StageMode = Enum
    JoinPolicy = Enum
    MatterKind = Enum
    ApplicationChannelKind = Enum
    GuideResultType = Enum
    DeadlineKind = Enum
    ClockState = Enum
    Colour = Enum
    RegionLevel = Enum
    OfficerRole = Enum
    PrincipalKind = Enum
    MessageChannel = Enum
    MessageAudience = Enum
else:
    _ACTIONS = {
        "submitted": "Application filed (收件).",
        "accepted": "Accepted (受理).",
        "accepted_automatically": "Accepted by law: no intake decision within 5 days.",
        "accepted_deferred": "Accepted with deferrable materials owed (容缺受理).",
        "owed_materials_supplied": "Materials owed after a deferred acceptance arrived.",
        "declared_not_applicable": "Not within this agency's powers (不予受理, 告知有权机关).",
        "refused": "Refused at intake (不予受理).",
        "supplement_requested": "Supplement requested (一次性告知补正).",
        "supplemented": "Supplement filed.",
        "closed_no_supplement": "Closed (终止办理): the supplement did not come in its period.",
        "closed_no_show": "Closed (终止办理): the applicant did not attend the hearing.",
        "released": "一件事一次办: the items it depends on have their results; received now.",
        "closed_prerequisite": "一件事一次办: closed, an item it depends on will have no result.",
        "task_claimed": "A review task was claimed.",
        "opinion_given": "A reviewer gave an opinion.",
        "sent_back": "Sent back to an earlier review stage.",
        "handed_up": "Handed up to a higher level (上报).",
        "transferred": "Transferred to another department or region (转办).",
        "special_procedure_started": "A special procedure started (特别程序).",
        "special_procedure_ended": "A special procedure ended.",
        "extended": "The decision deadline was extended (延期).",
        "decided": "Decided (决定).",
        "delivered": "The decision was delivered (送达).",
        "withdrawn": "Withdrawn by the applicant (撤回).",
        "revoked": "The permit was revoked (撤销).",
        "rated": "The applicant rated the service (好差评).",
        "follow_up_completed": "A bad rating's rectification was done (差评整改回访).",
        "rerated": "The applicant rated again after the rectification.",
        "approved_on_commitment": "Accepted and approved at once on the applicant's written "
        "commitment (告知承诺制, 即办); verification follows.",
        "verification_passed": "The verification of the commitment found it true (核查通过).",
        "commitment_revoked": "The verification found the commitment false: the approval was "
        "revoked and a credit record written (承诺不实, 撤销).",
        "licence_issued": "The approval issued its electronic licence (电子证照).",
        "licence_revoked": "Revoking the decision revoked its electronic licence.",
        "deadline_yellow": "Yellow deadline warning (黄牌).",
        "deadline_red": "Red deadline warning (红牌).",
        "deadline_escalation": "Statutory deadline passed: escalated (督办).",
    }
    CaseEventAction = derived_enum(
        "CaseEventAction",
        {action: _ACTIONS.get(action, "") for action in get_args(cases.EventAction)},
        description="What happened to a case (an entry of its history).",
    )
    _ACTORS = {
        "applicant": "The applicant.",
        "officer": "A government officer.",
        "system": "Tongban itself (deadline supervision, automatic acceptance).",
    }
    ActorKind = derived_enum(
        "ActorKind",
        {kind: _ACTORS.get(kind, "") for kind in get_args(cases.ActorKind)},
        description="Who made a change to a case.",
    )
    NotificationKind = derived_enum(
        "NotificationKind",
        {kind: f"{k.title} (to the {k.audience})." for kind, k in templates.KINDS.items()},
        description="What a notification is about.",
    )
    ApplicantKind = domain_enum(
        "ApplicantKind",
        get_args(cases.ApplicantKind),
        {
            "person": "A natural person (resident ID number).",
            "organisation": "An organisation (unified social credit code).",
        },
        description="Applicant kind.",
    )
    Channel = domain_enum(
        "Channel",
        get_args(cases.Channel),
        {"sms": "Text message.", "email": "E-mail."},
        description="A notice channel.",
    )
    DecisionKind = domain_enum(
        "DecisionKind",
        get_args(cases.Decision),
        {
            "approved": "准予.",
            "approved_deferred": "容缺: approved, materials to follow.",
            "denied": "不予.",
        },
        description="The decision on a case.",
    )
    DeliveryMethod = domain_enum(
        "DeliveryMethod",
        get_args(cases.DeliveryMethod),
        {
            "window": "窗口领取: collected at the window (by the applicant or an agent).",
            "post": "邮寄送达: posted; the carrier and tracking number are recorded.",
            "electronic": "电子送达: the applicant is sent a link to the decision document.",
        },
        description="How the result reached the applicant (送达, Art. 44).",
    )
    MaterialPhase = derived_enum(
        "MaterialPhase",
        {"submission": "With the application.", "supplement": "With a supplement (补正)."},
        description="When a material came in.",
    )
    CaseState = domain_enum(
        "CaseState",
        STATE_CODES,
        {
            "waiting": "一件事一次办: an item waiting for an earlier item's result.",
            "received": "1 已接件: waiting for intake.",
            "supplement_requested": "6 补正: the one-time notice of missing materials.",
            "accepted": "3 受理: the decision clock runs.",
            "under_review": "8 审查/会签.",
            "special_procedure": "9 特别程序 (Art. 45): the clock is paused.",
            "review_supplement": "补正 after acceptance: the clock is paused.",
            "approved": "11 准予许可.",
            "approved_deferred": "12 容缺许可: approved with materials to follow.",
            "denied": "13 不予许可.",
            "delivered": "送达: the result was delivered.",
            "not_applicable": "4 不受理: needs no licence.",
            "refused": "5 不予受理: outside our powers.",
            "withdrawn": "2 撤回 by the applicant.",
            "revoked": "15 撤销 by an administrator.",
            "closed_no_supplement": "终止办理: the supplement did not come in its period.",
            "closed_no_show": "终止办理: the applicant did not attend the hearing.",
            "closed_prerequisite": "终止办理: an item it depends on was refused or denied.",
        },
        description="Where a case is in its life (codes per GB/T 39046 / BLZT).",
    )
    Opinion = domain_enum(
        "Opinion",
        get_args(review.Opinion),
        {"agree": "同意.", "agree_with_conditions": "有条件同意.", "disagree": "不同意."},
        description="A department's opinion on a review task.",
    )
    TaskState = domain_enum(
        "TaskState",
        get_args(review.TaskState),
        {
            "waiting": "Waits for an earlier department.",
            "open": "Can be claimed.",
            "claimed": "An officer works on it.",
            "completed": "The opinion is given.",
            "cancelled": "No longer needed.",
        },
        description="Where a task is.",
    )
    TaskKind = derived_enum(
        "TaskKind",
        {
            "review": "A review-plan opinion.",
            "follow_up": "Follow-up of a bad rating.",
            "verification": "Verification after an approval on a commitment (事中事后核查).",
        },
        description="What a task is for.",
    )
    CaseAction = derived_enum(
        "CaseAction",
        {
            "accept": "acceptCase (受理).",
            "declare_not_applicable": "declareNotApplicable (不受理).",
            "refuse": "refuseCase (不予受理).",
            "request_supplement": "requestSupplement (补正, at intake or in review).",
            "supplement": "supplementCase.",
            "close": "closeCase (终止办理: supplement period passed, or hearing not attended).",
            "claim_task": "claimTask.",
            "complete_task": "completeTask.",
            "send_back": "sendBack.",
            "hand_up": "handUp (上报).",
            "transfer": "transferCase (转办).",
            "start_special_procedure": "startSpecialProcedure (特别程序).",
            "end_special_procedure": "endSpecialProcedure.",
            "extend": "extendDeadline (延期).",
            "decide": "decideCase (决定).",
            "deliver": "deliverCase (送达).",
            "withdraw": "withdrawCase (撤回).",
            "revoke": "revokeCase (撤销).",
            "rate": "rateCase (好差评).",
            "complete_follow_up": "completeFollowUp (差评整改回访).",
            "rerate": "rerateCase (整改后再评价).",
            "approve_on_commitment": "approveOnCommitment (告知承诺制, 即办).",
            "pass_verification": "passVerification (事中事后核查: the commitment was true).",
            "fail_verification": "failVerification (承诺不实: revoke, credit record).",
        },
        description="Something a viewer can do to a case; each names its mutation.",
    )
    SpecialProcedureKind = domain_enum(
        "SpecialProcedureKind",
        get_args(review.SpecialProcedureKind),
        {
            "hearing": "听证.",
            "tendering": "招标.",
            "auction": "拍卖.",
            "testing": "检验/检测.",
            "inspection": "检验.",
            "quarantine": "检疫.",
            "appraisal": "鉴定.",
            "expert_review": "专家评审.",
        },
        description="Special procedures of Art. 45, whose time is not counted.",
    )
    MaterialForm = domain_enum(
        "MaterialForm",
        get_args(catalogue.MaterialForm),
        {
            "original": "The original (原件).",
            "copy": "A copy (复印件).",
            "original_or_copy": "Either.",
        },
        description="Whether a material must be the original or may be a copy.",
    )
    StageMode = domain_enum(
        "StageMode",
        get_args(catalogue.StageMode),
        {"parallel": "All at once (并联/会签).", "sequential": "One after another (串联)."},
        description="How the departments of a review stage work.",
    )
    MatterKind = domain_enum(
        "MatterKind",
        get_args(catalogue.MatterKind),
        {
            "licence": "行政许可: approval reads 准予许可.",
            "approval": "核准: approval reads 予以核准.",
            "confirmation": "行政确认: approval reads 予以确认.",
            "payment": "行政给付: approval reads 准予给付.",
            "service": "公共服务: approval reads 办结.",
        },
        description="The kind of power a matter exercises; it names the decision in notices.",
    )
    ApplicationChannelKind = domain_enum(
        "ApplicationChannelKind",
        get_args(catalogue.ChannelKind),
        {
            "online": "网上办理: on the platform, at the channel's URL.",
            "window": "窗口办理: at a service hall window (address and opening hours).",
            "post": "邮寄办理: by post to the channel's address.",
        },
        description="How a matter may be applied for (办理渠道).",
    )
    GuideResultType = domain_enum(
        "GuideResultType",
        get_args(catalogue.ResultType),
        {
            "licence": "A licence (许可证).",
            "certificate": "A certificate (证书/证明).",
            "approval_document": "An approval document (批准文书/批复).",
            "other": "Something else (e.g. a payment, a reply).",
        },
        description="What the applicant receives when the matter is done (办理结果).",
    )
    JoinPolicy = domain_enum(
        "JoinPolicy",
        get_args(catalogue.JoinPolicy),
        {
            "all": "When every department has given an opinion.",
            "any": "When the first department has.",
        },
        description="When a review stage is done.",
    )
    DeadlineKind = domain_enum(
        "DeadlineKind",
        get_args(deadlines.ClockKind),
        {
            "one_notice": "Art. 32: 5 days to notify missing materials, else accepted.",
            "promised": "承诺时限 of the decision.",
            "statutory": "法定时限 of the decision.",
            "stage": "A review stage's limit for one task.",
            "delivery": "Art. 44: issue and deliver.",
            "follow_up": "Follow-up of a bad rating.",
            "verification": "事中事后核查 of a case approved on a commitment.",
            "owed_materials": "容缺受理: the applicant brings the materials owed at acceptance.",
        },
        description="Which limit a clock measures.",
    )
    ClockState = domain_enum(
        "ClockState",
        get_args(deadline_clock.ClockState),
        {
            "running": "Counting working days.",
            "paused": "Not counting (Art. 45, supplements).",
            "stopped": "Finished.",
        },
        description="Whether a clock counts.",
    )
    Colour = domain_enum(
        "Colour",
        get_args(deadline_clock.Colour),
        {"green": "On track.", "yellow": "Few working days remain.", "red": "Past the limit."},
        description="Supervision colour (电子监察).",
    )
    RegionLevel = domain_enum(
        "RegionLevel",
        get_args(government.RegionLevel),
        {
            "province": "Province (省).",
            "city": "Prefecture-level city (地级市).",
            "county": "County or district (县/区).",
            "township": "Township or street (乡镇/街道).",
        },
        description="Level of government (GB/T 2260 hierarchy).",
    )
    OfficerRole = domain_enum(
        "OfficerRole",
        get_args(auth.Role),
        {
            "intake": "Window staff: receives applications.",
            "reviewer": "Gives opinions on review tasks.",
            "head": "Department head: decides, extends.",
            "supervisor": "Watches deadlines (电子监察).",
            "admin": "Manages the catalogue and settings.",
        },
        description="What an officer may do.",
    )
    PrincipalKind = domain_enum(
        "PrincipalKind",
        get_args(auth.PrincipalKind),
        {
            "anonymous": "No access token.",
            "applicant": "A person or an organisation.",
            "officer": "A government officer.",
        },
        description="Who is calling.",
    )
    MessageChannel = domain_enum(
        "MessageChannel",
        get_args(templates.Channel),
        {
            "sms": "Text message through the SMS provider.",
            "email": "E-mail through the SMTP relay.",
        },
        description="How a message travels.",
    )
    MessageAudience = domain_enum(
        "MessageAudience",
        get_args(templates.Audience),
        {"applicant": "The case's applicant.", "officer": "Officers (deadline warnings)."},
        description="Who a notification is for.",
    )
