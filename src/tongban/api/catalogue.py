"""GraphQL types, queries and admin mutations of the matter catalogue."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from tongban.api.context import Info
from tongban.api.convert import raw, raw_or_none
from tongban.api.errors import UserError, user_errors
from tongban.api.government import Department, RegionLevel
from tongban.api.node import Node
from tongban.api.pagination import (
    After,
    Before,
    Connection,
    First,
    Last,
    connection,
    encode_cursor,
    page_request,
)
from tongban.catalogue import repository as repo
from tongban.catalogue import service
from tongban.catalogue import types as domain
from tongban.errors import DomainError


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


@strawberry.enum(description="Whether a material must be the original or may be a copy.")
class MaterialForm(Enum):
    ORIGINAL = strawberry.enum_value("original", description="The original (原件).")
    COPY = strawberry.enum_value("copy", description="A copy (复印件).")
    ORIGINAL_OR_COPY = strawberry.enum_value("original_or_copy", description="Either.")


@strawberry.enum(description="How the departments of a review stage work.")
class StageMode(Enum):
    PARALLEL = strawberry.enum_value("parallel", description="All at once (并联/会签).")
    SEQUENTIAL = strawberry.enum_value("sequential", description="One after another (串联).")


@strawberry.enum(description="When a review stage is done.")
class JoinPolicy(Enum):
    ALL = strawberry.enum_value("all", description="When every department has given an opinion.")
    ANY = strawberry.enum_value("any", description="When the first department has.")


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
            materials=[
                RequiredMaterial(
                    id=strawberry.ID(f"RequiredMaterial:{v.matter_id}:{v.version}:{m.code}"),
                    code=m.code,
                    name=m.name,
                    required=m.required,
                    form=MaterialForm(m.form),
                    e_licence_accepted=m.e_licence_accepted,
                )
                for m in s.materials
            ],
            review_plan=[
                ReviewStage(
                    id=strawberry.ID(f"ReviewStage:{v.matter_id}:{v.version}:{i}"),
                    name=st.name,
                    mode=StageMode(st.mode),
                    join=JoinPolicy(st.join),
                    limit_days=st.limit_days,
                    department_ids=[strawberry.ID(d) for d in st.department_ids],
                )
                for i, st in enumerate(s.review_plan)
            ],
            created_at=v.created_at,
            updated_at=v.updated_at,
            published_at=v.published_at,
        )

    @strawberry.field(description="The implementing department.")
    async def department(self, info: Info) -> Department:
        found = await info.context.loaders.department.load(str(self.department_id))
        assert found is not None
        return Department.from_domain(found)


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

    @strawberry.field(description="The published version in force.")
    async def current(self, info: Info) -> MatterVersion | None:
        for v in await self._versions(info):
            if v.version == self.current_version:
                return MatterVersion.from_domain(v)
        return None

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


MatterConnection = Connection[Matter]


@strawberry.input(description="Filters of the catalogue search; all optional, combined with AND.")
class MatterFilterInput:
    keyword: str | None = strawberry.field(
        default=None, description="Chinese or code keyword, matched within name, description, code."
    )
    category: MatterCategory | None = strawberry.field(default=None, description="Category.")
    region_code: str | None = strawberry.field(
        default=None,
        description="Matters of departments in this region or any region below it.",
    )
    department_id: strawberry.ID | None = strawberry.field(
        default=None, description="Implementing department."
    )
    level: RegionLevel | None = strawberry.field(default=None, description="Implementing level.")


@strawberry.input(description="A material the applicant submits.")
class RequiredMaterialInput:
    code: str = strawberry.field(description="Material code, unique within the matter.")
    name: str = strawberry.field(description="Material name.")
    required: bool = strawberry.field(default=True, description="Required rather than optional.")
    form: MaterialForm = strawberry.field(
        default=MaterialForm.COPY, description="Original or copy."
    )
    e_licence_accepted: bool = strawberry.field(
        default=False, description="An electronic licence may replace it."
    )


@strawberry.input(description="One review stage.")
class ReviewStageInput:
    name: str = strawberry.field(description="Stage name.")
    department_ids: list[strawberry.ID] = strawberry.field(description="Departments, in order.")
    mode: StageMode = strawberry.field(
        default=StageMode.PARALLEL, description="Parallel or sequential."
    )
    join: JoinPolicy = strawberry.field(
        default=JoinPolicy.ALL, description="When the stage is done."
    )
    limit_days: int | None = strawberry.field(
        default=None, description="Stage limit (working days)."
    )


@strawberry.input(description="Everything a matter version says.")
class MatterSpecInput:
    name: str = strawberry.field(description="Matter name.")
    description: str = strawberry.field(default="", description="What the matter is for.")
    category: MatterCategory = strawberry.field(description="Category.")
    case_type: CaseType = strawberry.field(description="Immediate or commitment.")
    level: RegionLevel = strawberry.field(description="Implementing level.")
    department_id: strawberry.ID = strawberry.field(description="Implementing department.")
    statutory_limit: int = strawberry.field(description="法定时限 in working days.")
    promised_limit: int = strawberry.field(description="承诺时限 in working days.")
    joint_handling: bool = strawberry.field(default=False, description="Joint handling (Art. 26).")
    confidentiality: int = strawberry.field(default=0, description="0 public … 3 secret.")
    materials: list[RequiredMaterialInput] = strawberry.field(description="Materials.")
    review_plan: list[ReviewStageInput] = strawberry.field(description="Review stages in order.")

    def to_domain(self) -> domain.MatterSpec:
        return domain.MatterSpec(
            name=self.name,
            description=self.description,
            category=raw(self.category),
            case_type=raw(self.case_type),
            level=raw(self.level),
            department_id=str(self.department_id),
            statutory_limit=self.statutory_limit,
            promised_limit=self.promised_limit,
            joint_handling=self.joint_handling,
            confidentiality=self.confidentiality,
            materials=tuple(
                domain.RequiredMaterial(
                    code=m.code,
                    name=m.name,
                    required=m.required,
                    form=raw(m.form),
                    e_licence_accepted=m.e_licence_accepted,
                )
                for m in self.materials
            ),
            review_plan=tuple(
                domain.ReviewStage(
                    name=s.name,
                    department_ids=tuple(str(d) for d in s.department_ids),
                    mode=raw(s.mode),
                    join=raw(s.join),
                    limit_days=s.limit_days,
                )
                for s in self.review_plan
            ),
        )


@strawberry.type(description="Result of a catalogue mutation.")
class MatterPayload:
    matter: Matter | None = strawberry.field(description="The matter, when the mutation succeeded.")
    version: MatterVersion | None = strawberry.field(
        description="The version created, edited or published."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the mutation failed; empty on success. Nothing was written on failure."
    )


def _payload(v: domain.MatterVersion, current_version: int | None) -> MatterPayload:
    return MatterPayload(
        matter=Matter.from_version(v, current_version),
        version=MatterVersion.from_domain(v),
        user_errors=[],
    )


def _failed(exc: DomainError, *, root: str | None = "spec") -> MatterPayload:
    """A refusal; the fields of a draft sit under the ``spec`` argument (publishMatter has
    none: its problems name the stored draft's fields)."""
    return MatterPayload(
        matter=None,
        version=None,
        user_errors=user_errors(
            exc, root=root, top_level=frozenset({"code", "expectedRevision", "expectedVersion"})
        ),
    )


_MATTERS = "matters:code"


@strawberry.type
class CatalogueQuery:
    @strawberry.field(description="Search the published catalogue (public), in matter-code order.")
    async def matters(
        self,
        info: Info,
        filter: Annotated[
            MatterFilterInput | None, strawberry.argument(description="Filters.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> MatterConnection:
        page = page_request(
            first=first,
            after=after,
            last=last,
            before=before,
            maximum=info.context.settings.graphql_max_page_size,
        )
        window = page.window(tuple[str], _MATTERS)
        search = _filter(filter or MatterFilterInput())
        async with info.context.pool.acquire() as conn:
            found = await service.search(conn, filter=search, window=window)

        async def count() -> int:
            async with info.context.pool.acquire() as conn:
                return await service.count(conn, filter=search)

        return connection(
            found,
            page,
            node=lambda v: Matter.from_version(v, v.version),
            cursor=lambda v: encode_cursor([v.code], _MATTERS),
            counter=count,
        )

    @strawberry.field(description="A matter by its code (public).")
    async def matter(
        self, info: Info, code: Annotated[str, strawberry.argument(description="Matter code.")]
    ) -> Matter | None:
        async with info.context.pool.acquire() as conn:
            found = await repo.matters_by_code(conn, codes=[code])
        if not found:
            return None
        m = found[0]
        if m.current_version is None and not info.context.principal.has_role("admin"):
            return None
        return Matter(id=strawberry.ID(m.id), code=m.code, current_version=m.current_version)


def _filter(f: MatterFilterInput) -> domain.MatterFilter:
    return domain.MatterFilter(
        keyword=(f.keyword or "").strip() or None,
        category=raw_or_none(f.category),
        region_code=f.region_code,
        department_id=None if f.department_id is None else str(f.department_id),
        level=raw_or_none(f.level),
    )


@strawberry.type
class CatalogueMutation:
    @strawberry.mutation(description="Create a matter with its first draft (administrators).")
    async def create_matter(
        self,
        info: Info,
        code: Annotated[str, strawberry.argument(description="New matter code.")],
        spec: Annotated[MatterSpecInput, strawberry.argument(description="The first draft.")],
    ) -> MatterPayload:
        principal = info.context.require_signed_in()
        try:
            async with info.context.transaction() as conn:
                v = await service.create_matter(conn, principal, code=code, spec=spec.to_domain())
        except DomainError as exc:
            return _failed(exc)
        return _payload(v, None)

    @strawberry.mutation(
        description="Edit the matter's draft, opening a new draft version if none is open."
    )
    async def save_matter_draft(
        self,
        info: Info,
        code: Annotated[str, strawberry.argument(description="Matter code.")],
        spec: Annotated[MatterSpecInput, strawberry.argument(description="The whole draft.")],
        expected_revision: Annotated[
            int | None,
            strawberry.argument(
                description="Draft revision you loaded; a newer one is a CONFLICT."
            ),
        ] = None,
    ) -> MatterPayload:
        principal = info.context.require_signed_in()
        try:
            async with info.context.transaction() as conn:
                v = await service.save_draft(
                    conn,
                    principal,
                    code=code,
                    spec=spec.to_domain(),
                    expected_revision=expected_revision,
                )
                matter = (await repo.matters_by_code(conn, codes=[code]))[0]
        except DomainError as exc:
            return _failed(exc)
        return _payload(v, matter.current_version)

    @strawberry.mutation(description="Publish the draft; it never changes afterwards.")
    async def publish_matter(
        self,
        info: Info,
        code: Annotated[str, strawberry.argument(description="Matter code.")],
        expected_revision: Annotated[
            int | None,
            strawberry.argument(
                description="Draft revision you reviewed; a newer one is a CONFLICT."
            ),
        ] = None,
    ) -> MatterPayload:
        principal = info.context.require_signed_in()
        try:
            async with info.context.transaction() as conn:
                v = await service.publish(
                    conn, principal, code=code, expected_revision=expected_revision
                )
        except DomainError as exc:
            return _failed(exc, root=None)
        return _payload(v, v.version)
