"""The built-in texts (version 0) of every notification kind, SMS and e-mail, in Chinese.

An administrator's published template replaces one (``templates`` checks what a template may
name); these are what the platform says until then.
"""

from __future__ import annotations

from typing import Final

from tongban.notifications.bundle_templates import BUNDLE_TEXTS
from tongban.notifications.templates import Channel, Template, texts

_SIGN_OFF = "\n\n本邮件由通办平台自动发送，请勿直接回复。可凭办件编号在通办平台查询办理进度。"

DEFAULTS: Final[dict[tuple[str, Channel], Template]] = {
    (t.kind, t.channel): t
    for t in [
        *texts(
            "received",
            "您申请的${matterName}已收件，办件编号${caseNumber}，收件日期${receivedOn}。"
            "可凭办件编号查询办理进度。",
            "已收件：${matterName}（${caseNumber}）",
            "${applicantName}：\n\n您申请的“${matterName}”已于${receivedOn}收件，"
            "统一办件编号为${caseNumber}，承办部门为${department}。" + _SIGN_OFF,
        ),
        *texts(
            "supplement_requested",
            "您的办件${caseNumber}（${matterName}）材料需补正，请于${dueOn}前一次性补齐："
            "${missingMaterials}。逾期未补齐的，终止办理。",
            "请补正材料：${matterName}（${caseNumber}）",
            "${applicantName}：\n\n您申请的“${matterName}”（办件编号${caseNumber}）材料不齐全，"
            "请一次性补齐以下全部材料：\n${missingMaterials}\n\n经办说明：${note}\n\n"
            "补正期限为${periodDays}个工作日，请于${dueOn}前补齐；逾期未补齐的，"
            "本申请将终止办理。" + _SIGN_OFF,
        ),
        *texts(
            "supplement_partly_received",
            "您的办件${caseNumber}（${matterName}）已收到部分补正材料，请于${dueOn}前补齐："
            "${outstandingMaterials}。",
            "已收到部分补正材料：${matterName}（${caseNumber}）",
            "${applicantName}：\n\n您申请的“${matterName}”（办件编号${caseNumber}）已收到部分"
            "补正材料。以下材料仍未补正：\n${outstandingMaterials}\n\n请于${dueOn}前补齐；"
            "材料补齐后方可继续办理，逾期未补齐的，本申请将终止办理。" + _SIGN_OFF,
        ),
        *texts(
            "closed_no_supplement",
            "您的办件${caseNumber}（${matterName}）补正期限已于${dueOn}届满，仍缺少"
            "${missingMaterials}，已终止办理。如需办理，请重新申请。",
            "终止办理：${matterName}（${caseNumber}）",
            "${applicantName}：\n\n您申请的“${matterName}”（办件编号${caseNumber}）"
            "补正期限已于${dueOn}届满，以下材料仍未补正：\n${missingMaterials}\n\n"
            "本申请已终止办理。如仍需办理，请备齐材料后重新提出申请。" + _SIGN_OFF,
        ),
        *texts(
            "closed_no_show",
            "您未按通知参加办件${caseNumber}（${matterName}）的${procedure}，该办件已终止办理。"
            "说明：${reason}。",
            "终止办理：${matterName}（${caseNumber}）",
            "${applicantName}：\n\n您未按通知参加“${matterName}”（办件编号${caseNumber}）的"
            "${procedure}，本申请已终止办理。\n\n说明：${reason}\n\n"
            "如仍需办理，请重新提出申请。" + _SIGN_OFF,
        ),
        *texts(
            "accepted",
            "您的办件${caseNumber}（${matterName}）已于${acceptedOn}受理，"
            "承诺于${promisedDueOn}前办结。",
            "已受理：${matterName}（${caseNumber}）",
            "${applicantName}：\n\n您申请的“${matterName}”（办件编号${caseNumber}）已于"
            "${acceptedOn}受理，由${department}承办，承诺于${promisedDueOn}前办结"
            "（法定期限${statutoryDueOn}）。" + _SIGN_OFF,
        ),
        *texts(
            "accepted_deferred",
            "您的办件${caseNumber}（${matterName}）已于${acceptedOn}容缺受理，请按承诺于"
            "${owedDueOn}前补交：${owedMaterials}。",
            "容缺受理：${matterName}（${caseNumber}）",
            "${applicantName}：\n\n您申请的“${matterName}”（办件编号${caseNumber}）已于"
            "${acceptedOn}容缺受理，由${department}承办，承诺于${promisedDueOn}前办结"
            "（法定期限${statutoryDueOn}）。\n\n请按您签署的承诺书，于${owedDueOn}前补交以下"
            "材料：\n${owedMaterials}\n\n逾期未补交的，已作出的决定可依法撤销。" + _SIGN_OFF,
        ),
        *texts(
            "owed_materials_received",
            "您的办件${caseNumber}（${matterName}）已收到补交材料：${receivedMaterials}；"
            "仍须补交：${outstandingMaterials}。",
            "已收到补交材料：${matterName}（${caseNumber}）",
            "${applicantName}：\n\n您申请的“${matterName}”（办件编号${caseNumber}）已收到"
            "补交的容缺材料：${receivedMaterials}。\n\n仍须补交：${outstandingMaterials}"
            + _SIGN_OFF,
        ),
        *texts(
            "extended",
            "您的办件${caseNumber}（${matterName}）办理期限延长${extensionDays}个工作日，"
            "将于${dueOn}前办结。",
            "办理期限延长：${matterName}（${caseNumber}）",
            "${applicantName}：\n\n经批准，您申请的“${matterName}”（办件编号${caseNumber}）"
            "办理期限延长${extensionDays}个工作日，将于${dueOn}前办结。\n\n延长理由：${reason}"
            + _SIGN_OFF,
        ),
        *texts(
            "special_procedure",
            "您的办件${caseNumber}（${matterName}）进入${procedure}程序，预计${expectedDays}个"
            "工作日，该期间不计入办理期限。",
            "进入特别程序：${matterName}（${caseNumber}）",
            "${applicantName}：\n\n您申请的“${matterName}”（办件编号${caseNumber}）进入"
            "${procedure}程序，预计需要${expectedDays}个工作日，该期间不计入办理期限。\n\n"
            "原因：${reason}" + _SIGN_OFF,
        ),
        *texts(
            "decided",
            "您的办件${caseNumber}（${matterName}）已作出${decision}决定，理由：${reason}。"
            "如不服，可依法申请行政复议或提起行政诉讼。",
            "办理结果：${matterName}（${caseNumber}）",
            "${applicantName}：\n\n您申请的“${matterName}”（办件编号${caseNumber}）已作出"
            "${decision}决定。\n\n理由：${reason}\n\n如不服本决定，可依法申请行政复议或者"
            "提起行政诉讼。" + _SIGN_OFF,
        ),
        *texts(
            "ready_for_delivery",
            "您的办件${caseNumber}（${matterName}）已作出${decision}决定，文书编号"
            "${resultNumber}，请于${deliveryDueOn}前到${collectAt}领取。",
            "办理结果及领取：${matterName}（${caseNumber}）",
            "${applicantName}：\n\n您申请的“${matterName}”（办件编号${caseNumber}）已作出"
            "${decision}决定，证照或文书编号${resultNumber}。\n\n请于${deliveryDueOn}前携带"
            "有效身份证件到${collectAt}领取，也可申请邮寄送达。" + _SIGN_OFF,
        ),
        *texts(
            "approved_on_commitment",
            "您的办件${caseNumber}（${matterName}）已依您的告知承诺当场作出${decision}决定，"
            "文书编号${resultNumber}，请于${deliveryDueOn}前到${collectAt}领取。"
            "我们将在${verificationDays}个工作日内（${verificationDueOn}前）核查承诺内容。",
            "告知承诺审批结果：${matterName}（${caseNumber}）",
            "${applicantName}：\n\n您申请的“${matterName}”（办件编号${caseNumber}）实行告知承诺制，"
            "已依您的书面承诺当场作出${decision}决定，证照或文书编号${resultNumber}。\n\n"
            "请于${deliveryDueOn}前携带有效身份证件到${collectAt}领取，也可申请邮寄送达。\n\n"
            "${department}将在${verificationDays}个工作日内（${verificationDueOn}前）对您承诺的"
            "内容进行核查。承诺不实的，将依法撤销该决定，并记入信用记录。" + _SIGN_OFF,
        ),
        *texts(
            "licence_issued",
            "您的办件${caseNumber}（${matterName}）已签发电子${licenceName}，证照编号"
            "${licenceNumber}，有效期限${validity}。可在通办平台“我的证照”查看、下载，"
            "今后办事可直接引用，免于提交。",
            "电子证照已签发：${licenceName}（${licenceNumber}）",
            "${applicantName}：\n\n您申请的“${matterName}”（办件编号${caseNumber}）已由"
            "${department}签发电子${licenceName}。\n\n证照编号：${licenceNumber}\n有效期限："
            "${validity}\n\n电子证照附有发证机关的电子签名，可凭证照编号在通办平台核验；"
            "您可在“我的证照”中查看、下载，今后办理需要该证照的事项时可直接引用，免于提交。"
            + _SIGN_OFF,
        ),
        *texts(
            "verification_passed",
            "您的办件${caseNumber}（${matterName}）的告知承诺已核查，情况属实，审批决定继续有效。",
            "告知承诺核查通过：${matterName}（${caseNumber}）",
            "${applicantName}：\n\n${department}已对您就“${matterName}”（办件编号${caseNumber}）"
            "作出的告知承诺完成核查，情况属实，审批决定继续有效。\n\n核查情况：${findings}"
            + _SIGN_OFF,
        ),
        *texts(
            "commitment_revoked",
            "您的办件${caseNumber}（${matterName}）的告知承诺经核查不实：${findings}。"
            "已依法撤销${decision}决定（文书编号${resultNumber}），并记入信用记录。",
            "承诺不实，撤销决定：${matterName}（${caseNumber}）",
            "${applicantName}：\n\n您于${committedOn}就“${matterName}”（办件编号${caseNumber}）"
            "作出告知承诺，承诺内容如下：\n${conditions}\n\n经${department}核查，承诺不实："
            "${findings}\n\n依据《中华人民共和国行政许可法》第六十九条，撤销已作出的${decision}"
            "决定（证照或文书编号${resultNumber}），该证照自即日起失效；承诺不实的情况已记入"
            "您的信用记录。\n\n如不服本决定，可依法申请行政复议或者提起行政诉讼。" + _SIGN_OFF,
        ),
        *texts(
            "ready_for_delivery_deferred",
            "您的办件${caseNumber}（${matterName}）已作出${decision}决定，文书编号"
            "${resultNumber}，请于${deliveryDueOn}前到${collectAt}领取，并于${owedDueOn}前"
            "补交：${owedMaterials}。",
            "办理结果及领取：${matterName}（${caseNumber}）",
            "${applicantName}：\n\n您申请的“${matterName}”（办件编号${caseNumber}）已作出"
            "${decision}决定，证照或文书编号${resultNumber}。\n\n请于${deliveryDueOn}前携带"
            "有效身份证件到${collectAt}领取，也可申请邮寄送达。\n\n请按承诺于${owedDueOn}前"
            "补交以下材料：\n${owedMaterials}\n逾期未补交的，本决定可依法撤销。" + _SIGN_OFF,
        ),
        *texts(
            "rating_invitation",
            "您的办件${caseNumber}（${matterName}）已办结送达，欢迎对本次服务作出评价。",
            "邀请评价：${matterName}（${caseNumber}）",
            "${applicantName}：\n\n您申请的“${matterName}”（办件编号${caseNumber}）已办结送达。"
            "欢迎在通办平台对本次服务作出“好差评”，您的评价将帮助我们改进服务。" + _SIGN_OFF,
        ),
        *texts(
            "delivered_window",
            "您的办件${caseNumber}（${matterName}）的办理结果已于${deliveredOn}由${collectedBy}"
            "在窗口领取。欢迎对本次服务作出评价。",
            "已送达：${matterName}（${caseNumber}）",
            "${applicantName}：\n\n您申请的“${matterName}”（办件编号${caseNumber}）的办理结果"
            "（证照或文书编号${resultNumber}）已于${deliveredOn}由${collectedBy}在窗口领取，"
            "依法送达。\n\n欢迎在通办平台对本次服务作出“好差评”。" + _SIGN_OFF,
        ),
        *texts(
            "delivered_post",
            "您的办件${caseNumber}（${matterName}）的办理结果已通过${carrier}邮寄送达，"
            "邮件单号${trackingNumber}，签收人${collectedBy}。欢迎对本次服务作出评价。",
            "已邮寄送达：${matterName}（${caseNumber}）",
            "${applicantName}：\n\n您申请的“${matterName}”（办件编号${caseNumber}）的办理结果"
            "（证照或文书编号${resultNumber}）已通过${carrier}邮寄，于${deliveredOn}由"
            "${collectedBy}签收，依法送达。邮件单号：${trackingNumber}。\n\n"
            "欢迎在通办平台对本次服务作出“好差评”。" + _SIGN_OFF,
        ),
        *texts(
            "delivered_electronic",
            "您的办件${caseNumber}（${matterName}）的决定书已电子送达，请在${linkDays}日内"
            "下载：${downloadUrl} 欢迎对本次服务作出评价。",
            "电子送达决定书：${matterName}（${caseNumber}）",
            "${applicantName}：\n\n您申请的“${matterName}”（办件编号${caseNumber}）的决定书"
            "（证照或文书编号${resultNumber}）已于${deliveredOn}电子送达。请在${linkDays}日内"
            "通过以下链接下载：\n${downloadUrl}\n\n链接过期后，可登录通办平台在办件详情中"
            "下载。欢迎在通办平台对本次服务作出“好差评”。" + _SIGN_OFF,
        ),
        *texts(
            "follow_up_completed",
            "您对办件${caseNumber}（${matterName}）反映的问题已整改：${actions}。欢迎再次评价。",
            "差评整改完成：${matterName}（${caseNumber}）",
            "${applicantName}：\n\n您对“${matterName}”（办件编号${caseNumber}）的服务评价"
            "已由${department}整改回访。\n\n整改情况：${actions}\n\n"
            "欢迎在通办平台对整改后的服务再次评价，原评价将一并保留。" + _SIGN_OFF,
        ),
        *texts(
            "refused",
            "您的申请${caseNumber}（${matterName}）不属于本机关职权范围，不予受理，"
            "请向${competentAgency}申请。理由：${reason}。",
            "不予受理：${matterName}（${caseNumber}）",
            "${applicantName}：\n\n您申请的“${matterName}”（办件编号${caseNumber}）依法不属于"
            "本机关职权范围，决定不予受理。请向${competentAgency}提出申请。\n\n理由：${reason}"
            "\n\n如不服本决定，可依法申请行政复议或者提起行政诉讼。" + _SIGN_OFF,
        ),
        *texts(
            "not_applicable",
            "您申请的${matterName}（${caseNumber}）依法不需要取得行政许可，本申请不予办理。"
            "说明：${reason}。",
            "不需要取得行政许可：${matterName}（${caseNumber}）",
            "${applicantName}：\n\n经审查，您申请的“${matterName}”（办件编号${caseNumber}）"
            "依法不需要取得行政许可，现告知您本申请不予办理，您可以直接从事相关活动。"
            "\n\n说明：${reason}" + _SIGN_OFF,
        ),
        *texts(
            "handed_up",
            "您的办件${caseNumber}（${matterName}）已报请${newDepartment}办理，办件编号和"
            "办理期限不变。",
            "报请上级办理：${matterName}（${caseNumber}）",
            "${applicantName}：\n\n您申请的“${matterName}”（办件编号${caseNumber}）已报请"
            "${newDepartment}办理。办件编号不变，办理期限继续计算，无需重新提交申请。\n\n"
            "原因：${reason}" + _SIGN_OFF,
        ),
        *texts(
            "transferred",
            "您的办件${caseNumber}（${matterName}）已移送${newDepartment}办理，办件编号和"
            "办理期限不变。",
            "移送办理：${matterName}（${caseNumber}）",
            "${applicantName}：\n\n您申请的“${matterName}”（办件编号${caseNumber}）已移送"
            "${newDepartment}办理。办件编号不变，办理期限继续计算，无需重新提交申请。\n\n"
            "原因：${reason}" + _SIGN_OFF,
        ),
        *texts(
            "withdrawn",
            "您已撤回办件${caseNumber}（${matterName}）。",
            "已撤回：${matterName}（${caseNumber}）",
            "${applicantName}：\n\n您已撤回“${matterName}”的申请（办件编号${caseNumber}）。"
            + _SIGN_OFF,
        ),
        *texts(
            "revoked",
            "您的办件${caseNumber}（${matterName}）的${decision}决定（文书编号${resultNumber}）"
            "已撤销，理由：${reason}。",
            "决定撤销：${matterName}（${caseNumber}）",
            "${applicantName}：\n\n您申请的“${matterName}”（办件编号${caseNumber}）的${decision}"
            "决定（证照或文书编号${resultNumber}）已依法撤销，该证照或文书自即日起失效。"
            "\n\n理由：${reason}\n\n如不服，可依法申请行政复议或者提起行政诉讼。" + _SIGN_OFF,
        ),
        *texts(
            "deadline_yellow",
            "【黄牌预警】办件${caseNumber}（${matterName}）${deadline}将于${dueOn}到期，请抓紧办理。",
            "【黄牌预警】${caseNumber} ${deadline}将于${dueOn}到期",
            "${department}：\n\n办件${caseNumber}（${matterName}，申请人${applicantName}）的"
            "${deadline}将于${dueOn}到期（${level}），请抓紧办理。",
        ),
        *texts(
            "deadline_red",
            "【红牌预警】办件${caseNumber}（${matterName}）已超过${deadline}（${dueOn}），"
            "请立即办理。",
            "【红牌预警】${caseNumber} 已超过${deadline}",
            "${department}：\n\n办件${caseNumber}（${matterName}，申请人${applicantName}）已超过"
            "${deadline}（${dueOn}到期，${level}），请立即办理并说明原因。",
            urgent=True,
        ),
        *texts(
            "deadline_escalation",
            "【督办】办件${caseNumber}（${matterName}）已超过${deadline}（${dueOn}），已上报督办。",
            "【督办】${caseNumber} 已超过${deadline}",
            "${department}：\n\n办件${caseNumber}（${matterName}，申请人${applicantName}）已超过"
            "${deadline}（${dueOn}到期，${level}），已列入督办，请立即处理。",
            urgent=True,
        ),
        *[t for kind, words in BUNDLE_TEXTS.items() for t in texts(kind, *words)],
    ]
}
