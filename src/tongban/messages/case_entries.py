"""The wording of the problems of acting on a case — its procedure from intake to licence — in
Chinese and English (the rest of the catalogue, and its rules, in ``entries``)."""

from __future__ import annotations

from typing import Final

from tongban.messages.entry import Entry
from tongban.messages.entry import entry as _e

CASE_PROBLEMS: Final[dict[str, Entry]] = {
    # Cases
    "CASE_NOT_FOUND": _e("办件 {number} 不存在", "no case {number}"),
    "STALE_VERSION": _e(
        "办件已被他人更新（当前为第 {currentVersion} 版），请刷新后重试",
        "the case changed meanwhile (now version {currentVersion}); reload it and retry",
    ),
    "IDEMPOTENCY_KEY_REUSED": _e(
        "该幂等键已用于另一次申报，请更换后重新提交",
        "this idempotency key was used for a different submission",
    ),
    "ALREADY_RATED": _e("该办件已评价，不能重复评价", "this case was already rated"),
    "ALREADY_RERATED": _e(
        "该办件已在整改后再次评价，不能重复评价", "this case was already rated again"
    ),
    "FOLLOW_UP_NOT_COMPLETED": _e(
        "差评整改回访完成后才能再次评价",
        "a case is rated again only after the follow-up of a bad rating is completed",
    ),
    "NO_OPEN_FOLLOW_UP": _e(
        "该办件没有待办的差评整改回访",
        "this case has no open follow-up: it was completed, or no bad rating opened one",
    ),
    "COMMITMENT_NOT_ALLOWED": _e(
        "该事项不适用告知承诺制，请按要求提交申请材料",
        "this matter is not approved on a commitment: submit its materials",
    ),
    "COMMITMENT_NOT_SIGNED": _e(
        "请确认承诺内容或上传签署的告知承诺书",
        "commit in writing: accept the conditions or upload the signed commitment",
    ),
    "COMMITMENT_CONDITIONS_CHANGED": _e(
        "告知承诺内容已更新，请重新阅读后再作承诺",
        "the conditions you committed to are not the matter's current ones: read them again "
        "and commit to those",
    ),
    "COMMITMENT_CONDITIONS_REQUIRED": _e(
        "实行告知承诺制的事项须填写告知内容",
        "a matter approved on a commitment states the conditions the applicant commits to",
    ),
    "NO_COMMITMENT": _e(
        "该办件未作告知承诺，请按一般程序受理审查",
        "this case was filed without a commitment: accept it and review it as usual",
    ),
    "NO_OPEN_VERIFICATION": _e(
        "该办件没有待办的告知承诺核查",
        "this case has no open verification of a commitment",
    ),
    "FINDINGS_REQUIRED": _e("请填写核查情况", "record what the verification found"),
    "FOLLOW_UP_ACTIONS_REQUIRED": _e(
        "请填写整改情况", "record what was done to rectify the bad rating"
    ),
    "ALREADY_EXTENDED": _e(
        "办理时限已延长过一次，依法不能再次延长",
        "the limit was already extended once (Art. 42 allows one extension)",
    ),
    "REASON_REQUIRED": _e("请填写理由", "a reason is required"),
    "ROLE_REQUIRED": _e("此项操作需要“{roles}”岗位权限", "this needs the role {roles}"),
    "REVIEW_NOT_FINISHED": _e(
        "审查尚未完成，各环节均须先出具意见",
        "the review is not finished: every stage must give its opinions first",
    ),
    "ACTION_NOT_PERMITTED": _e("您无权对该办件进行“{action}”操作", "{message}"),
    "NO_MATERIAL_NAMED": _e("请至少列明一项材料", "name at least one material"),
    "INVALID_EVENT_ID": _e("afterEventId 应为事件编号", "afterEventId is an event id"),
    "APPLICANTS_ONLY": _e(
        "只有申请人本人可以修改联系方式", "only applicants change their own contact details"
    ),
    "SUPERVISION_ROLES_ONLY": _e(
        "监督统计数据仅供监督人员、负责人和管理员查看",
        "supervision figures are for supervisors, heads and administrators",
    ),
    "PII_AUDIT_ROLES_ONLY": _e(
        "个人信息访问记录仅供监督人员和管理员查看",
        "the personal-data access log is for supervisors and administrators",
    ),
    "AUDIT_UNAVAILABLE": _e(
        "暂时无法记录本次个人信息访问，请稍后重试",
        "the access could not be recorded; retry shortly",
    ),
    "EXPORT_OFFICERS_ONLY": _e("办件导出仅供工作人员使用", "case exports are for officers"),
    "EXPORT_TOO_LARGE": _e(
        "导出行数为 {rows}，超过即时导出上限 {max}：请改用后台导出（startExport）",
        "{rows} rows: more than {max} are exported in the background (startExport)",
    ),
    "EXPORT_KIND_UNKNOWN": _e("没有这种导出", "no such export"),
    "EXPORT_FORMAT_UNKNOWN": _e("导出格式只能是 CSV 或 XLSX", "exports are CSV or XLSX"),
    "EXPORT_NOT_FOUND": _e("没有这个导出任务", "no such export"),
    "EXPORT_PERIOD_MISSING": _e("统计导出须给出起止日期", "give from and to"),
    "EXPORT_ARGUMENT": _e("导出参数不正确", "an export argument is not valid"),
    "INVALID_ID": _e("编号格式不正确", "not an id"),
    "INVALID_DATE": _e("日期格式应为 YYYY-MM-DD", "a day: YYYY-MM-DD"),
    "OUTSIDE_SUPERVISED_REGION": _e(
        "监督人员只能查看本行政区划及下级行政区划的统计数据",
        "supervisors see the figures of their own region and the regions below it",
    ),
    "ADMINS_ONLY": _e("此项操作仅限管理员", "{message}"),
    "PROVINCE_ADMINS_ONLY": _e("此项操作仅限省级管理员", "{message}"),
    "OUTSIDE_ADMIN_REGION": _e(
        "管理员只能管理本行政区划及下级部门的事项",
        "administrators manage only matters of departments in their region or below it",
    ),
    "DOWNLOAD_REFUSED": _e("下载链接无效或已过期，请重新获取", "{message}"),
    "MATERIAL_NOT_FOUND": _e("材料不存在", "no such material"),
    # 电子证照
    "LICENCE_NOT_FOUND": _e("电子证照不存在", "no such licence"),
    "LICENCES_OFFICERS_ONLY": _e(
        "只有工作人员可以查看本部门签发的电子证照", "only officers list their department's licences"
    ),
    "INVALID_LICENCE_TERMS": _e(
        "电子证照设置有误：有效期至少一年（或长期），按证照免提交的材料须接受电子证照",
        "a licence is valid for at least a year (or long-term), and a material filled by a "
        "licence must accept e-licences",
    ),
    "INVALID_LICENCE_QUERY": _e(
        "请填写证照编号及证照文件的 SHA-256 摘要（64 位十六进制）",
        "give the licence number and the document's SHA-256 (64 hexadecimal characters)",
    ),
    "LICENCE_NOT_ACCEPTED": _e(
        "材料 {material} 不接受以电子证照代替", "material {material} takes no licence"
    ),
    "LICENCE_NOT_HELD": _e("您未持有电子证照 {number}", "you hold no licence {number}"),
    "LICENCE_WRONG_TYPE": _e(
        "电子证照 {number} 的类型不符合材料 {material} 的要求",
        "licence {number} is not of the type material {material} needs",
    ),
    "LICENCE_REVOKED": _e("电子证照 {number} 已被撤销", "licence {number} was revoked"),
    "LICENCE_EXPIRED": _e("电子证照 {number} 已过有效期", "licence {number} has expired"),
    "PROGRESS_IDENTIFIER_INVALID": _e(
        "请填写申请人完整的身份证号码或统一社会信用代码，或其后 6 位",
        "give the applicant's whole ID number or credit code, or its last 6 characters",
    ),
    "PROGRESS_NOT_FOUND": _e(
        "未查询到与该办件编号和申请人证件号码相符的办件",
        "no case with this number and applicant identifier",
    ),
    "PROGRESS_RATE_LIMITED": _e(
        "查询过于频繁，请 {retryAfter} 秒后再试", "too many progress queries; try again later"
    ),
    "APPLICANT_NOT_REGISTERED": _e(
        "当前登录的申请人尚未登记", "the signed-in applicant is not registered"
    ),
    "TASK_NOT_FOUND": _e("该办件没有此项审查任务", "no such task on this case"),
    "TASK_NOT_OPEN": _e("该审查任务当前为“{state}”状态，不能办理", "{message}"),
    "STAGE_OUT_OF_RANGE": _e(
        "只能退回到第 1 至第 {max} 个环节", "send back to a stage between 1 and {max}"
    ),
    "DURATION_OUT_OF_RANGE": _e("预计所需时间应为 1–365 天", "expected duration is 1–365 days"),
    "EVENT_NOT_FOUND": _e("该办件没有此事件", "no such event of this case"),
    "RESULT_NUMBER_REQUIRED": _e(
        "准予许可须填写结果文书编号", "an approval records its result document number"
    ),
    "DECISION_REASON_REQUIRED": _e(
        "不予许可或容缺准予须说明理由",
        "a denial or a deferred-materials approval states its reasons",
    ),
    "DELIVERY_RECIPIENT_REQUIRED": _e(
        "请填写领取人或签收人姓名", "name the person who collected or signed for the result"
    ),
    "CARRIER_REQUIRED": _e("邮寄送达须填写寄递企业", "a postal delivery names its carrier"),
    "TRACKING_NUMBER_REQUIRED": _e(
        "邮寄送达须填写邮件单号", "a postal delivery records its tracking number"
    ),
    "TRACKING_NUMBER_MALFORMED": _e(
        "邮件单号应为 4–40 位字母、数字或短横线",
        "a tracking number is 4–40 letters, digits or dashes",
    ),
    "ONLY_FOR_POSTAL_DELIVERY": _e(
        "寄递企业和邮件单号仅在邮寄送达时填写",
        "carrier and tracking number are for postal delivery",
    ),
    "AGENT_NOT_FOR_ELECTRONIC_DELIVERY": _e(
        "电子送达只能发送至申请人本人的联系方式",
        "an electronic delivery goes to the applicant's own contact",
    ),
    "DELIVERED_IN_FUTURE": _e("送达时间不能晚于当前时间", "a delivery is recorded once made"),
    "DELIVERED_BEFORE_DECISION": _e(
        "送达时间不能早于作出决定的时间", "the result cannot be delivered before the decision"
    ),
    "ELECTRONIC_DELIVERY_IS_NOW": _e(
        "电子送达以发送时间为送达时间，无需填写",
        "an electronic delivery is sent when recorded; give no time",
    ),
    "TIME_ZONE_REQUIRED": _e("时间须注明时区", "give the time with its zone"),
    "DECISION_DOCUMENT_REQUIRED": _e(
        "电子送达须先在作出决定时上传决定书",
        "an electronic delivery sends the decision document: upload it with the decision",
    ),
    "NO_ELECTRONIC_ADDRESS": _e(
        "申请人未留手机号码或电子邮箱，不能电子送达",
        "the applicant has no mobile or e-mail to send the document to",
    ),
    "RATING_OUT_OF_RANGE": _e(
        "评价应为 1（非常满意）至 5（非常不满意）",
        "ratings run from 1 (very satisfied) to 5 (very dissatisfied)",
    ),
    "APPLICANT_FILES_FOR_SELF": _e(
        "申请人只能以本人名义申报，无需另填申请人信息", "applicants file for themselves"
    ),
    "WINDOW_NAMES_APPLICANT": _e(
        "窗口代为申报须填写申请人信息", "a case filed at the window names its applicant"
    ),
    "SUBMITTERS_ONLY": _e(
        "只有申请人和窗口受理人员可以申报",
        "only applicants and intake officers submit cases",
    ),
    "SIGN_IN_REQUIRED": _e("请先登录后再办理", "sign in to act on a case"),
    "TASK_CLAIMED_BY_OTHER": _e(
        "该审查任务已由其他工作人员认领", "another officer has claimed this task"
    ),
    "OPINION_NEEDS_COMMENT": _e(
        "有条件同意或不同意时，请说明理由", "explain a conditional or negative opinion"
    ),
    "WORKLIST_OFFICERS_ONLY": _e("待办事项仅供工作人员查看", "worklists belong to officers"),
}
