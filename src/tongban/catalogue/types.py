from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Literal

import msgspec

from tongban.government.types import RegionLevel

CATEGORIES: dict[str, str] = {
    "00": "行政权力",
    "01": "行政许可",
    "02": "行政处罚",
    "03": "行政强制",
    "04": "行政征收",
    "05": "行政给付",
    "06": "行政检查",
    "07": "行政确认",
    "08": "行政奖励",
    "09": "行政裁决",
    "10": "其他行政权力",
    "20": "公共服务",
}
CASE_TYPES = {1: "immediate", 2: "commitment", 9: "other"}
MaterialForm = Literal["original", "copy", "original_or_copy"]
StageMode = Literal["parallel", "sequential"]
JoinPolicy = Literal["all", "any"]
# What a favourable decision is called depends on the kind of power exercised (a licence is
# 准予许可, an approval 予以核准, a confirmation 予以确认, a payment 准予给付, a public service
# 办结); the decision notices say it that way.
MatterKind = Literal["licence", "approval", "confirmation", "payment", "service"]


class RequiredMaterial(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    name: str
    required: bool = True
    form: MaterialForm = "copy"
    e_licence_accepted: bool = False
    """The material may be an electronic licence instead of a copy (电子证照免提交)."""
    licence_type: str | None = None
    """The licence type code (``LicenceTerms.type_code``) that fills it: an applicant holding a
    valid licence of that type links it instead of an upload. Only with ``e_licence_accepted``."""
    deferrable: bool = False
    """容缺: a window may accept the case without it on the applicant's signed undertaking to
    bring it later. Only a required material is deferrable (an optional one is never owed); the
    required materials left non-deferrable are the matter's core ones, and there must be one."""


class ReviewStage(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    department_ids: tuple[str, ...]
    mode: StageMode = "parallel"
    join: JoinPolicy = "all"
    limit_days: int | None = None


ChannelKind = Literal["online", "window", "post"]
ResultType = Literal["licence", "certificate", "approval_document", "other"]


class LegalBasis(msgspec.Struct, frozen=True, kw_only=True):
    """A law, regulation or normative document and the article relied on."""

    law: str
    article: str = ""


class ApplicationChannel(msgspec.Struct, frozen=True, kw_only=True):
    """Where and how to apply: online (a URL), at a window (address and opening hours) or by
    post (the mailing address)."""

    kind: ChannelKind
    url: str = ""
    address: str = ""
    hours: str = ""
    note: str = ""


class ProcessStep(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    description: str = ""


class FeeItem(msgspec.Struct, frozen=True, kw_only=True):
    """One charge: a fixed amount in fen (never a float), or a formula in words where the
    amount depends on the case (按面积计收 …). Art. 58 of the Licensing Law allows a fee only
    where a law or administrative regulation provides for it, so its basis is part of it."""

    name: str
    amount_fen: int | None = None
    formula: str = ""
    legal_basis: LegalBasis


class Fees(msgspec.Struct, frozen=True, kw_only=True):
    """Either free (no items) or the items charged."""

    free: bool = False
    items: tuple[FeeItem, ...] = ()


class GuideResult(msgspec.Struct, frozen=True, kw_only=True):
    type: ResultType
    name: str


class MatterGuide(msgspec.Struct, frozen=True, kw_only=True):
    """The matter guide (办事指南) an applicant reads before applying. Licensing Law Art. 30:
    the basis, conditions, procedure, limits and fees of a licence are made public; it is
    versioned with the matter, so a case keeps the guide it was filed under."""

    legal_basis: tuple[LegalBasis, ...]
    conditions: tuple[str, ...]
    channels: tuple[ApplicationChannel, ...]
    steps: tuple[ProcessStep, ...]
    fees: Fees
    consultation_phone: str
    complaint_phone: str
    result: GuideResult


class CommitmentTerms(msgspec.Struct, frozen=True, kw_only=True):
    """告知承诺制: the conditions the agency tells (告知内容), which listed materials the
    applicant's written commitment replaces, and the period of the verification that follows
    an approval on the commitment (事中事后核查)."""

    conditions: str
    replaces: tuple[str, ...] | None = None
    """Codes of the materials the commitment replaces; None: every listed material."""
    verification_days: int | None = None
    """Working days of the verification; None: the platform's setting."""

    @property
    def conditions_hash(self) -> str:
        """What an applicant's commitment names to show which conditions they were shown."""
        return hashlib.sha256(self.conditions.encode()).hexdigest()

    def replaces_material(self, code: str) -> bool:
        return self.replaces is None or code in self.replaces


class LicenceTerms(msgspec.Struct, frozen=True, kw_only=True):
    """The electronic licence (电子证照) an approval of the matter issues."""

    type_code: str
    type_name: str
    validity_years: int | None = None
    """None: long-term (长期有效)."""


class MatterSpec(msgspec.Struct, frozen=True, kw_only=True):
    """What an admin edits: everything a version says about a matter."""

    name: str
    description: str = ""
    category: str
    case_type: int
    level: RegionLevel
    department_id: str
    statutory_limit: int
    promised_limit: int
    joint_handling: bool = False
    confidentiality: int = 0
    materials: tuple[RequiredMaterial, ...] = ()
    review_plan: tuple[ReviewStage, ...] = ()
    matter_kind: MatterKind = "licence"
    cross_region_receiving: tuple[str, ...] = ()
    """跨域通办 (收受分离): region codes whose windows, with every region below them, may also
    receive this matter into another region; the matter's own department still handles it."""
    guide: MatterGuide | None = None
    """Versions published before guides existed have none."""
    commitment: CommitmentTerms | None = None
    """告知承诺制 terms; None: the matter is never approved on a commitment."""
    supplement_period_days: int | None = None
    """补正期限: working days the applicant has to bring a supplement notice's materials; None
    takes the platform's TONGBAN_SUPPLEMENT_PERIOD_DAYS."""
    public_results: bool = False
    """结果公示: approved results of cases filed under this version are shown to anyone (holder
    names of persons masked); confidential cases never are."""
    licence: LicenceTerms | None = None
    """The electronic licence an approval issues; None: none."""


class MatterVersion(msgspec.Struct, frozen=True, kw_only=True):
    matter_id: str
    code: str
    version: int
    spec: MatterSpec
    revision: int
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    published_by: str | None

    @property
    def published(self) -> bool:
        return self.published_at is not None


class Matter(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    code: str
    current_version: int | None
    created_at: datetime


class MatterFilter(msgspec.Struct, frozen=True, kw_only=True):
    keyword: str | None = None
    """Matched within the name, description, code and the guide's text."""
    category: str | None = None
    region_code: str | None = None
    """Matters whose implementing department is in this region or any region below it."""
    department_id: str | None = None
    level: RegionLevel | None = None
