"""GraphQL types of a case (the record every department works on) and its tasks."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.scalars import JSON

from tongban.api.applicants import Applicant, StatedContact
from tongban.api.catalogue import MatterVersion
from tongban.api.commitment_types import CaseCommitment
from tongban.api.context import Info
from tongban.api.convert import as_json
from tongban.api.deadlines import Deadline, deadlines_of, known_deadlines
from tongban.api.decision_documents import DecisionDocument
from tongban.api.deliveries import Delivery
from tongban.api.enums import CaseAction, CaseState, DecisionKind, Opinion, TaskKind, TaskState
from tongban.api.government import Department, Region, region_of
from tongban.api.history import CaseEvent, case_events
from tongban.api.licences import Licence, licence_of_case, today_of
from tongban.api.materials import Material, materials
from tongban.api.node import Node
from tongban.api.notifications import NotificationMessage, messages_of
from tongban.api.owed_materials import OwedMaterial
from tongban.api.preload import converted, resolve
from tongban.api.supplements import SupplementNotice
from tongban.auth.types import Principal
from tongban.cases import permissions, states
from tongban.cases import types as domain
from tongban.catalogue import types as domain_catalogue
from tongban.clock import local_day
from tongban.errors import ValidationError
from tongban.government import types as domain_government
from tongban.review import types as domain_review

if TYPE_CHECKING:
    from tongban.api.bundle_types import BundleApplication


@strawberry.type(
    description="A department's task on a case: a review opinion, a bad rating's follow-up or "
    "the verification of a commitment (事中事后核查)."
)
class Task(Node):
    id: strawberry.ID = strawberry.field(description="Stable identifier.")
    kind: TaskKind = strawberry.field(description="Review, follow-up or verification.")
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


# Several use cases behind one mutation: requestSupplement files the intake notice before
# acceptance and the review supplement after it; closeCase closes for either reason.
ACTION_ALIASES = {
    "request_intake_supplement": "request_supplement",
    "request_review_supplement": "request_supplement",
    # supplementCase brings an open notice's materials, or those a deferred acceptance owes.
    "supply_owed": "supplement",
    "close_no_supplement": "close",
    "close_no_show": "close",
}


_SUPPLEMENT_STATES = ("supplement_requested", "review_supplement")


def _case_actions(
    principal: Principal, case: domain.Case, tasks: list[domain_review.Task], today: date
) -> list[CaseAction]:
    names = permissions.allowed_actions(principal, case, tasks, today)
    return [CaseAction(n) for n in dict.fromkeys(ACTION_ALIASES.get(n, n) for n in names)]


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
    supplement_due_on: date | None = strawberry.field(
        description="Last day of the open supplement notice's period (补正期限)."
    )
    extension_days: int | None = strawberry.field(description="Working days added by 延期.")
    extension_reason: str | None = strawberry.field(description="Why the limit was extended.")
    decision: DecisionKind | None = strawberry.field(description="The decision, once made.")
    decision_reason: str | None = strawberry.field(description="Reasons of the decision.")
    result_number: str | None = strawberry.field(description="Licence / certificate number.")
    delivered_at: datetime | None = strawberry.field(description="When the result was delivered.")
    rating: int | None = strawberry.field(description="1 very satisfied … 5 very dissatisfied.")
    rating_comment: str | None = strawberry.field(description="The applicant's comment.")
    rerating: int | None = strawberry.field(
        description="The second rating after a bad rating's rectification; `rating` stays."
    )
    rerating_comment: str | None = strawberry.field(description="Comment of the second rating.")
    rerated_at: datetime | None = strawberry.field(description="When the case was rated again.")
    terminal_reason: str | None = strawberry.field(description="Why the case closed early.")
    competent_agency: str | None = strawberry.field(description="Agency named on a refusal.")
    receiving_region_code: str = strawberry.field(description="Where it was received.")
    handling_region_code: str = strawberry.field(description="Where it is handled now.")
    commitment: CaseCommitment | None = strawberry.field(
        description="告知承诺制: the applicant's written commitment and its verification "
        "(null when the case was filed with its materials)."
    )
    owed_due_on: date | None = strawberry.field(
        description="容缺受理: when the materials still owed are due; null when nothing is owed."
    )
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
            # Only while a supplement is awaited (a withdrawn or refused case keeps the column).
            supplement_due_on=c.supplement_due_on if c.state in _SUPPLEMENT_STATES else None,
            extension_days=c.extension_days,
            extension_reason=c.extension_reason,
            decision=None if c.decision is None else DecisionKind(c.decision),
            decision_reason=c.decision_reason,
            result_number=c.result_number,
            delivered_at=c.delivered_at,
            rating=c.rating,
            rating_comment=c.rating_comment,
            rerating=c.rerating,
            rerating_comment=c.rerating_comment,
            rerated_at=c.rerated_at,
            terminal_reason=c.terminal_reason,
            competent_agency=c.competent_agency,
            receiving_region_code=c.receiving_region,
            handling_region_code=c.handling_region,
            commitment=CaseCommitment.of(c),
            owed_due_on=c.owed_due_on,
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
        today = local_day(info.context.clock.now(), info.context.settings.timezone)
        return resolve(
            info.context.loaders.tasks,
            self.domain_case.id,
            lambda tasks: _case_actions(principal, self.domain_case, tasks, today),
        )

    @strawberry.field(
        description="The applicant (personal data masked unless you work on the case)."
    )
    def applicant(self, info: Info) -> Applicant:
        def show(found: domain.Applicant | None) -> Applicant:
            assert found is not None
            return Applicant.from_domain(
                found, unmasked=self.domain_case.viewer_involved, case_id=self.domain_case.id
            )

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
            version = next(v for v in versions if v.version == self.domain_case.matter_version)
            return converted(info.context.loaders.converted, version, MatterVersion.from_domain)

        return resolve(info.context.loaders.matter_versions, self.domain_case.matter_id, pinned)

    @strawberry.field(description="The region that received the case.")
    async def receiving_region(self, info: Info) -> Region:
        return await region_of(info, self.receiving_region_code)

    @strawberry.field(description="The region handling the case now (跨域通办 / 上报).")
    async def handling_region(self, info: Info) -> Region:
        return await region_of(info, self.handling_region_code)

    @strawberry.field(description="The department handling the case now.")
    def handling_department(self, info: Info) -> Department:
        return resolve(
            info.context.loaders.department, self.domain_case.handling_department_id, _department
        )

    @strawberry.field(description="Review, follow-up and verification tasks, oldest first.")
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
            lambda found: materials(found, downloadable=involved),
        )

    @strawberry.field(
        description="一件事一次办: the bundle application this case is an item of (its state, "
        "combined due date, own clock and the items the viewer may see); null for a lone case."
    )
    async def bundle(
        self, info: Info
    ) -> Annotated[BundleApplication, strawberry.lazy("tongban.api.bundle_types")] | None:
        application_id = self.domain_case.bundle_application_id
        if application_id is None:
            return None
        from tongban.api.bundle_types import BundleApplication  # its items are Cases

        ctx = info.context
        found = await ctx.loaders.bundles(ctx.settings, ctx.clock).load(application_id)
        if found is None:
            return None
        progress, cases = found
        return BundleApplication.from_domain(progress, [Case.from_domain(c) for c in cases])

    @strawberry.field(description="Supplement notices, oldest first, material by material.")
    async def supplements(self, info: Info) -> list[SupplementNotice]:
        found = await info.context.loaders.supplements.load(self.domain_case.id)
        if not found:
            return []
        versions = await info.context.loaders.matter_versions.load(self.domain_case.matter_id)
        pinned = next(v for v in versions if v.version == self.domain_case.matter_version)
        names = {m.code: m.name for m in pinned.spec.materials}
        return [SupplementNotice.from_domain(n, names) for n in found]

    @strawberry.field(
        description="容缺受理: the materials owed at acceptance, by when, and when each arrived "
        "(empty unless the case was accepted with deferred materials)."
    )
    def owed_materials(self, info: Info) -> list[OwedMaterial]:
        return resolve(
            info.context.loaders.owed_materials,
            self.domain_case.id,
            lambda found: [OwedMaterial.from_domain(o) for o in found],
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
        description="电子证照: the electronic licence the approval issued (null when none was)."
    )
    async def licence(self, info: Info) -> Licence | None:
        found = await licence_of_case(info, self.domain_case.id)
        if found is None:
            return None
        holder = info.context.principal.applicant_id == found.holder_applicant_id
        return Licence.from_domain(
            found,
            today=today_of(info),
            holder=holder,
            downloadable=self.domain_case.viewer_involved,
        )

    @strawberry.field(description="送达: how the result reached the applicant, once delivered.")
    def delivery(self, info: Info) -> Delivery | None:
        involved = self.domain_case.viewer_involved
        return resolve(
            info.context.loaders.delivery,
            self.domain_case.id,
            lambda found: Delivery.from_domain(found, downloadable=involved),
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
            return case_events(found)

        # The case view reads only the last N events when that is all its fields keep.
        recent = info.context.loaders.recent_events.get(self.domain_case.id)
        if last is not None and recent is not None and recent[0] >= last:
            return events(recent[1])
        return resolve(info.context.loaders.events, self.domain_case.id, events)


def _department(found: domain_government.Department | None) -> Department:
    assert found is not None
    return Department.from_domain(found)
