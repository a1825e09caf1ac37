"""The demo's government and people: Guangdong → Guangzhou and Shenzhen → two districts each →
a street each, the departments that handle common matters, officers for every role, and the demo
applicants as the identity provider describes them."""

from __future__ import annotations

from tongban.auth.types import VerifiedApplicant

# (code, name, level, parent)
REGIONS: list[tuple[str, str, str, str | None]] = [
    ("440000", "广东省", "province", None),
    ("440100", "广州市", "city", "440000"),
    ("440106", "天河区", "county", "440100"),
    ("440106005", "石牌街道", "township", "440106"),
    ("440104", "越秀区", "county", "440100"),
    ("440104001", "北京街道", "township", "440104"),
    ("440300", "深圳市", "city", "440000"),
    ("440304", "福田区", "county", "440300"),
    ("440304001", "园岭街道", "township", "440304"),
    ("440305", "南山区", "county", "440300"),
    ("440305001", "南头街道", "township", "440305"),
]

# (code, name, region)
DEPARTMENTS: list[tuple[str, str, str]] = [
    ("GD-ZWFW", "广东省政务服务数据管理局", "440000"),
    ("GD-RST", "广东省人力资源和社会保障厅", "440000"),
    ("GD-ZSCQJ", "广东省知识产权局", "440000"),
    ("GZ-SCJG", "广州市市场监督管理局", "440100"),
    ("GZ-RSJ", "广州市人力资源和社会保障局", "440100"),
    ("GZ-GJJ", "广州住房公积金管理中心", "440100"),
    ("GZ-ZJJ", "广州市住房和城乡建设局", "440100"),
    ("GZ-YBJ", "广州市医疗保障局", "440100"),
    ("GZ-ZSJ", "广州市政务服务和数据管理局", "440100"),
    ("TH-ZSJ", "天河区政务服务和数据管理局", "440106"),
    ("TH-SCJG", "天河区市场监督管理局", "440106"),
    ("TH-SWJ", "国家税务总局广州市天河区税务局", "440106"),
    ("TH-GAFJ", "广州市公安局天河区分局", "440106"),
    ("TH-RSJ", "天河区人力资源和社会保障局", "440106"),
    ("TH-MZJ", "天河区民政局", "440106"),
    ("TH-ZJJ", "天河区住房建设和园林局", "440106"),
    ("TH-SPJD", "天河区石牌街道办事处", "440106005"),
    ("YX-SCJG", "越秀区市场监督管理局", "440104"),
    ("YX-MZJ", "越秀区民政局", "440104"),
    ("YX-BJJD", "越秀区北京街道办事处", "440104001"),
    ("SZ-SCJG", "深圳市市场监督管理局", "440300"),
    ("SZ-RSJ", "深圳市人力资源和社会保障局", "440300"),
    ("SZ-GJJ", "深圳市住房公积金管理中心", "440300"),
    ("FT-MZJ", "福田区民政局", "440304"),
    ("FT-YLJD", "福田区园岭街道办事处", "440304001"),
    ("NS-MZJ", "南山区民政局", "440305"),
    ("NS-NTJD", "南山区南头街道办事处", "440305001"),
    # 一件事一次办 (issue 16): 开餐馆's signboard permit and 生孩子's birth certificate.
    ("TH-CGJ", "天河区城市管理和综合执法局", "440106"),
    ("TH-WJJ", "天河区卫生健康局", "440106"),
]

# (username, name, department, roles, clearance)
OFFICERS: list[tuple[str, str, str, list[str], int]] = [
    ("admin", "省平台管理员", "GD-ZWFW", ["admin", "supervisor"], 3),
    ("gd.supervisor", "省电子监察员", "GD-ZWFW", ["supervisor"], 2),
    ("gd.ip.reviewer", "省知识产权局审查员", "GD-ZSCQJ", ["intake", "reviewer"], 1),
    ("gd.ip.head", "省知识产权局处长", "GD-ZSCQJ", ["head"], 2),
    ("gz.supervisor", "广州市电子监察员", "GZ-ZSJ", ["supervisor"], 2),
    ("gz.admin", "广州市事项管理员", "GZ-ZSJ", ["admin"], 2),
    ("gz.scjg.reviewer", "市市场监管局审查员", "GZ-SCJG", ["reviewer"], 1),
    ("gz.scjg.head", "市市场监管局局长", "GZ-SCJG", ["head"], 2),
    ("gz.gjj.intake", "市公积金中心窗口", "GZ-GJJ", ["intake"], 1),
    ("gz.gjj.reviewer", "市公积金中心审核员", "GZ-GJJ", ["reviewer"], 1),
    ("gz.gjj.head", "市公积金中心主任", "GZ-GJJ", ["head"], 2),
    ("gz.zjj.reviewer", "市住建局审核员", "GZ-ZJJ", ["reviewer"], 1),
    ("gz.zjj.head", "市住建局局长", "GZ-ZJJ", ["head"], 2),
    ("gz.rsj.reviewer", "市人社局审核员", "GZ-RSJ", ["intake", "reviewer"], 1),
    ("gz.rsj.head", "市人社局局长", "GZ-RSJ", ["head"], 2),
    ("gz.ybj.reviewer", "市医保局审核员", "GZ-YBJ", ["intake", "reviewer"], 1),
    ("gz.ybj.head", "市医保局局长", "GZ-YBJ", ["head"], 2),
    ("th.window", "天河区政务服务中心窗口", "TH-ZSJ", ["intake"], 1),
    ("th.supervisor", "天河区电子监察员", "TH-ZSJ", ["supervisor"], 2),
    ("th.scjg.reviewer", "天河区市场监管局审查员", "TH-SCJG", ["reviewer"], 1),
    ("th.scjg.head", "天河区市场监管局局长", "TH-SCJG", ["head"], 2),
    ("th.swj.reviewer", "天河区税务局审核员", "TH-SWJ", ["reviewer"], 1),
    ("th.swj.head", "天河区税务局局长", "TH-SWJ", ["head"], 2),
    ("th.gafj.reviewer", "天河分局治安审核员", "TH-GAFJ", ["reviewer"], 2),
    ("th.gafj.head", "天河分局局长", "TH-GAFJ", ["head"], 3),
    ("th.rsj.reviewer", "天河区劳动监察员", "TH-RSJ", ["intake", "reviewer"], 1),
    ("th.rsj.head", "天河区人社局局长", "TH-RSJ", ["head"], 2),
    ("th.mzj.registrar", "天河区婚姻登记员", "TH-MZJ", ["intake", "reviewer"], 1),
    ("th.mzj.head", "天河区民政局局长", "TH-MZJ", ["head"], 2),
    ("th.zjj.reviewer", "天河区住建局审核员", "TH-ZJJ", ["reviewer"], 1),
    ("th.zjj.head", "天河区住建局局长", "TH-ZJJ", ["head"], 2),
    ("th.shipai.window", "石牌街道便民服务中心窗口", "TH-SPJD", ["intake", "reviewer"], 1),
    ("yx.window", "越秀区北京街道窗口", "YX-BJJD", ["intake"], 1),
    ("yx.mzj.registrar", "越秀区婚姻登记员", "YX-MZJ", ["intake", "reviewer"], 1),
    ("sz.supervisor", "深圳市电子监察员", "SZ-SCJG", ["supervisor"], 2),
    ("sz.scjg.reviewer", "深圳市市场监管局审查员", "SZ-SCJG", ["intake", "reviewer"], 1),
    ("sz.scjg.head", "深圳市市场监管局局长", "SZ-SCJG", ["head"], 2),
    ("sz.gjj.reviewer", "深圳市公积金中心审核员", "SZ-GJJ", ["intake", "reviewer"], 1),
    ("ft.mzj.registrar", "福田区婚姻登记员", "FT-MZJ", ["intake", "reviewer"], 1),
    ("ns.mzj.registrar", "南山区婚姻登记员", "NS-MZJ", ["intake", "reviewer"], 1),
    # Appended, so that the numbers of the officers above stay theirs.
    ("th.cgj.reviewer", "天河区城管局审核员", "TH-CGJ", ["reviewer"], 1),
    ("th.cgj.head", "天河区城管局局长", "TH-CGJ", ["head"], 2),
    ("th.wjj.reviewer", "天河区卫健局审核员", "TH-WJJ", ["reviewer"], 1),
    ("th.wjj.head", "天河区卫健局局长", "TH-WJJ", ["head"], 2),
]


# Demo applicants as the identity provider would describe them (`tongban token --applicant
# <name>`): their records are created by their first signed-in request, like real ones.
DEMO_APPLICANTS: dict[str, VerifiedApplicant] = {
    "chen.xiaoming": VerifiedApplicant(
        kind="person",
        name="陈小明",
        id_number="11010519491231002X",
        mobile="13800138001",
        email="chen.xiaoming@example.cn",
    ),
    "tongban.tech": VerifiedApplicant(
        kind="organisation",
        name="广州通办科技有限公司",
        credit_code="91440101MA5CJQ4N59",
        legal_representative="李通",
        mobile="13800138002",
        email="office@tongban-tech.example.cn",
    ),
}
