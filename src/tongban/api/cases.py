"""GraphQL types and queries of cases: the record, its tasks, materials and history."""

from __future__ import annotations

import re
import time
from datetime import date, datetime
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from tongban.api.catalogue import MatterVersion
from tongban.api.context import Info
from tongban.api.convert import as_json
from tongban.api.deadlines import Deadline, deadlines_of, known_deadlines
from tongban.api.decision_documents import DecisionDocument
from tongban.api.enums import (
    ActorKind,
    ApplicantKind,
    CaseEventAction,
    Channel,
    DecisionKind,
    MaterialPhase,
)
from tongban.api.government import Department, OfficerRole, Region
from tongban.api.node import Node
from tongban.api.notifications import NotificationMessage, messages_of
from tongban.api.preload import preload_case, resolve
from tongban.auth.types import Principal
from tongban.cases import downloads, permissions, progress, states
from tongban.cases import repository as repo
from tongban.cases import types as domain
from tongban.catalogue import types as domain_catalogue
from tongban.clock import local_day
from tongban.errors import ValidationError
from tongban.government import types as domain_government
from tongban.identifiers import mask_email, mask_id_number, mask_phone, validate_case_number
from tongban.review import types as domain_review


@strawberry.enum(description="Where a case is in its life (codes per GB/T 39046 / BLZT).")
class CaseState(Enum):
    RECEIVED = strawberry.enum_value("received", description="1 已接件: waiting for intake.")
    SUPPLEMENT_REQUESTED = strawberry.enum_value(
        "supplement_requested", description="6 补正: the one-time notice of missing materials."
    )
    ACCEPTED = strawberry.enum_value("accepted", description="3 受理: the decision clock runs.")
    UNDER_REVIEW = strawberry.enum_value("under_review", description="8 审查/会签.")
    SPECIAL_PROCEDURE = strawberry.enum_value(
        "special_procedure", description="9 特别程序 (Art. 45): the clock is paused."
    )
    REVIEW_SUPPLEMENT = strawberry.enum_value(
        "review_supplement", description="补正 after acceptance: the clock is paused."
    )
    APPROVED = strawberry.enum_value("approved", description="11 准予许可.")
    APPROVED_DEFERRED = strawberry.enum_value(
        "approved_deferred", description="12 容缺许可: approved with materials to follow."
    )
    DENIED = strawberry.enum_value("denied", description="13 不予许可.")
    DELIVERED = strawberry.enum_value("delivered", description="送达: the result was delivered.")
    NOT_APPLICABLE = strawberry.enum_value(
        "not_applicable", description="4 不受理: needs no licence."
    )
    REFUSED = strawberry.enum_value("refused", description="5 不予受理: outside our powers.")
    WITHDRAWN = strawberry.enum_value("withdrawn", description="2 撤回 by the applicant.")
    REVOKED = strawberry.enum_value("revoked", description="15 撤销 by an administrator.")
    CLOSED_NO_SUPPLEMENT = strawberry.enum_value(
        "closed_no_supplement", description="补正不来办结: closed without the supplement."
    )


@strawberry.enum(description="A department's opinion on a review task.")
class Opinion(Enum):
    AGREE = strawberry.enum_value("agree", description="同意.")
    AGREE_WITH_CONDITIONS = strawberry.enum_value(
        "agree_with_conditions", description="有条件同意."
    )
    DISAGREE = strawberry.enum_value("disagree", description="不同意.")


@strawberry.enum(description="Where a task is.")
class TaskState(Enum):
    WAITING = strawberry.enum_value("waiting", description="Waits for an earlier department.")
    OPEN = strawberry.enum_value("open", description="Can be claimed.")
    CLAIMED = strawberry.enum_value("claimed", description="An officer works on it.")
    COMPLETED = strawberry.enum_value("completed", description="The opinion is given.")
    CANCELLED = strawberry.enum_value("cancelled", description="No longer needed.")


@strawberry.enum(description="What a task is for.")
class TaskKind(Enum):
    REVIEW = strawberry.enum_value("review", description="A review-plan opinion.")
    FOLLOW_UP = strawberry.enum_value("follow_up", description="Follow-up of a bad rating.")


@strawberry.type(
    description="A person or organisation who applies. Personal data is masked "
    "unless the viewer is the applicant or works on the case."
)
class Applicant:
    id: strawberry.ID = strawberry.field(description="Stable identifier.")
    kind: ApplicantKind = strawberry.field(description="Person or organisation.")
    name: str = strawberry.field(description="Name.")
    id_number: str | None = strawberry.field(description="Resident ID number (masked).")
    credit_code: str | None = strawberry.field(description="Unified social credit code.")
    legal_representative: str | None = strawberry.field(description="Legal representative.")
    mobile: str | None = strawberry.field(description="Mobile number (masked).")
    email: str | None = strawberry.field(description="E-mail address (masked).")
    channels: list[Channel] = strawberry.field(description="Preferred notice channels.")

    @classmethod
    def from_domain(cls, a: domain.Applicant, *, unmasked: bool) -> Applicant:
        def show(value: str | None, mask: object) -> str | None:
            if value is None or unmasked:
                return value
            return mask(value)  # type: ignore[operator,no-any-return]

        return cls(
            id=strawberry.ID(a.id),
            kind=ApplicantKind(a.kind),
            name=a.name,
            id_number=show(a.id_number, mask_id_number),
            credit_code=a.credit_code,
            legal_representative=a.legal_representative,
            mobile=show(a.mobile, mask_phone),
            email=show(a.email, mask_email),
            channels=[Channel(c) for c in a.channels],
        )


@strawberry.type(
    description="The applicant's name and contact as stated at the window that filed the case: "
    "this case's notices go here; the applicant's own record is unchanged. Masked like the "
    "applicant's data."
)
class StatedContact:
    name: str = strawberry.field(description="Name as stated.")
    contact_name: str | None = strawberry.field(description="Contact person as stated.")
    mobile: str | None = strawberry.field(description="Mobile number (masked).")
    email: str | None = strawberry.field(description="E-mail address (masked).")
    channels: list[Channel] = strawberry.field(description="Notice channels for this case.")

    @classmethod
    def of(cls, c: domain.Case) -> StatedContact | None:
        if c.stated_channels is None or c.stated_name is None:
            return None
        unmasked = c.viewer_involved
        return cls(
            name=c.stated_name,
            contact_name=c.stated_contact_name,
            mobile=c.stated_mobile
            if unmasked or c.stated_mobile is None
            else mask_phone(c.stated_mobile),
            email=c.stated_email
            if unmasked or c.stated_email is None
            else mask_email(c.stated_email),
            channels=[Channel(x) for x in c.stated_channels],
        )


@strawberry.type(description="A department's task on a case: a review opinion or a follow-up.")
class Task(Node):
    id: strawberry.ID = strawberry.field(description="Stable identifier.")
    kind: TaskKind = strawberry.field(description="Review or follow-up.")
    stage_index: int | None = strawberry.field(description="Stage of the review plan, from 0.")
    stage_name: str = strawberry.field(description="Stage name.")
    round: int = strawberry.field(description="Review round (grows when a case is sent back).")
    state: TaskState = strawberry.field(description="Where the task is.")
    opinion: Opinion | None = strawberry.field(description="The opinion given.")
    comment: str | None = strawberry.field(description="The reviewer's comment.")
    opened_at: datetime | None = strawberry.field(description="When it could first be claimed.")
    completed_at: datetime | None = strawberry.field(description="When the opinion was given.")
    due_on: date | None = strawberry.field(description="Stage due date (working days).")
    department_id: strawberry.Private[str]
    case_id: strawberry.Private[str]

    @classmethod
    def from_domain(cls, t: domain_review.Task) -> Task:
        return cls(
            id=strawberry.ID(t.id),
            kind=TaskKind(t.kind),
            stage_index=t.stage_index,
            stage_name=t.stage_name,
            round=t.round,
            state=TaskState(t.state),
            opinion=None if t.opinion is None else Opinion(t.opinion),
            comment=t.comment,
            opened_at=t.opened_at,
            completed_at=t.completed_at,
            due_on=t.due_on,
            department_id=t.department_id,
            case_id=t.case_id,
        )

    @strawberry.field(description="The department that must act.")
    def department(self, info: Info) -> Department:
        return resolve(info.context.loaders.department, self.department_id, _department)

    # Synchronous when a list resolver preloaded the page (api/preload.py), awaited otherwise.
    @strawberry.field(description="The task's stage or follow-up deadline, if it has one.")
    def deadline(self, info: Info) -> Deadline | None:
        found = known_deadlines(info, self.case_id, str(self.id))
        if found is None:
            return self._deadline(info)  # type: ignore[return-value]
        return found[0] if found else None

    async def _deadline(self, info: Info) -> Deadline | None:
        found = await deadlines_of(info, self.case_id, str(self.id))
        return found[0] if found else None

    @strawberry.field(description="The case the task belongs to.")
    def case(self, info: Info) -> Case | None:
        return resolve(
            info.context.loaders.case,
            self.case_id,
            lambda found: None if found is None else Case.from_domain(found),
        )


@strawberry.type(description="An uploaded material, with its fingerprint.")
class Material(Node):
    id: strawberry.ID = strawberry.field(description="Stable identifier.")
    material_code: str | None = strawberry.field(description="The required material it satisfies.")
    name: str = strawberry.field(description="File name.")
    size: int = strawberry.field(description="Size in bytes.")
    content_type: str = strawberry.field(description="MIME type.")
    sha256: str = strawberry.field(description="SHA-256 of the content.")
    phase: MaterialPhase = strawberry.field(description="With the application or a supplement.")
    uploaded_at: datetime = strawberry.field(description="When it was uploaded.")
    downloadable: strawberry.Private[bool]

    @strawberry.field(
        description="A short-lived signed link (a path on the API's origin) that downloads the "
        "file without a token; null unless you are the applicant or work on the case."
    )
    def download_url(self, info: Info) -> str | None:
        if not self.downloadable:
            return None
        # A link expires in real time (browsers and proxies), not on the platform clock.
        return downloads.signed_path(info.context.settings, str(self.id), now=time.time())


@strawberry.type(description="One change in a case's history: who, when, what, why.")
class CaseEvent(Node):
    id: strawberry.ID = strawberry.field(
        description="Stable identifier of the event (the eventId of live updates)."
    )
    seq: int = strawberry.field(description="Global order of events.")
    case_version: int = strawberry.field(description="Case version after the change.")
    action: CaseEventAction = strawberry.field(description="What happened.")
    actor_kind: ActorKind = strawberry.field(description="Applicant, officer or the system.")
    actor_name: str = strawberry.field(description="Who acted.")
    actor_roles: list[OfficerRole] = strawberry.field(
        description="The actor's roles at the time (officers only)."
    )
    actor_department_id: strawberry.ID | None = strawberry.field(description="Actor's department.")
    reason: str | None = strawberry.field(description="Why, as the actor said.")
    changes: JSON = strawberry.field(
        description="Changed fields of the case, by their API names: {field: [before, after]}."
    )
    payload: JSON = strawberry.field(description="Facts of the event (e.g. the opinion given).")
    occurred_at: datetime = strawberry.field(description="When it happened.")


@strawberry.enum(description="Something a viewer can do to a case; each names its mutation.")
class CaseAction(Enum):
    ACCEPT = strawberry.enum_value("accept", description="acceptCase (受理).")
    DECLARE_NOT_APPLICABLE = strawberry.enum_value(
        "declare_not_applicable", description="declareNotApplicable (不受理)."
    )
    REFUSE = strawberry.enum_value("refuse", description="refuseCase (不予受理).")
    REQUEST_SUPPLEMENT = strawberry.enum_value(
        "request_supplement", description="requestSupplement (补正, at intake or in review)."
    )
    SUPPLEMENT = strawberry.enum_value("supplement", description="supplementCase.")
    CLAIM_TASK = strawberry.enum_value("claim_task", description="claimTask.")
    COMPLETE_TASK = strawberry.enum_value("complete_task", description="completeTask.")
    SEND_BACK = strawberry.enum_value("send_back", description="sendBack.")
    HAND_UP = strawberry.enum_value("hand_up", description="handUp (上报).")
    TRANSFER = strawberry.enum_value("transfer", description="transferCase (转办).")
    START_SPECIAL_PROCEDURE = strawberry.enum_value(
        "start_special_procedure", description="startSpecialProcedure (特别程序)."
    )
    END_SPECIAL_PROCEDURE = strawberry.enum_value(
        "end_special_procedure", description="endSpecialProcedure."
    )
    EXTEND = strawberry.enum_value("extend", description="extendDeadline (延期).")
    DECIDE = strawberry.enum_value("decide", description="decideCase (决定).")
    DELIVER = strawberry.enum_value("deliver", description="deliverCase (送达).")
    WITHDRAW = strawberry.enum_value("withdraw", description="withdrawCase (撤回).")
    REVOKE = strawberry.enum_value("revoke", description="revokeCase (撤销).")
    RATE = strawberry.enum_value("rate", description="rateCase (好差评).")


# Two use cases behind one mutation: requestSupplement files the intake notice before
# acceptance and the review supplement after it.
_ACTION_ALIASES = {
    "request_intake_supplement": "request_supplement",
    "request_review_supplement": "request_supplement",
}


def _case_actions(
    principal: Principal, case: domain.Case, tasks: list[domain_review.Task]
) -> list[CaseAction]:
    names = permissions.allowed_actions(principal, case, tasks)
    return [CaseAction(n) for n in dict.fromkeys(_ACTION_ALIASES.get(n, n) for n in names)]


@strawberry.type(description="A case (办件): the one record every department and level works on.")
class Case(Node):
    id: strawberry.ID = strawberry.field(
        description="Stable identifier (a UUID, unique across every type): the key clients "
        "cache the case under, whatever its number."
    )
    number: str = strawberry.field(description="Unified case number (统一办件编号).")
    state: CaseState = strawberry.field(description="Where the case is.")
    state_code: str | None = strawberry.field(description="National state code, when one exists.")
    version: int = strawberry.field(description="Send it back as expectedVersion with a mutation.")
    confidentiality: int = strawberry.field(description="0 public … 3 secret.")
    form_data: JSON = strawberry.field(description="The application form as submitted.")
    received_at: datetime = strawberry.field(description="When it was received.")
    received_on: date = strawberry.field(description="Receipt date (starts the Art. 32 timer).")
    accepted_on: date | None = strawberry.field(description="Acceptance date (受理).")
    decided_at: datetime | None = strawberry.field(description="When it was decided.")
    current_stage: int | None = strawberry.field(description="Review stage in progress.")
    supplement_count: int = strawberry.field(description="Supplement notices so far.")
    extension_days: int | None = strawberry.field(description="Working days added by 延期.")
    extension_reason: str | None = strawberry.field(description="Why the limit was extended.")
    decision: DecisionKind | None = strawberry.field(description="The decision, once made.")
    decision_reason: str | None = strawberry.field(description="Reasons of the decision.")
    result_number: str | None = strawberry.field(description="Licence / certificate number.")
    delivered_at: datetime | None = strawberry.field(description="When the result was delivered.")
    rating: int | None = strawberry.field(description="1 very satisfied … 5 very dissatisfied.")
    rating_comment: str | None = strawberry.field(description="The applicant's comment.")
    terminal_reason: str | None = strawberry.field(description="Why the case closed early.")
    competent_agency: str | None = strawberry.field(description="Agency named on a refusal.")
    receiving_region_code: str = strawberry.field(description="Where it was received.")
    handling_region_code: str = strawberry.field(description="Where it is handled now.")
    domain_case: strawberry.Private[domain.Case]

    @classmethod
    def from_domain(cls, c: domain.Case) -> Case:
        return cls(
            id=strawberry.ID(c.id),
            number=c.number,
            state=CaseState(c.state),
            state_code=states.STATE_CODES.get(c.state),
            version=c.version,
            confidentiality=c.confidentiality,
            form_data=as_json(c.form_data),
            received_at=c.received_at,
            received_on=c.received_on,
            accepted_on=c.accepted_on,
            decided_at=c.decided_at,
            current_stage=c.current_stage,
            supplement_count=c.supplement_count,
            extension_days=c.extension_days,
            extension_reason=c.extension_reason,
            decision=None if c.decision is None else DecisionKind(c.decision),
            decision_reason=c.decision_reason,
            result_number=c.result_number,
            delivered_at=c.delivered_at,
            rating=c.rating,
            rating_comment=c.rating_comment,
            terminal_reason=c.terminal_reason,
            competent_agency=c.competent_agency,
            receiving_region_code=c.receiving_region,
            handling_region_code=c.handling_region,
            domain_case=c,
        )

    @strawberry.field(
        description=(
            "What you may do to the case now — your role, department and relation to the case, "
            "its state and its preconditions considered — so buttons can be driven from it. "
            "Each value names the mutation that performs it."
        )
    )
    def allowed_actions(self, info: Info) -> list[CaseAction]:
        principal = info.context.principal
        return resolve(
            info.context.loaders.tasks,
            self.domain_case.id,
            lambda tasks: _case_actions(principal, self.domain_case, tasks),
        )

    @strawberry.field(
        description="The applicant (personal data masked unless you work on the case)."
    )
    def applicant(self, info: Info) -> Applicant:
        def show(found: domain.Applicant | None) -> Applicant:
            assert found is not None
            return Applicant.from_domain(found, unmasked=self.domain_case.viewer_involved)

        return resolve(info.context.loaders.applicant, self.domain_case.applicant_id, show)

    @strawberry.field(
        description="The applicant's contact as stated at the window that filed the case "
        "(null when the applicant filed themselves); the case's notices go there."
    )
    def stated_contact(self) -> StatedContact | None:
        return StatedContact.of(self.domain_case)

    @strawberry.field(description="The matter version the case was filed under.")
    def matter(self, info: Info) -> MatterVersion:
        def pinned(versions: list[domain_catalogue.MatterVersion]) -> MatterVersion:
            return MatterVersion.from_domain(
                next(v for v in versions if v.version == self.domain_case.matter_version)
            )

        return resolve(info.context.loaders.matter_versions, self.domain_case.matter_id, pinned)

    @strawberry.field(description="The region that received the case.")
    async def receiving_region(self, info: Info) -> Region:
        found = await info.context.loaders.region.load(self.receiving_region_code)
        assert found is not None
        return Region.from_domain(found)

    @strawberry.field(description="The region handling the case now (跨域通办 / 上报).")
    async def handling_region(self, info: Info) -> Region:
        found = await info.context.loaders.region.load(self.handling_region_code)
        assert found is not None
        return Region.from_domain(found)

    @strawberry.field(description="The department handling the case now.")
    def handling_department(self, info: Info) -> Department:
        return resolve(
            info.context.loaders.department, self.domain_case.handling_department_id, _department
        )

    @strawberry.field(description="Review and follow-up tasks, oldest first.")
    def tasks(self, info: Info) -> list[Task]:
        return resolve(
            info.context.loaders.tasks,
            self.domain_case.id,
            lambda found: [Task.from_domain(t) for t in found],
        )

    @strawberry.field(description="The case's clocks: one-notice, promised, statutory, delivery.")
    def deadlines(self, info: Info) -> list[Deadline]:
        found = known_deadlines(info, self.domain_case.id, None)
        if found is None:
            return deadlines_of(info, self.domain_case.id, None)  # type: ignore[return-value]
        return found

    @strawberry.field(description="Uploaded materials.")
    def materials(self, info: Info) -> list[Material]:
        involved = self.domain_case.viewer_involved
        return resolve(
            info.context.loaders.materials,
            self.domain_case.id,
            lambda found: _materials(found, downloadable=involved),
        )

    @strawberry.field(
        description="The signed decision document (决定书), when one was uploaded with the decision."
    )
    def decision_document(self, info: Info) -> DecisionDocument | None:
        involved = self.domain_case.viewer_involved
        return resolve(
            info.context.loaders.decision_document,
            self.domain_case.id,
            lambda found: DecisionDocument.from_domain(found, downloadable=involved),
        )

    @strawberry.field(
        description="SMS and e-mails about the case with their delivery status, oldest first "
        "(applicants: those sent to them)."
    )
    async def messages(self, info: Info) -> list[NotificationMessage]:
        return await messages_of(info, self.domain_case.id)

    @strawberry.field(description="The history in order; `last` keeps only the most recent events.")
    def history(
        self,
        info: Info,
        last: Annotated[int | None, strawberry.argument(description="Keep the last N.")] = None,
    ) -> list[CaseEvent]:
        if last is not None and last < 0:
            raise ValidationError("last must be 0 or more", field="last", problem="OUT_OF_RANGE")

        def events(found: list[domain.Event]) -> list[CaseEvent]:
            if last is not None:
                found = found[-last:] if last > 0 else []
            return _events(found)

        return resolve(info.context.loaders.events, self.domain_case.id, events)


def _department(found: domain_government.Department | None) -> Department:
    assert found is not None
    return Department.from_domain(found)


def _materials(found: list[domain.Material], *, downloadable: bool) -> list[Material]:
    return [
        Material(
            id=strawberry.ID(m.id),
            material_code=m.material_code,
            name=m.name,
            size=m.size,
            content_type=m.content_type,
            sha256=m.sha256,
            phase=MaterialPhase(m.phase),
            uploaded_at=m.uploaded_at,
            downloadable=downloadable,
        )
        for m in found
    ]


# History speaks the API's names, not the columns a change was stored under; values of enum
# fields are the enum names a front end compares with. Lineages and claim holders are storage.
_CHANGE_NAMES = {
    "handling_region": "handlingRegionCode",
    "receiving_region": "receivingRegionCode",
    "handling_department_id": "handlingDepartmentId",
}
_HIDDEN_CHANGES = frozenset({"handling_lineage", "receiving_lineage", "claimed_by"})
_ENUM_CHANGES = frozenset({"state", "decision"})


def _api_changes(changes: dict[str, Any]) -> dict[str, Any]:
    shown: dict[str, Any] = {}
    for column, values in changes.items():
        if column in _HIDDEN_CHANGES:
            continue
        name = _CHANGE_NAMES.get(column) or re.sub(r"_(\w)", lambda m: m.group(1).upper(), column)
        if column in _ENUM_CHANGES and isinstance(values, list):
            values = [v.upper() if isinstance(v, str) else v for v in values]
        shown[name] = values
    return shown


def _events(found: list[domain.Event]) -> list[CaseEvent]:
    return [
        CaseEvent(
            id=strawberry.ID(e.id),
            seq=e.seq,
            case_version=e.case_version,
            action=CaseEventAction(e.action),
            actor_kind=ActorKind(e.actor_kind),
            actor_name=e.actor_name,
            actor_roles=[OfficerRole(r) for r in e.actor_roles],
            actor_department_id=None
            if e.actor_department_id is None
            else strawberry.ID(e.actor_department_id),
            reason=e.reason,
            changes=as_json(_api_changes(e.changes)),
            payload=as_json(e.payload),
            occurred_at=e.occurred_at,
        )
        for e in found
    ]


@strawberry.type(
    description=(
        "查询办件进度: where a case stands, for anyone holding its number and the applicant's "
        "identifier. No personal data."
    )
)
class CaseProgress:
    number: str = strawberry.field(description="Unified case number.")
    matter_code: str = strawberry.field(description="Code of the matter applied for.")
    matter_name: str = strawberry.field(description="Name of the matter applied for.")
    state: CaseState = strawberry.field(description="Where the case stands.")
    received_on: date = strawberry.field(description="Day the application was received.")
    accepted_on: date | None = strawberry.field(description="Day it was accepted (受理).")
    stage_name: str | None = strawberry.field(description="Review stage in progress.")
    promised_due_on: date | None = strawberry.field(
        description="The promised decision date (承诺时限); null before acceptance or while paused."
    )
    decided_on: date | None = strawberry.field(description="Day of the decision.")
    decision: DecisionKind | None = strawberry.field(description="The decision, once made.")


@strawberry.type
class CaseQuery:
    @strawberry.field(
        description=(
            "查询办件进度 without signing in: the case's public progress, given its number and "
            "the applicant's whole ID number / credit code or its last 6 characters. "
            "Rate-limited per client and per case (RATE_LIMITED with retryAfter)."
        )
    )
    async def case_progress(
        self,
        info: Info,
        number: Annotated[str, strawberry.argument(description="Case number.")],
        applicant_identifier: Annotated[
            str,
            strawberry.argument(
                description="The applicant's ID number or credit code, or its last 6 characters."
            ),
        ],
    ) -> CaseProgress:
        context = info.context
        await progress.check_rate(
            context.redis,
            client=context.client_address,
            number=number,
            settings=context.settings,
        )
        async with context.pool.acquire() as conn:
            found = await progress.public_progress(
                conn,
                number=number,
                identifier=applicant_identifier,
                settings=context.settings,
                today=local_day(context.clock.now(), context.settings.timezone),
            )
        return CaseProgress(
            number=found.number,
            matter_code=found.matter_code,
            matter_name=found.matter_name,
            state=CaseState(found.state),
            received_on=found.received_on,
            accepted_on=found.accepted_on,
            stage_name=found.stage_name,
            promised_due_on=found.promised_due_on,
            decided_on=found.decided_on,
            decision=None if found.decision is None else DecisionKind(found.decision),
        )

    @strawberry.field(description="A case by its number, if you may see it.")
    async def case(
        self, info: Info, number: Annotated[str, strawberry.argument(description="Case number.")]
    ) -> Case | None:
        principal = info.context.require_signed_in()
        number = validate_case_number(number, field="number")
        async with info.context.pool.acquire() as conn:
            found = await repo.visible_cases_by_number(conn, principal=principal, numbers=[number])
            if found:
                await preload_case(info, conn, found[0])
        return Case.from_domain(found[0]) if found else None
