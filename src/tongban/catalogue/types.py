from __future__ import annotations

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


class ReviewStage(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    department_ids: tuple[str, ...]
    mode: StageMode = "parallel"
    join: JoinPolicy = "all"
    limit_days: int | None = None


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
    supplement_period_days: int | None = None
    """补正期限: working days the applicant has to bring a supplement notice's materials; None
    takes the platform's TONGBAN_SUPPLEMENT_PERIOD_DAYS."""


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
    category: str | None = None
    region_code: str | None = None
    """Matters whose implementing department is in this region or any region below it."""
    department_id: str | None = None
    level: RegionLevel | None = None
