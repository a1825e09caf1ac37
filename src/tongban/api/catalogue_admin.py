"""GraphQL admin mutations of the matter catalogue: drafts, edits and publishing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

import strawberry
from asyncpg import Connection

from tongban.api.arguments import MatterCode
from tongban.api.catalogue import CaseType, Matter, MatterCategory, MatterVersion
from tongban.api.catalogue_guide import MatterGuideInput
from tongban.api.context import Info
from tongban.api.convert import raw
from tongban.api.enums import JoinPolicy, MaterialForm, MatterKind, RegionLevel, StageMode
from tongban.api.errors import UserError, user_errors
from tongban.auth.types import Principal
from tongban.catalogue import repository as repo
from tongban.catalogue import service
from tongban.catalogue import types as domain
from tongban.errors import DomainError


@strawberry.input(description="A material the applicant submits.")
class RequiredMaterialInput:
    code: str = strawberry.field(description="Material code, unique within the matter.")
    name: str = strawberry.field(description="Material name.")
    required: bool = strawberry.field(default=True, description="Required rather than optional.")
    form: MaterialForm = strawberry.field(
        default=MaterialForm("copy"), description="Original or copy."
    )
    e_licence_accepted: bool = strawberry.field(
        default=False, description="An electronic licence may replace it."
    )
    deferrable: bool = strawberry.field(
        default=False,
        description="容缺: may be owed at acceptance (required materials only; at least one "
        "required material stays core).",
    )
    licence_type: str | None = strawberry.field(
        default=None,
        description="免提交: the electronic licence type code that fills it (needs "
        "`eLicenceAccepted`).",
    )


@strawberry.input(description="电子证照: the electronic licence an approval issues.")
class LicenceTermsInput:
    type_code: str = strawberry.field(description="Licence type code, e.g. YYZZ.")
    type_name: str = strawberry.field(description="Licence type, e.g. 营业执照.")
    validity_years: int | None = strawberry.field(
        default=None, description="Years valid from issue; null: long-term."
    )

    def to_domain(self) -> domain.LicenceTerms:
        return domain.LicenceTerms(
            type_code=self.type_code.strip(),
            type_name=self.type_name.strip(),
            validity_years=self.validity_years,
        )


@strawberry.input(description="One review stage.")
class ReviewStageInput:
    name: str = strawberry.field(description="Stage name.")
    department_ids: list[strawberry.ID] = strawberry.field(description="Departments, in order.")
    mode: StageMode = strawberry.field(
        default=StageMode("parallel"), description="Parallel or sequential."
    )
    join: JoinPolicy = strawberry.field(
        default=JoinPolicy("all"), description="When the stage is done."
    )
    limit_days: int | None = strawberry.field(
        default=None, description="Stage limit (working days)."
    )


@strawberry.input(description="告知承诺制 terms of a matter version.")
class CommitmentTermsInput:
    conditions: str = strawberry.field(
        description="The conditions (告知内容) the applicant is shown and commits to."
    )
    replaced_material_codes: list[str] | None = strawberry.field(
        default=None,
        description="Materials the commitment replaces; null: every listed material.",
    )
    verification_days: int | None = strawberry.field(
        default=None,
        description="Working days of the verification after approval; null: the platform's "
        "default (TONGBAN_COMMITMENT_VERIFICATION_DAYS).",
    )

    def to_domain(self) -> domain.CommitmentTerms:
        codes = self.replaced_material_codes
        return domain.CommitmentTerms(
            conditions=self.conditions.strip(),
            replaces=None if codes is None else tuple(codes),
            verification_days=self.verification_days,
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
    kind: MatterKind = strawberry.field(
        default=MatterKind("licence"), description="Kind of power; names the decision."
    )
    cross_region_receiving: list[str] = strawberry.field(
        default_factory=list,
        description="跨域通办: region codes whose windows (and those below) may also receive it.",
    )
    guide: MatterGuideInput | None = strawberry.field(
        default=None, description="The matter guide (办事指南); validated field by field."
    )

    commitment: CommitmentTermsInput | None = strawberry.field(
        default=None,
        description="告知承诺制 terms; null: the matter is never approved on a commitment.",
    )
    supplement_period_days: int | None = strawberry.field(
        default=None,
        description="补正期限: working days to bring a supplement's materials (null: the platform "
        "default).",
    )
    public_results: bool = strawberry.field(
        default=False,
        description="结果公示: show approved results of this version's cases publicly (persons' "
        "names masked; confidential cases never).",
    )
    licence: LicenceTermsInput | None = strawberry.field(
        default=None, description="电子证照: the licence an approval issues; null: none."
    )

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
            matter_kind=raw(self.kind),
            cross_region_receiving=tuple(self.cross_region_receiving),
            guide=None if self.guide is None else self.guide.to_domain(),
            commitment=None if self.commitment is None else self.commitment.to_domain(),
            supplement_period_days=self.supplement_period_days,
            public_results=self.public_results,
            licence=None if self.licence is None else self.licence.to_domain(),
            materials=tuple(
                domain.RequiredMaterial(
                    code=m.code,
                    name=m.name,
                    required=m.required,
                    form=raw(m.form),
                    e_licence_accepted=m.e_licence_accepted,
                    deferrable=m.deferrable,
                    licence_type=(m.licence_type or "").strip() or None,
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


@strawberry.type
class CatalogueMutation:
    @strawberry.mutation(description="Create a matter with its first draft (administrators).")
    async def create_matter(
        self,
        info: Info,
        code: Annotated[str, strawberry.argument(description="New matter code.")],
        spec: Annotated[MatterSpecInput, strawberry.argument(description="The first draft.")],
    ) -> MatterPayload:
        async def create(conn: Connection, principal: Principal) -> Changed:
            v = await service.create_matter(conn, principal, code=code, spec=spec.to_domain())
            return v, None

        return await _apply(info, create)

    @strawberry.mutation(
        description="Edit the matter's draft, opening a new draft version if none is open."
    )
    async def save_matter_draft(
        self,
        info: Info,
        code: MatterCode,
        spec: Annotated[MatterSpecInput, strawberry.argument(description="The whole draft.")],
        expected_revision: Annotated[
            int | None,
            strawberry.argument(
                description="Draft revision you loaded; a newer one is a CONFLICT."
            ),
        ] = None,
    ) -> MatterPayload:
        async def save(conn: Connection, principal: Principal) -> Changed:
            v = await service.save_draft(
                conn,
                principal,
                code=code,
                spec=spec.to_domain(),
                expected_revision=expected_revision,
            )
            matter = (await repo.matters_by_code(conn, codes=[code]))[0]
            return v, matter.current_version

        return await _apply(info, save)

    @strawberry.mutation(description="Publish the draft; it never changes afterwards.")
    async def publish_matter(
        self,
        info: Info,
        code: MatterCode,
        expected_revision: Annotated[
            int | None,
            strawberry.argument(
                description="Draft revision you reviewed; a newer one is a CONFLICT."
            ),
        ] = None,
    ) -> MatterPayload:
        async def publish(conn: Connection, principal: Principal) -> Changed:
            v = await service.publish(
                conn, principal, code=code, expected_revision=expected_revision
            )
            return v, v.version

        # publishMatter has no spec argument: its problems name the stored draft's fields.
        return await _apply(info, publish, root=None)


# The version changed and the matter's version in force afterwards.
Changed = tuple[domain.MatterVersion, int | None]


async def _apply(
    info: Info,
    change: Callable[[Connection, Principal], Awaitable[Changed]],
    *,
    root: str | None = "spec",
) -> MatterPayload:
    """One catalogue change in the request's transaction, as a payload; a refusal's fields
    sit under the ``spec`` argument."""
    principal = info.context.require_signed_in()
    try:
        async with info.context.transaction() as conn:
            v, current_version = await change(conn, principal)
    except DomainError as exc:
        return MatterPayload(
            matter=None,
            version=None,
            user_errors=user_errors(
                exc, root=root, top_level=frozenset({"code", "expectedRevision", "expectedVersion"})
            ),
        )
    return MatterPayload(
        matter=Matter.from_version(v, current_version),
        version=MatterVersion.from_domain(v),
        user_errors=[],
    )
