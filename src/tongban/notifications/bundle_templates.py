"""The bundle notices' kinds and default texts (一件事一次办), kept beside the case notices'
in ``templates`` as plain tuples so that module builds them like its own."""

from __future__ import annotations

from typing import Final

_SIGN_OFF = "\n\n本邮件由通办平台自动发送，请勿直接回复。可在通办平台查询“一件事”办理进度。"

# kind → (title, placeholders besides the common ones)
BUNDLE_KINDS: Final[dict[str, tuple[str, dict[str, str]]]] = {
    "bundle_received": (
        "一件事已收件",
        {
            "bundleName": "一件事名称",
            "items": "各事项及办件编号",
            "waitingItems": "待前序事项的事项",
        },
    ),
    "bundle_accepted": (
        "一件事已受理",
        {"bundleName": "一件事名称", "items": "受理的事项及办件编号"},
    ),
    "bundle_supplement_requested": (
        "一件事一次性告知补正",
        {
            "bundleName": "一件事名称",
            "items": "须补正的事项",
            "missingMaterials": "须补正的全部材料",
            "note": "经办说明",
            "dueOn": "补正截止日期",
        },
    ),
    "bundle_withdrawn": ("一件事已撤回", {"bundleName": "一件事名称", "items": "撤回的事项"}),
    "bundle_item_refused": (
        "一件事中的事项未获办理",
        {
            "bundleName": "一件事名称",
            "reason": "理由",
            "closedItems": "因此终止办理的事项",
            "items": "本次未获办理的事项",
        },
    ),
    "bundle_completed": (
        "一件事已全部办结",
        {"bundleName": "一件事名称", "outcomes": "各事项办理结果", "items": "最后办结的事项"},
    ),
}

# kind → (sms, e-mail subject, e-mail body)
BUNDLE_TEXTS: Final[dict[str, tuple[str, str, str]]] = {
    "bundle_received": (
        "您的“${bundleName}”一件事申请已收件：${items}。待前序事项办结后办理：${waitingItems}。",
        "已收件：${bundleName}（一件事）",
        "${applicantName}：\n\n您的“${bundleName}”一件事申请已于${receivedOn}收件，"
        "各事项及办件编号：\n${items}\n\n以下事项将在其前序事项办结后开始办理："
        "${waitingItems}。" + _SIGN_OFF,
    ),
    "bundle_accepted": (
        "您的“${bundleName}”一件事申请已受理：${items}。",
        "已受理：${bundleName}（一件事）",
        "${applicantName}：\n\n您的“${bundleName}”一件事申请中的以下事项已受理：\n${items}"
        + _SIGN_OFF,
    ),
    "bundle_supplement_requested": (
        "您的“${bundleName}”一件事申请材料需补正，请于${dueOn}前一次性补齐：${missingMaterials}。",
        "请补正材料：${bundleName}（一件事）",
        "${applicantName}：\n\n您的“${bundleName}”一件事申请材料不齐全，请一次性补齐以下全部"
        "材料：\n${missingMaterials}\n\n涉及事项：${items}\n\n经办说明：${note}\n\n"
        "请于${dueOn}前补齐；逾期未补齐的，相关事项将终止办理。" + _SIGN_OFF,
    ),
    "bundle_withdrawn": (
        "您的“${bundleName}”一件事申请已撤回：${items}。",
        "已撤回：${bundleName}（一件事）",
        "${applicantName}：\n\n您的“${bundleName}”一件事申请已按您的要求撤回：\n${items}"
        + _SIGN_OFF,
    ),
    "bundle_item_refused": (
        "您的“${bundleName}”一件事中，${matterName}（${caseNumber}）未获办理：${reason}。"
        "因此终止办理：${closedItems}。其他事项继续办理。",
        "事项未获办理：${bundleName}（一件事）",
        "${applicantName}：\n\n您的“${bundleName}”一件事申请中，“${matterName}”（办件编号"
        "${caseNumber}）未获办理。\n\n理由：${reason}\n\n依赖其结果而终止办理的事项："
        "${closedItems}\n\n其他事项继续办理，办理结果将另行通知。" + _SIGN_OFF,
    ),
    "bundle_completed": (
        "您的“${bundleName}”一件事申请已全部办结：${outcomes}。",
        "已全部办结：${bundleName}（一件事）",
        "${applicantName}：\n\n您的“${bundleName}”一件事申请已全部办结：\n${outcomes}" + _SIGN_OFF,
    ),
}
