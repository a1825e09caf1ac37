from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

import msgspec

from tongban.cases.types import ApplicantInput, UploadedFile


class BundleItem(msgspec.Struct, frozen=True, kw_only=True):
    """One matter of the bundle; ``depends_on`` names the items whose approval (their result)
    it needs before it can start."""

    matter_code: str
    depends_on: tuple[str, ...] = ()


class MaterialTarget(msgspec.Struct, frozen=True, kw_only=True):
    matter_code: str
    material_code: str


class BundleMaterial(msgspec.Struct, frozen=True, kw_only=True):
    """One material of the merged list: asked once, given to every item it maps to."""

    code: str
    name: str
    maps_to: tuple[MaterialTarget, ...]
    produced_by: str | None = None
    """The item (matter code) whose result this material is (a business licence, a birth
    certificate): not uploaded, but supplied to the items it maps to once that item is
    approved; each of those must depend on it."""


class BundleSpec(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    description: str = ""
    lead_department_id: str
    promised_limit: int
    """Working days the whole bundle is promised in, counted from its acceptance."""
    items: tuple[BundleItem, ...]
    materials: tuple[BundleMaterial, ...]

    def prerequisites_of(self, code: str) -> set[str]:
        """Every item the item ``code`` waits for, directly or through another item."""
        depends = {i.matter_code: set(i.depends_on) for i in self.items}
        seen: set[str] = set()
        todo = list(depends.get(code, ()))
        while todo:
            c = todo.pop()
            if c not in seen:
                seen.add(c)
                todo += depends.get(c, ())
        return seen


class BundleVersion(msgspec.Struct, frozen=True, kw_only=True):
    bundle_id: str
    code: str
    version: int
    spec: BundleSpec
    published_at: datetime


class BundleApplication(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    bundle_id: str
    bundle_version: int
    applicant_id: str
    submitted_by: str
    receiving_region: str
    received_at: datetime
    received_on: date


class BundleSubmission(msgspec.Struct, frozen=True, kw_only=True):
    """One application for every matter of a bundle: one form, one set of files (their
    ``material_code`` is the bundle's merged code), one idempotency key."""

    bundle_code: str
    region_code: str
    applicant: ApplicantInput | None
    idempotency_key: str
    form_data: dict[str, Any]
    files: list[UploadedFile]


BundleState = Literal[
    "submitted", "in_progress", "completed", "partly_refused", "refused", "withdrawn"
]


class BundleProgress(msgspec.Struct, frozen=True, kw_only=True):
    application: BundleApplication
    bundle: BundleVersion
    state: BundleState
    case_ids: list[str]
    accepted_on: date | None
    """The day the first item was accepted: the bundle's promised limit counts from it."""
    bundle_clock: dict[str, Any] | None
    """The bundle's own promised-limit clock (due date, remaining days, colour)."""
    items_due_on: date | None
    """The latest promised due date of the items."""
    due_on: date | None
    """The later of the bundle's own due date and its items'."""
