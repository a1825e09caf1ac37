from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal, get_args

import msgspec

ApplicantKind = Literal["person", "organisation"]
Channel = Literal["sms", "email"]
Decision = Literal["approved", "approved_deferred", "denied"]
# 送达 (Art. 44): collected at the window (窗口领取), posted (邮寄), or sent electronically (电子送达).
DeliveryMethod = Literal["window", "post", "electronic"]
# Every action the case history records: the one list, read by the API's CaseEventAction.
EventAction = Literal[
    "submitted",
    "accepted",
    "accepted_automatically",
    # 容缺受理, and the owed materials arriving afterwards.
    "accepted_deferred",
    "owed_materials_supplied",
    "declared_not_applicable",
    "refused",
    "supplement_requested",
    "supplemented",
    # 终止办理: the supplement did not come in its period, or the applicant missed the hearing.
    "closed_no_supplement",
    "closed_no_show",
    # 一件事一次办: a waiting item started once its prerequisite's result exists, or closed
    # because the prerequisite was refused or denied.
    "released",
    "closed_prerequisite",
    "task_claimed",
    "opinion_given",
    "sent_back",
    "handed_up",
    "transferred",
    "special_procedure_started",
    "special_procedure_ended",
    "extended",
    "decided",
    "delivered",
    "withdrawn",
    "revoked",
    "rated",
    "follow_up_completed",
    "rerated",
    "approved_on_commitment",
    "verification_passed",
    "commitment_revoked",
    # 电子证照: the approval's licence issued, and revoked with the decision.
    "licence_issued",
    "licence_revoked",
    "deadline_yellow",
    "deadline_red",
    "deadline_escalation",
]
EVENT_ACTIONS: frozenset[str] = frozenset(get_args(EventAction))
# Who acted: the system acts with no token (deadline jobs, automatic acceptance).
ActorKind = Literal["applicant", "officer", "system"]


class Applicant(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    kind: ApplicantKind
    name: str
    id_number: str | None
    credit_code: str | None
    legal_representative: str | None
    contact_name: str | None
    mobile: str | None
    email: str | None
    channels: tuple[str, ...]


class ApplicantInput(msgspec.Struct, frozen=True, kw_only=True):
    kind: ApplicantKind
    name: str
    id_number: str | None = None
    credit_code: str | None = None
    legal_representative: str | None = None
    contact_name: str | None = None
    mobile: str | None = None
    email: str | None = None
    channels: tuple[Channel, ...] = ("sms",)


class ContactInput(msgspec.Struct, frozen=True, kw_only=True):
    """How a person wants to be reached, as they say themselves."""

    contact_name: str | None = None
    mobile: str | None = None
    email: str | None = None
    channels: tuple[Channel, ...] = ("sms",)


class Case(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    number: str
    matter_id: str
    matter_version: int
    applicant_id: str
    receiving_region: str
    handling_region: str
    handling_department_id: str
    state: str
    confidentiality: int
    form_data: dict[str, Any]
    received_at: datetime
    received_on: date
    accepted_on: date | None
    decided_at: datetime | None
    current_stage: int | None
    review_round: int
    supplement_count: int
    extension_days: int | None
    extension_reason: str | None
    decision: str | None
    decision_reason: str | None
    result_number: str | None
    delivered_at: datetime | None
    rating: int | None
    rating_comment: str | None
    # The applicant's second rating, once a bad rating's follow-up was completed.
    rerating: int | None = None
    rerating_comment: str | None = None
    rerated_at: datetime | None = None
    terminal_reason: str | None
    competent_agency: str | None
    # 告知承诺制: the hash of the conditions the applicant committed to, and when; then the
    # outcome of the verification that follows an approval on the commitment.
    commitment_conditions_hash: str | None = None
    committed_at: datetime | None = None
    verification_outcome: str | None = None
    verified_at: datetime | None = None
    version: int
    updated_at: datetime
    # What a window was told about the applicant when it filed the case (None when the
    # applicant filed themselves); this case's notices go to this contact.
    stated_name: str | None = None
    stated_contact_name: str | None = None
    stated_mobile: str | None = None
    stated_email: str | None = None
    stated_channels: tuple[str, ...] | None = None
    # 容缺受理: when the materials still owed are due (None when nothing is owed).
    owed_due_on: date | None = None
    # The last day of the open supplement notice's period (补正期限), and the special procedure
    # pausing the case: what closing it (终止办理) depends on.
    supplement_due_on: date | None = None
    special_procedure_kind: str | None = None
    # 一件事一次办: the bundle application this case is an item of (None for a lone case).
    bundle_application_id: str | None = None
    # Whether the viewer works on this case (decides what personal data they see unmasked).
    viewer_involved: bool = False


class Material(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    case_id: str
    material_code: str | None
    name: str
    size: int
    content_type: str
    sha256: str
    blob_key: str
    phase: str
    uploaded_at: datetime
    licence_id: str | None = None
    """免提交: the electronic licence the applicant linked instead of an upload."""


class OwedMaterial(msgspec.Struct, frozen=True, kw_only=True):
    """A material owed after a deferred acceptance (容缺受理): by when, and when it arrived."""

    case_id: str
    material_code: str
    name: str
    due_on: date
    undertaking_at: datetime
    arrived_on: date | None
    arrived_at: datetime | None


class SupplementItem(msgspec.Struct, frozen=True, kw_only=True):
    """A material a supplement notice asked for, and when it arrived (None: still owed)."""

    material_code: str
    arrived_on: date | None = None
    arrived_at: datetime | None = None


class SupplementNotice(msgspec.Struct, frozen=True, kw_only=True):
    """A supplement notice (补正通知): what it asked for, by when, and what has come."""

    id: str
    case_id: str
    phase: str
    note: str
    requested_on: date
    period_days: int | None
    due_on: date | None
    fulfilled_on: date | None
    items: tuple[SupplementItem, ...] = ()

    @property
    def outstanding(self) -> list[str]:
        return [i.material_code for i in self.items if i.arrived_on is None]


class DecisionDocument(msgspec.Struct, frozen=True, kw_only=True):
    """The signed decision (决定书) uploaded with the decision."""

    id: str
    case_id: str
    file_name: str
    size: int
    content_type: str
    sha256: str
    blob_key: str
    uploaded_at: datetime


class DeliveryInput(msgspec.Struct, frozen=True, kw_only=True):
    """What the officer who delivers records (送达); the proof is an optional upload."""

    method: DeliveryMethod
    recipient_name: str | None = None
    recipient_is_agent: bool = False
    carrier: str | None = None
    tracking_number: str | None = None
    # None: now, on the platform clock.
    delivered_at: datetime | None = None
    proof: UploadedFile | None = None


class DeliveryProof(msgspec.Struct, frozen=True, kw_only=True):
    file_name: str
    content_type: str
    size: int
    sha256: str
    blob_key: str


class Delivery(msgspec.Struct, frozen=True, kw_only=True):
    """送达 as recorded: how, to whom, when, by whom, with what proof."""

    id: str
    case_id: str
    method: DeliveryMethod
    recipient_name: str
    recipient_is_agent: bool
    carrier: str | None
    tracking_number: str | None
    decision_document_id: str | None
    proof: DeliveryProof | None
    delivered_at: datetime
    delivered_by: str
    delivered_by_name: str
    recorded_at: datetime


class Event(msgspec.Struct, frozen=True, kw_only=True):
    seq: int
    id: str
    case_id: str
    case_version: int
    action: EventAction
    actor_kind: ActorKind
    actor_id: str | None
    actor_name: str
    actor_roles: tuple[str, ...]
    actor_department_id: str | None
    reason: str | None
    changes: dict[str, Any]
    payload: dict[str, Any]
    occurred_at: datetime


class UploadedFile(msgspec.Struct, frozen=True, kw_only=True):
    """A material as received, before it is stored."""

    material_code: str | None
    filename: str
    content_type: str
    data: bytes


class Commitment(msgspec.Struct, frozen=True, kw_only=True):
    """告知承诺书: the applicant's written commitment to the conditions they were shown — an
    explicit acceptance, a signed document, or both — naming the conditions' hash."""

    accepted: bool
    conditions_hash: str
    document: UploadedFile | None = None


class LicenceLink(msgspec.Struct, frozen=True, kw_only=True):
    """A submission's material filled by a licence the applicant holds (免提交)."""

    material_code: str
    licence_number: str


class Submission(msgspec.Struct, frozen=True, kw_only=True):
    """A case as filed: by the applicant (``applicant`` None) or at a window on their behalf."""

    matter_code: str
    region_code: str
    applicant: ApplicantInput | None
    form_data: dict[str, Any]
    files: list[UploadedFile]
    idempotency_key: str
    commitment: Commitment | None = None
    licences: list[LicenceLink] = msgspec.field(default_factory=list)
    """Materials filled by electronic licences the applicant holds (免提交), not uploads."""


CaseSort = Literal[
    "received_desc", "received_asc", "due_asc", "number_asc", "number_desc", "decided_desc"
]


class CaseFilter(msgspec.Struct, frozen=True, kw_only=True):
    """Case-list search; every part optional, combined with AND. Decided bounds are instants
    (the local days' edges), so the index on ``decided_at`` serves them."""

    number: str | None = None
    number_prefix: str | None = None
    applicant_name: str | None = None
    applicant_id_number: str | None = None
    applicant_credit_code: str | None = None
    applicant_mobile: str | None = None
    received_from: date | None = None
    received_to: date | None = None
    decided_from: datetime | None = None
    decided_before: datetime | None = None
    states: tuple[str, ...] = ()
    matter_code: str | None = None
    keyword: str | None = None
    department_id: str | None = None
    """The handling department."""
    region_code: str | None = None
    """The handling region or any region below it."""
    colour: ColourWindow | None = None


class ColourWindow(msgspec.Struct, frozen=True, kw_only=True):
    """Supervision colour (电子监察) of the running promised clock, as of ``today``, in terms SQL
    can compare: ``horizon[k]`` is the k-th working day after today (``horizon[0]`` is today),
    so a clock with yellow threshold k is yellow when due between today and ``horizon[k]``, red
    when due before today, green after ``horizon[k]`` — the rule of ``deadlines.clock.colour``
    with the working days counted once, by the calendar, instead of per row."""

    colour: Literal["green", "yellow", "red"]
    today: date
    horizon: tuple[date, ...]
    yellow_min_days: int
    yellow_divisor: int


class ListedCase(msgspec.Struct, frozen=True, kw_only=True):
    """A case of a list page with its position in the list's order (the cursor's content)."""

    case: Case
    position: tuple[Any, ...]


class CreditRecord(msgspec.Struct, frozen=True, kw_only=True):
    """失信记录: a false commitment found by a verification, kept on the applicant."""

    id: str
    applicant_id: str
    case_id: str
    case_number: str
    kind: Literal["false_commitment"]
    findings: str
    department_id: str
    recorded_by: str | None
    recorded_at: datetime
    recorded_on: date
