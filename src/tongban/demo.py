"""Demo data: Guangdong → Guangzhou and Shenzhen → two districts each → a street each, the
departments that handle common matters, officers for every role, and about ten matters people
actually ask about (the keywords of the policy page in shared/context). Loading is idempotent."""

from __future__ import annotations

import logging
from typing import NamedTuple

import asyncpg
import msgspec

from tongban.auth.types import VerifiedApplicant
from tongban.catalogue import repository as catalogue_repo
from tongban.catalogue.service import validate_spec
from tongban.catalogue.types import (
    JoinPolicy,
    MaterialForm,
    MatterSpec,
    RequiredMaterial,
    ReviewStage,
    StageMode,
)
from tongban.government import repository as gov_repo
from tongban.government.types import RegionLevel

log = logging.getLogger(__name__)

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
]


def _m(
    code: str, name: str, required: bool = True, form: MaterialForm = "copy", e: bool = False
) -> RequiredMaterial:
    return RequiredMaterial(
        code=code, name=name, required=required, form=form, e_licence_accepted=e
    )


class _Stage(NamedTuple):
    name: str
    departments: list[str]
    mode: StageMode = "parallel"
    join: JoinPolicy = "all"
    limit: int | None = None


_stage = _Stage


class DemoMatter(msgspec.Struct, kw_only=True):
    code: str
    name: str
    description: str
    category: str
    case_type: int
    level: RegionLevel
    department: str
    statutory: int
    promised: int
    joint: bool
    confidentiality: int
    materials: list[RequiredMaterial]
    stages: list[_Stage]


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

MATTERS: list[DemoMatter] = [
    DemoMatter(
        code="GD-BL-001",
        name="企业设立登记（营业执照）",
        description="新设立有限责任公司申领营业执照，市场监管、税务、公安刻章并联办理。",
        category="01",
        case_type=2,
        level="county",
        department="TH-SCJG",
        statutory=15,
        promised=3,
        joint=True,
        confidentiality=0,
        materials=[
            _m("application", "公司登记（备案）申请书", form="original"),
            _m("articles", "公司章程", form="original"),
            _m("id", "股东、法定代表人身份证明", e=True),
            _m("premises", "住所使用证明"),
            _m("name-approval", "名称自主申报告知书", required=False, e=True),
        ],
        stages=[
            _stage("并联会签", ["TH-SCJG", "TH-SWJ", "TH-GAFJ"], "parallel", "all", 2),
            _stage("核准决定", ["TH-SCJG"], "sequential", "all", 1),
        ],
    ),
    DemoMatter(
        code="GD-SI-TRANSFER",
        name="基本养老保险关系转移接续",
        description="参保人员跨省、跨市流动就业时转移养老保险关系（社保转移）。",
        category="20",
        case_type=2,
        level="city",
        department="GZ-RSJ",
        statutory=45,
        promised=15,
        joint=False,
        confidentiality=1,
        materials=[
            _m("id", "居民身份证", e=True),
            _m("certificate", "参保缴费凭证", form="original"),
            _m("application", "养老保险关系转移接续申请表", form="original"),
        ],
        stages=[_stage("转入地审核", ["GZ-RSJ"], "sequential", "all", 30)],
    ),
    DemoMatter(
        code="GZ-HPF-WITHDRAW",
        name="住房公积金提取（购房）",
        description="职工购买自住住房提取住房公积金。",
        category="05",
        case_type=2,
        level="city",
        department="GZ-GJJ",
        statutory=5,
        promised=3,
        joint=False,
        confidentiality=1,
        materials=[
            _m("id", "身份证", e=True),
            _m("contract", "购房合同", form="original_or_copy"),
            _m("invoice", "购房发票"),
            _m("bankcard", "本人银行卡", required=False),
        ],
        stages=[_stage("提取审核", ["GZ-GJJ"], "sequential", "all", 3)],
    ),
    DemoMatter(
        code="GZ-HPF-LOAN",
        name="住房公积金个人住房贷款",
        description="缴存职工申请公积金贷款购买自住住房，公积金中心与住建部门并联核验房屋信息。",
        category="05",
        case_type=2,
        level="city",
        department="GZ-GJJ",
        statutory=15,
        promised=10,
        joint=True,
        confidentiality=1,
        materials=[
            _m("id", "借款人及配偶身份证", e=True),
            _m("marriage", "婚姻状况证明", e=True),
            _m("contract", "购房合同", form="original"),
            _m("income", "收入证明", form="original"),
            _m("down-payment", "首付款证明"),
        ],
        stages=[
            _stage("贷款与房屋核验", ["GZ-GJJ", "GZ-ZJJ"], "parallel", "all", 7),
            _stage("贷款审批", ["GZ-GJJ"], "sequential", "all", 3),
        ],
    ),
    DemoMatter(
        code="TH-MARRIAGE",
        name="内地居民结婚登记",
        description="男女双方亲自到婚姻登记机关申请结婚登记，即来即办。",
        category="07",
        case_type=1,
        level="county",
        department="TH-MZJ",
        statutory=1,
        promised=1,
        joint=False,
        confidentiality=1,
        materials=[
            _m("hukou", "户口簿", form="original", e=True),
            _m("id", "居民身份证", form="original", e=True),
            _m("photo", "双方近期半身免冠合影照片"),
            _m("declaration", "申请结婚登记声明书", form="original"),
        ],
        stages=[_stage("登记审查", ["TH-MZJ"], "sequential", "all", 1)],
    ),
    DemoMatter(
        code="TH-DIVORCE",
        name="内地居民离婚登记",
        description="双方自愿离婚，提交离婚登记申请，冷静期届满后申请发给离婚证。",
        category="07",
        case_type=2,
        level="county",
        department="TH-MZJ",
        statutory=30,
        promised=30,
        joint=False,
        confidentiality=2,
        materials=[
            _m("hukou", "户口簿", form="original", e=True),
            _m("id", "居民身份证", form="original", e=True),
            _m("certificate", "结婚证", form="original", e=True),
            _m("agreement", "离婚协议书", form="original"),
        ],
        stages=[_stage("登记审查", ["TH-MZJ"], "sequential", "all")],
    ),
    DemoMatter(
        code="GZ-MATERNITY",
        name="生育津贴申领",
        description="参保职工生育或施行计划生育手术后申领生育津贴（产假期间）。",
        category="05",
        case_type=2,
        level="city",
        department="GZ-YBJ",
        statutory=20,
        promised=10,
        joint=False,
        confidentiality=1,
        materials=[
            _m("id", "身份证", e=True),
            _m("birth", "出生医学证明", e=True),
            _m("leave", "产假证明"),
        ],
        stages=[_stage("待遇审核", ["GZ-YBJ"], "sequential", "all", 8)],
    ),
    DemoMatter(
        code="GZ-PUBLIC-RENTAL",
        name="公共租赁住房保障资格申请",
        description="街道受理，区住建与区民政并联审核住房和收入状况，市住建局复核决定（廉租房/公租房）。",
        category="05",
        case_type=2,
        level="city",
        department="GZ-ZJJ",
        statutory=45,
        promised=30,
        joint=True,
        confidentiality=1,
        materials=[
            _m("application", "公共租赁住房申请表", form="original"),
            _m("hukou", "家庭成员户口簿", e=True),
            _m("income", "家庭收入证明", form="original"),
            _m("housing", "住房状况证明"),
        ],
        stages=[
            _stage("街道初审", ["TH-SPJD"], "sequential", "all", 10),
            _stage("区级并联审核", ["TH-ZJJ", "TH-MZJ"], "parallel", "all", 15),
            _stage("市级复核决定", ["GZ-ZJJ"], "sequential", "all", 5),
        ],
    ),
    DemoMatter(
        code="TH-WAGE-COMPLAINT",
        name="拖欠工资投诉受理",
        description="劳动者因用人单位拖欠工资向劳动保障监察机构投诉（欠薪投诉）。",
        category="06",
        case_type=2,
        level="county",
        department="TH-RSJ",
        statutory=60,
        promised=30,
        joint=False,
        confidentiality=1,
        materials=[
            _m("id", "投诉人身份证", e=True),
            _m("complaint", "投诉书", form="original"),
            _m("evidence", "劳动关系及欠薪证据"),
        ],
        stages=[_stage("劳动保障监察调查", ["TH-RSJ"], "sequential", "all", 45)],
    ),
    DemoMatter(
        code="GD-TM-PLEDGE",
        name="商标专用权质押登记",
        description="以注册商标专用权出质的，出质人与质权人共同申请质押登记（商标）。",
        category="07",
        case_type=2,
        level="province",
        department="GD-ZSCQJ",
        statutory=5,
        promised=2,
        joint=False,
        confidentiality=0,
        materials=[
            _m("application", "商标专用权质押登记申请书", form="original"),
            _m("contract", "质押合同", form="original"),
            _m("registration", "商标注册证", e=True),
        ],
        stages=[_stage("形式审查", ["GD-ZSCQJ"], "sequential", "all", 3)],
    ),
    DemoMatter(
        code="SZ-BL-001",
        name="企业设立登记（营业执照）",
        description="深圳市商事主体设立登记，一网通办。",
        category="01",
        case_type=2,
        level="city",
        department="SZ-SCJG",
        statutory=15,
        promised=1,
        joint=False,
        confidentiality=0,
        materials=[
            _m("application", "商事主体设立登记申请书", form="original"),
            _m("articles", "公司章程", form="original"),
            _m("id", "股东身份证明", e=True),
        ],
        stages=[_stage("登记审核", ["SZ-SCJG"], "sequential", "all", 1)],
    ),
]


async def load_demo_data(conn: asyncpg.Connection) -> dict[str, int]:
    """Insert whatever of the demo data is missing; safe to run at every start."""
    created = {"matters": 0}
    async with conn.transaction():
        # Two `tongban run`s (or pods) seeding at once take turns.
        await conn.execute("SELECT pg_advisory_xact_lock(7468646)")
        for code, name, level, parent in REGIONS:
            await gov_repo.upsert_region(
                conn, code=code, name=name, level=level, parent_code=parent
            )
        department_ids: dict[str, str] = {}
        for code, name, region in DEPARTMENTS:
            department_ids[code] = await gov_repo.upsert_department(
                conn, code=code, name=name, region_code=region
            )
        for i, (username, name, department, roles, clearance) in enumerate(OFFICERS):
            await gov_repo.upsert_officer(
                conn,
                username=username,
                name=name,
                department_id=department_ids[department],
                roles=roles,
                clearance=clearance,
                mobile=f"1390000{i:04d}",
                email=f"{username}@gov.example.cn",
            )
        for m in MATTERS:
            spec = MatterSpec(
                name=m.name,
                description=m.description,
                category=m.category,
                case_type=m.case_type,
                level=m.level,
                department_id=department_ids[m.department],
                statutory_limit=m.statutory,
                promised_limit=m.promised,
                joint_handling=m.joint,
                confidentiality=m.confidentiality,
                materials=tuple(m.materials),
                review_plan=tuple(
                    ReviewStage(
                        name=st.name,
                        department_ids=tuple(department_ids[d] for d in st.departments),
                        mode=st.mode,
                        join=st.join,
                        limit_days=st.limit,
                    )
                    for st in m.stages
                ),
            )
            problems = await validate_spec(conn, spec)
            if problems:
                raise RuntimeError(f"demo matter {m.code} is invalid: {problems}")
            matter_id = await catalogue_repo.insert_matter(conn, code=m.code)
            if matter_id is None:
                continue
            await catalogue_repo.insert_version(
                conn, matter_id=matter_id, version=1, spec=spec, created_by=None
            )
            await catalogue_repo.publish(conn, matter_id=matter_id, version=1, officer_id=None)
            created["matters"] += 1
    log.info("demo data loaded", extra=created)
    return created
