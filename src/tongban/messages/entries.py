"""The wording of every problem and error code, in Chinese and English.

Keys are the stable codes front ends switch on; a template's ``{placeholders}`` are filled from
the error's ``params`` (``{message}`` is the raise site's own English, used where the English
sentence already says everything: a category's catch-all). A template that needs a parameter the
error did not give falls back to the error's category, so every entry of a category must render
with no parameters but ``message``. Chinese follows the wording of government service counters.
"""

from __future__ import annotations

from typing import Final

from tongban.messages.case_entries import CASE_PROBLEMS
from tongban.messages.entry import Entry as Entry
from tongban.messages.entry import entry as _e

CATEGORIES: Final[dict[str, Entry]] = {
    # The GraphQL ErrorCode values, and the default problem of each base error class.
    "VALIDATION": _e("填写的内容不符合要求", "{message}"),
    "INVALID_INPUT": _e("填写的内容不符合要求，请检查后重新提交", "{message}"),
    "NOT_FOUND": _e("记录不存在", "{message}"),
    "CONFLICT": _e("记录已被他人修改或已存在，请刷新后重试", "{message}"),
    "FORBIDDEN": _e("无权进行此项操作", "{message}"),
    "NOT_ALLOWED": _e("无权进行此项操作", "{message}"),
    "UNAUTHENTICATED": _e("请先登录", "{message}"),
    "INVALID_STATE": _e("办件当前为“{state}”状态，不能{action}", "{message}"),
    "CALENDAR_YEAR_UNKNOWN": _e("该年度的法定工作日安排尚未公布", "{message}"),
    "RATE_LIMITED": _e("操作过于频繁，请稍后再试", "{message}"),
    "SERVICE_UNAVAILABLE": _e("服务暂时不可用，请稍后重试", "{message}"),
    "DOMAIN_ERROR": _e("操作未能完成", "{message}"),
    "DOMAIN": _e("操作未能完成", "{message}"),
}

PROBLEMS: Final[dict[str, Entry]] = {
    **CASE_PROBLEMS,
    # Input problems (several reported at once on a form)
    "REQUIRED": _e("此项为必填项", "{message}"),
    "TOO_LONG": _e("不能超过 {max} 个字", "at most {max} characters"),
    "TOO_LARGE": _e("表单内容不能超过 {max} 字节", "{message}"),
    "INVALID": _e("填写的内容格式不正确", "{message}"),
    "INVALID_IDENTIFIER": _e("证件号码格式不正确", "{message}"),
    "INVALID_KEY": _e(
        "幂等键应为 8–128 位字母、数字或 . _ : -",
        "the idempotency key is 8–128 letters, digits or . _ : -",
    ),
    "INVALID_REGION": _e("行政区划代码格式不正确", "{message}"),
    "UNKNOWN_REGION": _e("行政区划 {code} 不存在", "{message}"),
    "UNKNOWN_MATTER": _e("事项 {code} 不存在或尚未发布", "{message}"),
    # 一件事一次办
    "UNKNOWN_BUNDLE": _e("“一件事”主题不存在或尚未发布", "{message}"),
    "UNKNOWN_BUNDLE_APPLICATION": _e("该“一件事”申请不存在", "{message}"),
    "BUNDLE_SIZE": _e("一个“一件事”主题包含 2 至 {max} 个事项", "{message}"),
    "BUNDLE_MATERIALS_SIZE": _e("一个“一件事”主题最多包含 {max} 项材料", "{message}"),
    "DUPLICATE_BUNDLE_ITEM": _e("事项 {code} 在主题中重复", "{message}"),
    "UNKNOWN_BUNDLE_ITEM": _e("前置事项 {code} 不是本主题的其他事项", "{message}"),
    "DEPENDENCY_CYCLE": _e("事项之间的前后依赖形成了循环：{codes}", "{message}"),
    "UNMAPPED_MATERIAL": _e("合并材料清单未包含事项 {code} 的必要材料：{materials}", "{message}"),
    "RESULT_NOT_A_PREREQUISITE": _e("使用前序事项 {code} 结果的事项须以该事项为前置", "{message}"),
    "RESULT_NOT_UPLOADED": _e(
        "{codes} 是本主题其他事项的办理结果，办结后自动提供，无需上传", "{message}"
    ),
    "NO_BUNDLE_ITEM_READY": _e("该“一件事”申请当前没有可办理此操作的事项", "{message}"),
    "OUTSIDE_WINDOW_REGION": _e(
        "本窗口只能受理本辖区的申请；该事项未开通在本窗口跨域通办至 {code}",
        "a window files into its own region; this matter is not offered at window {window} "
        "for cross-region handling into {code}",
    ),
    "UNKNOWN_MATERIAL": _e("该事项不需要材料 {codes}", "{message}"),
    "FILE_TOO_LARGE": _e("文件“{name}”超过 {limit} 字节的大小上限", "{message}"),
    "CONTENT_TYPE_NOT_ALLOWED": _e(
        "文件“{name}”的类型不在允许范围内（允许：{allowed}）", "{message}"
    ),
    "CONTENT_MISMATCH": _e("文件“{name}”的内容与声明的类型 {type} 不符", "{message}"),
    "MISSING_MATERIALS": _e("必要材料不齐全（缺少：{materials}），请一次性告知补正", "{message}"),
    "INCOMPLETE_NOTICE": _e(
        "补正告知须一次性列明全部缺少的必要材料，还缺少：{materials}", "{message}"
    ),
    # 容缺受理
    "NOT_DEFERRABLE": _e("以下材料不属于本事项的容缺材料，不能容缺受理：{materials}", "{message}"),
    "NOT_MISSING": _e("以下材料已提交，无须容缺：{materials}", "{message}"),
    "UNDERTAKING_REQUIRED": _e(
        "容缺受理须申请人签署补交材料承诺书",
        "deferred acceptance needs the applicant's signed undertaking",
    ),
    "NOT_OWED": _e("以下材料不在待补交的容缺材料之列：{materials}", "{message}"),
    "OWED_MATERIALS_NOT_OVERDUE": _e(
        "容缺材料补交期限至 {dueOn} 届满，届满前不能以未补交为由撤销决定", "{message}"
    ),
    "NOTHING_OWED": _e("本办件没有待补交的容缺材料", "this case owes no deferred materials"),
    "MATERIALS_OWED": _e(
        "容缺材料尚未补齐（{materials}），只能作出容缺准予决定或不予决定", "{message}"
    ),
    "UNREQUESTED_MATERIAL": _e("补正通知未要求以下材料：{materials}", "{message}"),
    "SUPPLEMENT_PERIOD_RUNNING": _e(
        "补正期限至 {dueOn} 届满；材料仍未补齐的，自 {closableFrom} 起方可终止办理", "{message}"
    ),
    "NOT_A_HEARING": _e("只有申请人未参加听证的，方可在特别程序中终止办理", "{message}"),
    "JOINT_LIMIT_EXCEEDED": _e(
        "联合办理的事项办理时限不得超过 {limit} 个工作日（行政许可法第四十二条）", "{message}"
    ),
    "OUT_OF_RANGE": _e("数值超出允许范围", "{message}"),
    "NOT_HIGHER_LEVEL": _e(
        "只能报请上级行政区划的部门办理", "hand a case up only to a region above the handling one"
    ),
    "HAND_UP_INSTEAD": _e(
        "移送上级行政区划的部门请用“报请上级”", "to a higher level, hand the case up"
    ),
    "SAME_DEPARTMENT": _e("该部门已在承办本办件", "the department already handles the case"),
    "DEPARTMENT_DOES_NOT_HANDLE_MATTER": _e(
        "{department}不承办该事项", "{department} does not handle this matter"
    ),
    # Identifiers
    "INVALID_CASE_NUMBER": _e("办件编号格式不正确", "{message}"),
    "INVALID_ID_NUMBER": _e("居民身份证号码不正确", "{message}"),
    "INVALID_CREDIT_CODE": _e("统一社会信用代码不正确", "{message}"),
    "INVALID_REGION_CODE": _e("行政区划代码不正确", "{message}"),
    "INVALID_MOBILE": _e(
        "手机号码应为 13–19 开头的 11 位数字",
        "a mainland mobile number has 11 digits starting with 13–19 (optionally after +86)",
    ),
    "INVALID_EMAIL": _e(
        "电子邮箱地址格式不正确", "not a valid e-mail address (expected name@example.com)"
    ),
    "MALFORMED_INPUT": _e(
        "输入内容格式不正确（例如含有非法字符，或编号格式有误）",
        "an input value is malformed (for example a NUL character in a text, "
        "or an id that is not one)",
    ),
    # Paging
    "BAD_CURSOR": _e(
        "分页游标无效，请从第一页重新查询",
        "the cursor is not valid for this list and order; start again from the first page",
    ),
    "FILTER_TEXT_LENGTH": _e("搜索内容应为 1 到 {max} 个字", "give 1 to {max} characters"),
    "RANGE_REVERSED": _e("起始日期晚于截止日期", "`from` is after `to`"),
    "OFFICERS_ONLY_FILTER": _e(
        "只有工作人员可以按证件号码或手机号搜索", "only officers search by identity numbers"
    ),
    "FIRST_AND_LAST": _e("first 与 last 只能传一个", "pass `first` or `last`, not both"),
    "PAGE_SIZE_OUT_OF_RANGE": _e("每页条数应在 1 到 {max} 之间", "page sizes run from 1 to {max}"),
    # Catalogue of matters
    "MATTER_NOT_FOUND": _e("事项 {code} 不存在", "no matter with code {code}"),
    "MATTER_CODE_TAKEN": _e("事项编码 {code} 已存在", "a matter with code {code} already exists"),
    "STALE_DRAFT": _e("草稿已被他人修改或已发布，请刷新后重试", "{message}"),
    "NO_DRAFT": _e("事项 {code} 没有待发布的草稿", "matter {code} has no draft to publish"),
    "INVALID_CODE": _e(
        "编码应为 2–64 位字母、数字、“-”或“_”", "code must be 2–64 letters, digits, '-' or '_'"
    ),
    "UNKNOWN_CATEGORY": _e("事项类别不存在", "{message}"),
    "UNKNOWN_CASE_TYPE": _e("办件类型不存在", "{message}"),
    "UNKNOWN_LEVEL": _e("行使层级不存在", "{message}"),
    "PROMISED_EXCEEDS_STATUTORY": _e(
        "承诺办结时限（{promised} 个工作日）不能超过法定办结时限（{statutory} 个工作日）",
        "{message}",
    ),
    "DUPLICATE_MATERIAL": _e(
        "同一事项的材料编码不能重复", "material codes must be unique within a matter"
    ),
    "DEFERRABLE_NOT_REQUIRED": _e(
        "材料 {material} 不是必要材料，不能设为容缺材料",
        "only a required material can be deferrable",
    ),
    "NO_CORE_MATERIAL": _e(
        "至少须有一项必要材料为核心材料（不可容缺）",
        "at least one required material must stay core (not deferrable)",
    ),
    "EMPTY_PLAN": _e("审查流程至少需要一个环节", "the review plan needs at least one stage"),
    "UNKNOWN_DEPARTMENT": _e("部门 {id} 不存在", "{message}"),
    "LEVEL_MISMATCH": _e("实施部门的层级与事项的行使层级不一致", "{message}"),
    "EMPTY_STAGE": _e("第 {stage} 个审查环节未指定部门", "{message}"),
    "DUPLICATE_DEPARTMENT": _e("第 {stage} 个审查环节的部门重复", "{message}"),
    "STAGE_LIMIT_OUT_OF_RANGE": _e(
        "第 {stage} 个审查环节的时限应在 1 天到法定办结时限之间", "{message}"
    ),
    "UNRELATED_REGION": _e(
        "第 {stage} 个审查环节的部门须在实施部门所在行政区划的上级或下级", "{message}"
    ),
    # Matter guide (办事指南)
    "TOO_MANY_ENTRIES": _e("最多填写 {max} 项", "at most {max} entries"),
    "NO_LEGAL_BASIS": _e("办事指南须列明设定依据", "the guide names no legal basis"),
    "NO_CONDITIONS": _e("办事指南须列明受理条件", "the guide lists no conditions"),
    "NO_CHANNEL": _e("办事指南须列明至少一种办理渠道", "the guide names no way to apply"),
    "NO_STEPS": _e("办事指南须列明办理流程", "the guide lists no processing steps"),
    "INVALID_URL": _e(
        "网上办理地址须以 https:// 开头", "an online channel needs an https:// address"
    ),
    "INVALID_PHONE": _e("电话号码“{phone}”格式不正确", "{message}"),
    "FEES_FREE_WITH_ITEMS": _e(
        "已标明不收费的事项不能再列收费项目", "a free matter lists no fee items"
    ),
    "FEES_MISSING": _e(
        "请标明不收费，或列明收费项目", "either mark the matter free or list its fees"
    ),
    "FEE_AMOUNT_OR_FORMULA": _e(
        "收费项目须填写金额或计费方式（二者选一）",
        "a fee item has either an amount or a formula, not both or neither",
    ),
    "FEE_AMOUNT_OUT_OF_RANGE": _e("收费金额应在 1 分至 {max} 分之间", "{message}"),
    # Calendar
    "UNKNOWN_CALENDAR_YEAR": _e(
        "{year} 年的法定工作日安排尚未公布，需由管理员发布后才能计算该年的日期",
        "the official working-day schedule for {year} is not known; "
        "an administrator must publish it before dates in that year can be counted",
    ),
    "INVALID_SCHEDULE": _e("节假日安排有误，涉及日期：{days}", "{message}"),
    # Notification templates
    "EMPTY_TEXT": _e("正文不能为空", "the text is empty"),
    "EMPTY_SUBJECT": _e("电子邮件须填写主题", "an e-mail needs a subject"),
    "MULTILINE_SUBJECT": _e("主题只能有一行", "the subject is one line"),
    "SMS_HAS_NO_SUBJECT": _e("短信没有主题", "an SMS has no subject"),
    "MALFORMED_PLACEHOLDER": _e("第 {at} 个字符处的占位符格式不正确", "{message}"),
    "UNKNOWN_PLACEHOLDER": _e(
        "占位符 ${{{name}}}（第 {at} 个字符）不可用于此类通知，可用：{known}", "{message}"
    ),
    "UNKNOWN_KIND": _e("通知类型不存在", "{message}"),
    "WRONG_AUDIENCE": _e("该类通知的接收对象不符", "{message}"),
    "TEMPLATE_VERSION_CHANGED": _e(
        "模板已有新版本（第 {currentVersion} 版）发布，请刷新后重试", "{message}"
    ),
    # Supervision
    "SERIES_TOO_LONG": _e(
        "按日统计的期间最多 {max} 天", "a daily series covers at most {max} days"
    ),
    "PERIOD_ENDS_BEFORE_START": _e(
        "统计期间的结束日期早于开始日期", "the period ends before it starts"
    ),
    # Sign-in (the reason of a TokenError)
    "TOKEN": _e("登录凭证无效，请重新登录", "{message}"),
    "TOKEN_MISSING": _e("请先登录", "{message}"),
    "TOKEN_MALFORMED": _e("登录凭证格式不正确，请重新登录", "{message}"),
    "TOKEN_EXPIRED": _e("登录已过期，请重新登录", "{message}"),
    "TOKEN_INVALID_SIGNATURE": _e("登录凭证无效，请重新登录", "{message}"),
    "TOKEN_INVALID_CLAIMS": _e("登录凭证无效，请重新登录", "{message}"),
    "TOKEN_REVOKED": _e("账号已停用或登录凭证已被撤销", "{message}"),
}

REFUSALS: Final[dict[str, Entry]] = {
    # Requests refused or cut before or around GraphQL execution, keyed by their error code.
    "GRAPHQL_PARSE_FAILED": _e("请求的查询语句有语法错误：{message}", "{message}"),
    "GRAPHQL_VALIDATION_FAILED": _e("请求的查询语句与接口定义不符：{message}", "{message}"),
    "BAD_USER_INPUT": _e("请求的变量不符合要求：{message}", "{message}"),
    "DOCUMENT_TOO_DEEP": _e("查询语句嵌套过深", "the document nests too deeply"),
    "QUERY_TOO_COMPLEX": _e(
        "查询过于复杂：{limit} 超过上限 {maximum}",
        "the operation exceeds the maximum {limit} of {maximum}",
    ),
    "FRAGMENT_CYCLE": _e("片段 {fragment} 引用了自身", "fragment {fragment} spreads itself"),
    "QUERY_TOO_COSTLY": _e(
        "查询的预估开销 {cost} 超过上限 {budget}",
        "the operation's estimated cost {cost} exceeds the budget of {budget}",
    ),
    "QUERY_TIMEOUT": _e("查询超时，已中止", "the query ran past its deadline and was cut"),
    "RESPONSE_TOO_LARGE": _e("返回结果过大", "the response is larger than allowed"),
    "PERSISTED_QUERY_NOT_ALLOWED": _e(
        "仅接受已登记的前端查询", "only the front ends' registered operations are accepted here"
    ),
    "SUBMISSIONS_RATE_LIMITED": _e(
        "提交过于频繁，请 {retryAfter} 秒后再试", "too many submissions; try again later"
    ),
    "REQUESTS_RATE_LIMITED": _e(
        "请求过于频繁，请 {retryAfter} 秒后再试", "too many requests; try again later"
    ),
    "RATE_LIMIT_UNAVAILABLE": _e(
        "请求限流服务暂时不可用，请稍后再试", "the request limiter is unavailable; try again soon"
    ),
    "INTERNAL_SERVER_ERROR": _e("服务器内部错误", "{message}"),
    # HTTP refusals
    "BAD_REQUEST": _e("请求格式不正确：{message}", "{message}"),
    "BAD_JSON": _e("请求体不是有效的 JSON 对象", "{message}"),
    "PAYLOAD_TOO_LARGE": _e("请求内容超过大小上限", "{message}"),
    "BODY_TOO_LARGE": _e(
        "请求体超过 {limit} 字节的上限", "the request body is larger than {limit} bytes"
    ),
    "DOCUMENT_TOO_LONG": _e(
        "查询语句超过 {limit} 个字符的上限",
        "the GraphQL document is longer than {limit} characters",
    ),
    "TOO_MANY_FILES": _e("每次请求最多上传 {limit} 个文件", "at most {limit} files per request"),
    "BAD_MULTIPART": _e("无法解析上传的表单内容", "{message}"),
    "BAD_FILES_MAP": _e("上传文件与变量的对应关系（map）有误", "{message}"),
    "BATCH_NOT_SUPPORTED": _e("不支持批量请求", "batched requests are not supported"),
    "NO_QUERY": _e("请求中没有查询语句", "{message}"),
    "OPERATION_NOT_ALLOWED": _e("该类操作不能通过此方式提交", "{message}"),
    "SUBSCRIPTION_OVER_HTTP": _e(
        "订阅须通过 WebSocket（graphql-transport-ws）进行，不能通过 HTTP",
        "subscriptions run over WebSocket (graphql-transport-ws), not HTTP",
    ),
    "OPERATION_NOT_CHOSEN": _e("无法确定要执行的操作，请检查 operationName", "{message}"),
    "METHOD_NOT_ALLOWED": _e("不支持该请求方法", "{message}"),
    "UNSUPPORTED_MEDIA_TYPE": _e("不支持该请求内容类型", "{message}"),
    "METRICS_TOKEN_REQUIRED": _e("读取监控指标需要抓取令牌", "metrics need the scrape token"),
    "METRICS_OFF": _e("监控指标未开启", "metrics are off: set TONGBAN_METRICS_TOKEN"),
}

CATALOGUE: Final[dict[str, Entry]] = {**CATEGORIES, **PROBLEMS, **REFUSALS}

_STATES_ZH: Final[dict[str, str]] = {
    "received": "已收件",
    "supplement_requested": "待补正",
    "accepted": "已受理",
    "under_review": "审查中",
    "special_procedure": "特别程序",
    "review_supplement": "审查补正",
    "approved": "准予许可",
    "approved_deferred": "容缺准予",
    "denied": "不予许可",
    "delivered": "已送达",
    "not_applicable": "不属于受理范围",
    "refused": "不予受理",
    "withdrawn": "已撤回",
    "revoked": "已撤销",
    "closed_no_supplement": "逾期未补正终止办理",
    "closed_no_show": "未参加听证终止办理",
    "closed_prerequisite": "前序事项未获办结，终止办理",
    # A review task waiting for an earlier department, and (一件事一次办) a bundle's case
    # waiting for an earlier item's result: one code, one label that reads right for both.
    "waiting": "待前序办结",
    "open": "待认领",
    "claimed": "已认领",
    "completed": "已出具意见",
    "cancelled": "已取消",
}
_ACTIONS_ZH: Final[dict[str, str]] = {
    "accept": "受理",
    "declare_not_applicable": "告知不属于受理范围",
    "refuse": "不予受理",
    "request_intake_supplement": "一次性告知补正",
    "supplement": "补正材料",
    "supply_owed": "补交容缺材料",
    "close_no_supplement": "逾期未补正终止办理",
    "close_no_show": "未参加听证终止办理",
    "claim_task": "认领审查任务",
    "complete_task": "办结审查任务",
    "send_back": "退回",
    "hand_up": "报请上级",
    "transfer": "移送",
    "start_special_procedure": "启动特别程序",
    "end_special_procedure": "结束特别程序",
    "request_review_supplement": "要求审查补正",
    "extend": "延长办理时限",
    "decide": "作出决定",
    "deliver": "送达",
    "withdraw": "撤回",
    "revoke": "撤销",
    "rate": "评价",
    "complete_follow_up": "完成回访",
    "rerate": "再次评价",
    "approve_on_commitment": "告知承诺即办",
    "pass_verification": "核查通过",
    "fail_verification": "核查不实撤销",
}
_ROLES_ZH: Final[dict[str, str]] = {
    "intake": "窗口受理",
    "reviewer": "审查",
    "head": "负责人",
    "supervisor": "监督",
    "admin": "管理员",
}

_LIMITS_ZH: Final[dict[str, str]] = {"depth": "嵌套深度", "aliases": "别名数", "fields": "字段数"}

LABELS: Final[dict[str, dict[str, str]]] = {
    "zh": {**_STATES_ZH, **_ACTIONS_ZH, **_ROLES_ZH, **_LIMITS_ZH},
    "en": {},
}
"""Codes that appear as parameters (states, actions, roles), as a person reads them."""
