"""The demo catalogue: about ten matters people actually ask about (the keywords of the policy
page in shared/context), each with its first version."""

from __future__ import annotations

import msgspec

from tongban.catalogue.types import (
    JoinPolicy,
    MaterialForm,
    MatterSpec,
    RequiredMaterial,
    ReviewStage,
    StageMode,
)


def _m(
    code: str, name: str, required: bool = True, form: MaterialForm = "copy", e: bool = False
) -> RequiredMaterial:
    return RequiredMaterial(
        code=code, name=name, required=required, form=form, e_licence_accepted=e
    )


def _stage(
    name: str,
    departments: list[str],
    mode: StageMode = "parallel",
    join: JoinPolicy = "all",
    limit: int | None = None,
) -> ReviewStage:
    return ReviewStage(
        name=name, department_ids=tuple(departments), mode=mode, join=join, limit_days=limit
    )


class DemoMatter(msgspec.Struct, frozen=True):
    """A matter's code and its first version. Departments are named by their codes here;
    loading puts in their ids."""

    code: str
    spec: MatterSpec

    @property
    def name(self) -> str:
        return self.spec.name


MATTERS: list[DemoMatter] = [
    DemoMatter(
        "GD-BL-001",
        MatterSpec(
            name="企业设立登记（营业执照）",
            description="新设立有限责任公司申领营业执照，市场监管、税务、公安刻章并联办理。",
            category="01",
            case_type=2,
            level="county",
            department_id="TH-SCJG",
            statutory_limit=15,
            promised_limit=3,
            joint_handling=True,
            confidentiality=0,
            materials=(
                _m("application", "公司登记（备案）申请书", form="original"),
                _m("articles", "公司章程", form="original"),
                _m("id", "股东、法定代表人身份证明", e=True),
                _m("premises", "住所使用证明"),
                _m("name-approval", "名称自主申报告知书", required=False, e=True),
            ),
            review_plan=(
                _stage("并联会签", ["TH-SCJG", "TH-SWJ", "TH-GAFJ"], "parallel", "all", 2),
                _stage("核准决定", ["TH-SCJG"], "sequential", "all", 1),
            ),
        ),
    ),
    DemoMatter(
        "GD-SI-TRANSFER",
        MatterSpec(
            name="基本养老保险关系转移接续",
            description="参保人员跨省、跨市流动就业时转移养老保险关系（社保转移）。",
            category="20",
            case_type=2,
            level="city",
            department_id="GZ-RSJ",
            statutory_limit=45,
            promised_limit=15,
            joint_handling=False,
            confidentiality=1,
            materials=(
                _m("id", "居民身份证", e=True),
                _m("certificate", "参保缴费凭证", form="original"),
                _m("application", "养老保险关系转移接续申请表", form="original"),
            ),
            review_plan=(_stage("转入地审核", ["GZ-RSJ"], "sequential", "all", 30),),
        ),
    ),
    DemoMatter(
        "GZ-HPF-WITHDRAW",
        MatterSpec(
            name="住房公积金提取（购房）",
            description="职工购买自住住房提取住房公积金。",
            category="05",
            case_type=2,
            level="city",
            department_id="GZ-GJJ",
            statutory_limit=5,
            promised_limit=3,
            joint_handling=False,
            confidentiality=1,
            materials=(
                _m("id", "身份证", e=True),
                _m("contract", "购房合同", form="original_or_copy"),
                _m("invoice", "购房发票"),
                _m("bankcard", "本人银行卡", required=False),
            ),
            review_plan=(_stage("提取审核", ["GZ-GJJ"], "sequential", "all", 3),),
        ),
    ),
    DemoMatter(
        "GZ-HPF-LOAN",
        MatterSpec(
            name="住房公积金个人住房贷款",
            description="缴存职工申请公积金贷款购买自住住房，公积金中心与住建部门并联核验房屋信息。",
            category="05",
            case_type=2,
            level="city",
            department_id="GZ-GJJ",
            statutory_limit=15,
            promised_limit=10,
            joint_handling=True,
            confidentiality=1,
            materials=(
                _m("id", "借款人及配偶身份证", e=True),
                _m("marriage", "婚姻状况证明", e=True),
                _m("contract", "购房合同", form="original"),
                _m("income", "收入证明", form="original"),
                _m("down-payment", "首付款证明"),
            ),
            review_plan=(
                _stage("贷款与房屋核验", ["GZ-GJJ", "GZ-ZJJ"], "parallel", "all", 7),
                _stage("贷款审批", ["GZ-GJJ"], "sequential", "all", 3),
            ),
        ),
    ),
    DemoMatter(
        "TH-MARRIAGE",
        MatterSpec(
            name="内地居民结婚登记",
            description="男女双方亲自到婚姻登记机关申请结婚登记，即来即办。",
            category="07",
            case_type=1,
            level="county",
            department_id="TH-MZJ",
            statutory_limit=1,
            promised_limit=1,
            joint_handling=False,
            confidentiality=1,
            materials=(
                _m("hukou", "户口簿", form="original", e=True),
                _m("id", "居民身份证", form="original", e=True),
                _m("photo", "双方近期半身免冠合影照片"),
                _m("declaration", "申请结婚登记声明书", form="original"),
            ),
            review_plan=(_stage("登记审查", ["TH-MZJ"], "sequential", "all", 1),),
        ),
    ),
    DemoMatter(
        "TH-DIVORCE",
        MatterSpec(
            name="内地居民离婚登记",
            description="双方自愿离婚，提交离婚登记申请，冷静期届满后申请发给离婚证。",
            category="07",
            case_type=2,
            level="county",
            department_id="TH-MZJ",
            statutory_limit=30,
            promised_limit=30,
            joint_handling=False,
            confidentiality=2,
            materials=(
                _m("hukou", "户口簿", form="original", e=True),
                _m("id", "居民身份证", form="original", e=True),
                _m("certificate", "结婚证", form="original", e=True),
                _m("agreement", "离婚协议书", form="original"),
            ),
            review_plan=(_stage("登记审查", ["TH-MZJ"], "sequential", "all"),),
        ),
    ),
    DemoMatter(
        "GZ-MATERNITY",
        MatterSpec(
            name="生育津贴申领",
            description="参保职工生育或施行计划生育手术后申领生育津贴（产假期间）。",
            category="05",
            case_type=2,
            level="city",
            department_id="GZ-YBJ",
            statutory_limit=20,
            promised_limit=10,
            joint_handling=False,
            confidentiality=1,
            materials=(
                _m("id", "身份证", e=True),
                _m("birth", "出生医学证明", e=True),
                _m("leave", "产假证明"),
            ),
            review_plan=(_stage("待遇审核", ["GZ-YBJ"], "sequential", "all", 8),),
        ),
    ),
    DemoMatter(
        "GZ-PUBLIC-RENTAL",
        MatterSpec(
            name="公共租赁住房保障资格申请",
            description="街道受理，区住建与区民政并联审核住房和收入状况，市住建局复核决定（廉租房/公租房）。",
            category="05",
            case_type=2,
            level="city",
            department_id="GZ-ZJJ",
            statutory_limit=45,
            promised_limit=30,
            joint_handling=True,
            confidentiality=1,
            materials=(
                _m("application", "公共租赁住房申请表", form="original"),
                _m("hukou", "家庭成员户口簿", e=True),
                _m("income", "家庭收入证明", form="original"),
                _m("housing", "住房状况证明"),
            ),
            review_plan=(
                _stage("街道初审", ["TH-SPJD"], "sequential", "all", 10),
                _stage("区级并联审核", ["TH-ZJJ", "TH-MZJ"], "parallel", "all", 15),
                _stage("市级复核决定", ["GZ-ZJJ"], "sequential", "all", 5),
            ),
        ),
    ),
    DemoMatter(
        "TH-WAGE-COMPLAINT",
        MatterSpec(
            name="拖欠工资投诉受理",
            description="劳动者因用人单位拖欠工资向劳动保障监察机构投诉（欠薪投诉）。",
            category="06",
            case_type=2,
            level="county",
            department_id="TH-RSJ",
            statutory_limit=60,
            promised_limit=30,
            joint_handling=False,
            confidentiality=1,
            materials=(
                _m("id", "投诉人身份证", e=True),
                _m("complaint", "投诉书", form="original"),
                _m("evidence", "劳动关系及欠薪证据"),
            ),
            review_plan=(_stage("劳动保障监察调查", ["TH-RSJ"], "sequential", "all", 45),),
        ),
    ),
    DemoMatter(
        "GD-TM-PLEDGE",
        MatterSpec(
            name="商标专用权质押登记",
            description="以注册商标专用权出质的，出质人与质权人共同申请质押登记（商标）。",
            category="07",
            case_type=2,
            level="province",
            department_id="GD-ZSCQJ",
            statutory_limit=5,
            promised_limit=2,
            joint_handling=False,
            confidentiality=0,
            materials=(
                _m("application", "商标专用权质押登记申请书", form="original"),
                _m("contract", "质押合同", form="original"),
                _m("registration", "商标注册证", e=True),
            ),
            review_plan=(_stage("形式审查", ["GD-ZSCQJ"], "sequential", "all", 3),),
        ),
    ),
    DemoMatter(
        "SZ-BL-001",
        MatterSpec(
            name="企业设立登记（营业执照）",
            description="深圳市商事主体设立登记，一网通办。",
            category="01",
            case_type=2,
            level="city",
            department_id="SZ-SCJG",
            statutory_limit=15,
            promised_limit=1,
            joint_handling=False,
            confidentiality=0,
            materials=(
                _m("application", "商事主体设立登记申请书", form="original"),
                _m("articles", "公司章程", form="original"),
                _m("id", "股东身份证明", e=True),
            ),
            review_plan=(_stage("登记审核", ["SZ-SCJG"], "sequential", "all", 1),),
        ),
    ),
]
