"""GraphQL queries of one case: its public progress (查询办件进度) and the case by number."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from tongban.api.arguments import CaseNumber
from tongban.api.cases import Case
from tongban.api.context import Info
from tongban.api.enums import CaseState, DecisionKind
from tongban.api.preload import load_case
from tongban.cases import progress
from tongban.clock import local_day
from tongban.identifiers import validate_case_number


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
        number: CaseNumber,
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
    async def case(self, info: Info, number: CaseNumber) -> Case | None:
        principal = info.context.require_signed_in()
        number = validate_case_number(number, field="number")
        async with info.context.pool.acquire() as conn:
            found = await load_case(info, conn, principal=principal, number=number)
        return None if found is None else Case.from_domain(found)
