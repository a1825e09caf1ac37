"""GraphQL types of the matter catalogue: matters, their versions, materials and review plan."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from tongban.api.catalogue_guide import MatterGuide
from tongban.api.context import Info
from tongban.api.enums import JoinPolicy, MaterialForm, MatterKind, RegionLevel, StageMode
from tongban.api.government import Department, department_of
from tongban.api.node import Node
from tongban.catalogue import types as domain

if TYPE_CHECKING:
    from tongban.api.licences import Licence


@strawberry.enum(description="Matter category (事项类型), with its national code.")
class MatterCategory(Enum):
    ADMINISTRATIVE_POWER = strawberry.enum_value("00", description="00 行政权力.")
    LICENSING = strawberry.enum_value("01", description="01 行政许可.")
    PENALTY = strawberry.enum_value("02", description="02 行政处罚.")
    ENFORCEMENT = strawberry.enum_value("03", description="03 行政强制.")
    LEVY = strawberry.enum_value("04", description="04 行政征收.")
    BENEFIT_PAYMENT = strawberry.enum_value("05", description="05 行政给付.")
    INSPECTION = strawberry.enum_value("06", description="06 行政检查.")
    CONFIRMATION = strawberry.enum_value("07", description="07 行政确认.")
    AWARD = strawberry.enum_value("08", description="08 行政奖励.")
    ADJUDICATION = strawberry.enum_value("09", description="09 行政裁决.")
    OTHER = strawberry.enum_value("10", description="10 其他行政权力.")
    PUBLIC_SERVICE = strawberry.enum_value("20", description="20 公共服务.")


@strawberry.enum(description="Case type (办件类型, GB/T 39046 A.6).")
class CaseType(Enum):
    IMMEDIATE = strawberry.enum_value(1, description="1 即办件: handled on the spot.")
    COMMITMENT = strawberry.enum_value(2, description="2 承诺件: handled within a promised limit.")
    OTHER = strawberry.enum_value(9, description="9 other.")


@strawberry.enum(description="Whether a matter version is still being edited.")
class VersionStatus(Enum):
    DRAFT = strawberry.enum_value("draft", description="Editable; not used by cases.")
    PUBLISHED = strawberry.enum_value("published", description="Frozen; new cases pin it.")


@strawberry.type(description="A material the applicant submits (申请材料).")
class RequiredMaterial(Node):
    id: strawberry.ID = strawberry.field(
        description="Stable identifier: RequiredMaterial:<matter id>:<version>:<code>."
    )
    code: str = strawberry.field(description="Material code, unique within the matter.")
    name: str = strawberry.field(description="Material name, e.g. 营业执照申请书.")
    required: bool = strawberry.field(description="Required (必要) rather than optional.")
    form: MaterialForm = strawberry.field(description="Original or copy.")
    e_licence_accepted: bool = strawberry.field(
        description="An electronic licence (电子证照) may replace it."
    )
    deferrable: bool = strawberry.field(
        description="容缺: a window may accept the case without it on the applicant's signed "
        "undertaking to bring it later (never a core material)."
    )
    licence_type: str | None = strawberry.field(
        default=None,
        description="免提交: the electronic licence type (`LicenceTerms.typeCode`) that fills "
        "it; an applicant holding a valid one links it instead of an upload.",
    )

    @strawberry.field(
        description="The signed-in applicant's valid licences that could fill this material "
        "(send one as `SubmitCaseInput.licences`); empty for anyone else."
    )
    async def reusable_licences(
        self, info: Info
    ) -> list[Annotated[Licence, strawberry.lazy("tongban.api.licences")]]:
        from tongban.api.licences import reusable_for

        return await reusable_for(info, self.licence_type)

    @classmethod
    def from_domain(cls, m: domain.RequiredMaterial, version_key: str) -> RequiredMaterial:
        """``version_key`` is ``<matter id>:<version>``."""
        return cls(
            id=strawberry.ID(f"RequiredMaterial:{version_key}:{m.code}"),
            code=m.code,
            name=m.name,
            required=m.required,
            form=MaterialForm(m.form),
            e_licence_accepted=m.e_licence_accepted,
            deferrable=m.deferrable,
            licence_type=m.licence_type,
        )


@strawberry.type(description="电子证照: the electronic licence an approval of the matter issues.")
class LicenceTerms:
    type_code: str = strawberry.field(description="Licence type code, e.g. YYZZ.")
    type_name: str = strawberry.field(description="Licence type, e.g. 营业执照.")
    validity_years: int | None = strawberry.field(
        description="Years it is valid from issue; null: long-term (长期)."
    )


@strawberry.type(
    description="告知承诺制: what the applicant is told and commits to in writing instead of "
    "the proofs; the case is approved at once and verified afterwards (事中事后核查)."
)
class CommitmentTerms:
    conditions: str = strawberry.field(
        description="The conditions (告知内容) the applicant must be shown before committing."
    )
    conditions_hash: str = strawberry.field(
        description="SHA-256 (hex) of `conditions`: send it with the commitment to show which "
        "conditions were signed; a stale one is refused."
    )
    replaces_all_materials: bool = strawberry.field(
        description="The commitment replaces every listed material."
    )
    replaced_material_codes: list[str] = strawberry.field(
        description="Codes of the materials the commitment replaces (every listed one when "
        "`replacesAllMaterials`): these are not required of a committed case."
    )
    own_days: strawberry.Private[int | None]

    @strawberry.field(
        description="Working days the handling department has to verify after the approval "
        "(the matter's own period, else the platform's default)."
    )
    def verification_days(self, info: Info) -> int:
        days = self.own_days
        return info.context.settings.commitment_verification_days if days is None else days

    @classmethod
    def from_domain(cls, t: domain.CommitmentTerms, spec: domain.MatterSpec) -> CommitmentTerms:
        return cls(
            conditions=t.conditions,
            conditions_hash=t.conditions_hash,
            replaces_all_materials=t.replaces is None,
            replaced_material_codes=[m.code for m in spec.materials if t.replaces_material(m.code)],
            own_days=t.verification_days,
        )


@strawberry.type(description="One stage of a matter's review plan.")
class ReviewStage(Node):
    id: strawberry.ID = strawberry.field(
        description="Stable identifier: ReviewStage:<matter id>:<version>:<index from 0>."
    )
    name: str = strawberry.field(description="Stage name, e.g. 部门会签.")
    mode: StageMode = strawberry.field(description="Parallel or sequential.")
    join: JoinPolicy = strawberry.field(description="When the stage is done.")
    limit_days: int | None = strawberry.field(description="Stage limit in working days.")
    department_ids: list[strawberry.ID] = strawberry.field(
        description="Departments that must give an opinion, in order when sequential."
    )

    @strawberry.field(description="Departments that must give an opinion.")
    async def departments(self, info: Info) -> list[Department]:
        found = await info.context.loaders.department.load_many(
            [str(d) for d in self.department_ids]
        )
        return [Department.from_domain(d) for d in found if d is not None]

    @classmethod
    def from_domain(cls, st: domain.ReviewStage, stage_key: str) -> ReviewStage:
        """``stage_key`` is ``<matter id>:<version>:<index from 0>``."""
        return cls(
            id=strawberry.ID(f"ReviewStage:{stage_key}"),
            name=st.name,
            mode=StageMode(st.mode),
            join=JoinPolicy(st.join),
            limit_days=st.limit_days,
            department_ids=[strawberry.ID(d) for d in st.department_ids],
        )


@strawberry.type(description="One version of a matter. A published version never changes.")
class MatterVersion(Node):
    id: strawberry.ID = strawberry.field(
        description="Stable identifier of this version: MatterVersion:<matter id>:<version>."
    )
    code: str = strawberry.field(description="The matter's code.")
    version: int = strawberry.field(description="Version number, from 1.")
    status: VersionStatus = strawberry.field(description="Draft or published.")
    revision: int = strawberry.field(
        description="Edit counter of a draft; send it back to detect concurrent edits."
    )
    name: str = strawberry.field(description="Matter name, e.g. 企业设立登记.")
    description: str = strawberry.field(description="What the matter is for.")
    category: MatterCategory = strawberry.field(description="Matter category.")
    case_type: CaseType = strawberry.field(description="Immediate or commitment.")
    level: RegionLevel = strawberry.field(description="Implementing level.")
    department_id: strawberry.ID = strawberry.field(description="Implementing department.")
    statutory_limit: int = strawberry.field(description="法定时限 in working days.")
    promised_limit: int = strawberry.field(description="承诺时限 in working days (≤ statutory).")
    joint_handling: bool = strawberry.field(
        description="Joint handling (Art. 26): extensions add 15 working days instead of 10."
    )
    confidentiality: int = strawberry.field(
        description="Default confidentiality of its cases (0 public … 3 secret)."
    )
    materials: list[RequiredMaterial] = strawberry.field(description="Materials to submit.")
    review_plan: list[ReviewStage] = strawberry.field(description="Review stages in order.")
    kind: MatterKind = strawberry.field(
        description="Kind of power; names the decision in notices (准予许可, 予以核准 …)."
    )
    cross_region_receiving: list[str] = strawberry.field(
        description="跨域通办: regions (with those below) whose windows may also receive it; "
        "its own department still handles it."
    )
    guide: MatterGuide | None = strawberry.field(
        description="The matter guide (办事指南) of this version; null for versions published "
        "before guides were kept. A case shows the guide of the version it was filed under."
    )
    commitment_allowed: bool = strawberry.field(
        description="告知承诺制: an applicant may commit in writing instead of submitting the "
        "replaced proofs, and the case is approved at once."
    )
    commitment: CommitmentTerms | None = strawberry.field(
        description="The commitment's terms (null when `commitmentAllowed` is false); public."
    )
    supplement_period_days: int | None = strawberry.field(
        description="补正期限 in working days this version sets (null: the platform default)."
    )
    public_results: bool = strawberry.field(
        description="结果公示: approved results of cases filed under this version are public."
    )
    licence: LicenceTerms | None = strawberry.field(
        description="电子证照: the licence an approval issues (null: none)."
    )
    created_at: datetime = strawberry.field(description="When this version was started.")
    updated_at: datetime = strawberry.field(description="When this version was last edited.")
    published_at: datetime | None = strawberry.field(description="When it was published.")

    @classmethod
    def from_domain(cls, v: domain.MatterVersion) -> MatterVersion:
        s = v.spec
        return cls(
            id=strawberry.ID(f"MatterVersion:{v.matter_id}:{v.version}"),
            code=v.code,
            version=v.version,
            status=VersionStatus.PUBLISHED if v.published else VersionStatus.DRAFT,
            revision=v.revision,
            name=s.name,
            description=s.description,
            category=MatterCategory(s.category),
            case_type=CaseType(s.case_type),
            level=RegionLevel(s.level),
            department_id=strawberry.ID(s.department_id),
            statutory_limit=s.statutory_limit,
            promised_limit=s.promised_limit,
            joint_handling=s.joint_handling,
            confidentiality=s.confidentiality,
            kind=MatterKind(s.matter_kind),
            cross_region_receiving=list(s.cross_region_receiving),
            guide=None if s.guide is None else MatterGuide.from_domain(s.guide),
            commitment_allowed=s.commitment is not None,
            commitment=None
            if s.commitment is None
            else CommitmentTerms.from_domain(s.commitment, s),
            supplement_period_days=s.supplement_period_days,
            public_results=s.public_results,
            licence=None
            if s.licence is None
            else LicenceTerms(
                type_code=s.licence.type_code,
                type_name=s.licence.type_name,
                validity_years=s.licence.validity_years,
            ),
            materials=[
                RequiredMaterial.from_domain(m, f"{v.matter_id}:{v.version}") for m in s.materials
            ],
            review_plan=[
                ReviewStage.from_domain(st, f"{v.matter_id}:{v.version}:{i}")
                for i, st in enumerate(s.review_plan)
            ],
            created_at=v.created_at,
            updated_at=v.updated_at,
            published_at=v.published_at,
        )

    @strawberry.field(description="The implementing department.")
    async def department(self, info: Info) -> Department:
        return await department_of(info, str(self.department_id))


@strawberry.type(description="A matter (事项) of the catalogue with its versions.")
class Matter(Node):
    id: strawberry.ID = strawberry.field(description="Stable identifier.")
    code: str = strawberry.field(description="Matter code (事项编码).")
    current_version: int | None = strawberry.field(
        description="Number of the published version in force (null before the first publish)."
    )

    @classmethod
    def from_version(cls, v: domain.MatterVersion, current_version: int | None) -> Matter:
        return cls(id=strawberry.ID(v.matter_id), code=v.code, current_version=current_version)

    async def _versions(self, info: Info) -> list[domain.MatterVersion]:
        return await info.context.loaders.matter_versions.load(str(self.id))

    async def _current(self, info: Info) -> domain.MatterVersion | None:
        return next(
            (v for v in await self._versions(info) if v.version == self.current_version), None
        )

    @strawberry.field(description="The published version in force.")
    async def current(self, info: Info) -> MatterVersion | None:
        found = await self._current(info)
        return None if found is None else MatterVersion.from_domain(found)

    @strawberry.field(description="The guide (办事指南) of the published version in force.")
    async def guide(self, info: Info) -> MatterGuide | None:
        found = await self._current(info)
        guide = None if found is None else found.spec.guide
        return None if guide is None else MatterGuide.from_domain(guide)

    @strawberry.field(description="Published versions, newest first.")
    async def versions(self, info: Info) -> list[MatterVersion]:
        return [MatterVersion.from_domain(v) for v in await self._versions(info) if v.published]

    @strawberry.field(description="The open draft, if any (administrators only).")
    async def draft(self, info: Info) -> MatterVersion | None:
        if not info.context.principal.has_role("admin"):
            return None
        for v in await self._versions(info):
            if not v.published:
                return MatterVersion.from_domain(v)
        return None
