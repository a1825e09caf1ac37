"""The rules a matter version must satisfy: pure checks over the spec and the placements of
the departments it names, each adding to one list so the admin's form shows them all."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tongban.catalogue.guide_validation import check_guide
from tongban.catalogue.types import CASE_TYPES, CATEGORIES, MatterSpec, ReviewStage
from tongban.errors import Problem
from tongban.government.types import LEVELS, Region

MAX_LIMIT_DAYS = 365
JOINT_LIMIT_DAYS = 45  # Art. 42 (2)


class _Problems:
    def __init__(self) -> None:
        self.found: list[Problem] = []

    def __call__(self, field: str, code: str, message: str, **params: Any) -> None:
        self.found.append(Problem(field=field, code=code, message=message, params=params or None))


def spec_problems(spec: MatterSpec, placements: Mapping[str, Region]) -> list[Problem]:
    """Every problem of ``spec``; ``placements`` holds the departments it names that exist."""
    bad = _Problems()
    _check_fields(spec, bad)
    _check_materials(spec, bad)
    if spec.guide is not None:
        check_guide(spec.guide, bad)
    _check_commitment(spec, bad)
    _check_licence(spec, bad)
    home = _check_home(spec, placements.get(spec.department_id), bad)
    if not spec.review_plan:
        bad("reviewPlan", "EMPTY_PLAN", "the review plan needs at least one stage")
    for i, stage in enumerate(spec.review_plan):
        _check_stage(spec, i, stage, home, placements, bad)
    return bad.found


def _check_fields(spec: MatterSpec, bad: _Problems) -> None:
    if not spec.name.strip():
        bad("name", "REQUIRED", "name must not be empty")
    if spec.category not in CATEGORIES:
        bad("category", "UNKNOWN_CATEGORY", f"unknown matter category {spec.category!r}")
    if spec.case_type not in CASE_TYPES:
        bad("caseType", "UNKNOWN_CASE_TYPE", f"unknown case type {spec.case_type}")
    if spec.level not in LEVELS:
        bad("level", "UNKNOWN_LEVEL", f"unknown level {spec.level!r}")
    if not 0 <= spec.confidentiality <= 3:
        bad("confidentiality", "OUT_OF_RANGE", "confidentiality must be between 0 and 3")
    if not 0 <= spec.statutory_limit <= MAX_LIMIT_DAYS:
        bad("statutoryLimit", "OUT_OF_RANGE", f"statutory limit must be 0–{MAX_LIMIT_DAYS} days")
    period = spec.supplement_period_days
    if period is not None and not 0 < period <= MAX_LIMIT_DAYS:
        bad(
            "supplementPeriodDays",
            "OUT_OF_RANGE",
            f"the supplement period must be 1–{MAX_LIMIT_DAYS} working days",
        )
    if spec.joint_handling and spec.statutory_limit > JOINT_LIMIT_DAYS:
        # Art. 42 (2): joint, centralised or unified handling takes at most 45 days.
        bad(
            "statutoryLimit",
            "JOINT_LIMIT_EXCEEDED",
            f"a jointly handled matter is decided within {JOINT_LIMIT_DAYS} working days (Art. 42)",
            limit=JOINT_LIMIT_DAYS,
        )
    if spec.promised_limit < 0:
        bad("promisedLimit", "OUT_OF_RANGE", "promised limit must not be negative")
    if spec.promised_limit > spec.statutory_limit:
        bad(
            "promisedLimit",
            "PROMISED_EXCEEDS_STATUTORY",
            f"promised limit ({spec.promised_limit}) exceeds the statutory limit "
            f"({spec.statutory_limit})",
            promised=spec.promised_limit,
            statutory=spec.statutory_limit,
        )


def _check_materials(spec: MatterSpec, bad: _Problems) -> None:
    material_codes = [m.code for m in spec.materials]
    for i, material in enumerate(spec.materials):
        if not material.code.strip() or not material.name.strip():
            bad(f"materials[{i}]", "REQUIRED", "each material needs a code and a name")
    if len(set(material_codes)) != len(material_codes):
        bad("materials", "DUPLICATE_MATERIAL", "material codes must be unique within a matter")
    # 容缺受理 never defers the core materials: a deferrable material is a required one the
    # matter lets the applicant owe, and at least one required material stays core.
    for i, material in enumerate(spec.materials):
        if material.deferrable and not material.required:
            bad(
                f"materials[{i}].deferrable",
                "DEFERRABLE_NOT_REQUIRED",
                f"material {material.code} is optional: only a required material can be deferred",
                material=material.code,
            )
    required = [m for m in spec.materials if m.required]
    if required and all(m.deferrable for m in required):
        bad(
            "materials",
            "NO_CORE_MATERIAL",
            "at least one required material must stay core (not deferrable)",
        )


def _check_licence(spec: MatterSpec, bad: _Problems) -> None:
    """电子证照: what an approval issues is named and lasts at least a year (or long-term); a
    material filled by a licence is one that accepts an electronic licence."""
    terms = spec.licence
    if terms is not None:
        if not terms.type_code.strip() or not terms.type_name.strip():
            bad("licence", "REQUIRED", "an issued licence needs a type code and a type name")
        if terms.validity_years is not None and terms.validity_years < 1:
            bad(
                "licence.validityYears",
                "INVALID_LICENCE_TERMS",
                "a licence is valid for at least one year (null: long-term)",
            )
    for i, material in enumerate(spec.materials):
        if material.licence_type is not None and not material.e_licence_accepted:
            bad(
                f"materials[{i}].licenceType",
                "INVALID_LICENCE_TERMS",
                f"material {material.code} names a licence type: it must accept e-licences",
                material=material.code,
            )


def _check_commitment(spec: MatterSpec, bad: _Problems) -> None:
    """告知承诺制: the applicant must be told what they commit to, and a commitment can only
    stand in for materials the matter lists."""
    terms = spec.commitment
    if terms is None:
        return
    if not terms.conditions.strip():
        bad(
            "commitment.conditions",
            "COMMITMENT_CONDITIONS_REQUIRED",
            "a matter approved on a commitment states the conditions the applicant commits to",
        )
    listed = {m.code for m in spec.materials}
    for i, code in enumerate(terms.replaces or ()):
        if code not in listed:
            bad(
                f"commitment.replacedMaterialCodes[{i}]",
                "UNKNOWN_MATERIAL",
                f"the commitment replaces {code}, which the matter does not list",
                codes=code,
            )
    days = terms.verification_days
    if days is not None and not 0 < days <= MAX_LIMIT_DAYS:
        bad(
            "commitment.verificationDays",
            "OUT_OF_RANGE",
            f"the verification period must be 1–{MAX_LIMIT_DAYS} working days",
        )


def _check_home(spec: MatterSpec, home: Region | None, bad: _Problems) -> Region | None:
    if home is None:
        bad(
            "departmentId",
            "UNKNOWN_DEPARTMENT",
            f"unknown department {spec.department_id}",
            id=spec.department_id,
        )
    elif home.level != spec.level:
        bad(
            "level",
            "LEVEL_MISMATCH",
            f"the implementing department is at {home.level} level, not {spec.level}",
        )
    return home


def _check_stage(
    spec: MatterSpec,
    i: int,
    stage: ReviewStage,
    home: Region | None,
    placements: Mapping[str, Region],
    bad: _Problems,
) -> None:
    field = f"reviewPlan[{i}]"
    if not stage.name.strip():
        bad(f"{field}.name", "REQUIRED", f"stage {i + 1} needs a name", stage=i + 1)
    if not stage.department_ids:
        bad(
            f"{field}.departmentIds",
            "EMPTY_STAGE",
            f"stage {i + 1} names no department",
            stage=i + 1,
        )
    if len(set(stage.department_ids)) != len(stage.department_ids):
        bad(
            f"{field}.departmentIds",
            "DUPLICATE_DEPARTMENT",
            f"stage {i + 1} repeats a department",
            stage=i + 1,
        )
    if stage.limit_days is not None and not 0 < stage.limit_days <= spec.statutory_limit:
        bad(
            f"{field}.limitDays",
            "STAGE_LIMIT_OUT_OF_RANGE",
            f"stage {i + 1} limit must be between 1 and the statutory limit",
            stage=i + 1,
        )
    for department_id in stage.department_ids:
        placed = placements.get(department_id)
        if placed is None:
            bad(
                f"{field}.departmentIds",
                "UNKNOWN_DEPARTMENT",
                f"stage {i + 1}: unknown department {department_id}",
                id=department_id,
            )
        elif home is not None and not (home.code in placed.lineage or placed.code in home.lineage):
            # Review crosses levels only along one branch of the hierarchy (a district
            # reviews, its city decides); a department of an unrelated region is a mistake.
            bad(
                f"{field}.departmentIds",
                "UNRELATED_REGION",
                f"stage {i + 1}: department {department_id} is not above or below the "
                "implementing department's region",
                stage=i + 1,
            )
