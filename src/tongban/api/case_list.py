"""The case lists: ``cases`` (search, sort, Relay pages) and the officers' ``worklist``."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from enum import Enum
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import strawberry

from tongban.api import pii
from tongban.api.cases import Case, Task
from tongban.api.context import Info
from tongban.api.convert import raw, raw_or_none
from tongban.api.enums import CaseState, Colour, TaskState
from tongban.api.pagination import (
    After,
    Before,
    Connection,
    First,
    Last,
    connection,
    encode_cursor,
)
from tongban.api.preload import prime_worklist, selected_names, worklist_parts
from tongban.auth.errors import NotAllowedError
from tongban.auth.types import Principal
from tongban.cases import search_repository as search_repo
from tongban.cases import types as domain
from tongban.clock import local_day
from tongban.deadlines.clock import working_horizon
from tongban.errors import ValidationError
from tongban.identifiers import is_uuid, validate_case_number, validate_region_code
from tongban.review import repository as review_repo
from tongban.review import worklist_repository as worklist_repo

_MAX_TEXT = 50
_NO_DEPARTMENT = "00000000-0000-0000-0000-000000000000"
# Working days of the colour horizon: yellow thresholds (⌈limit / 3⌉) of limits up to 3 years.
_HORIZON_DAYS = 250


@strawberry.enum(
    description="Order of a case list; ties are broken by the case's id, so pages "
    "never repeat or skip a case."
)
class CaseSort(Enum):
    RECEIVED_DESC = strawberry.enum_value(
        "received_desc", description="Newest received first (the default)."
    )
    RECEIVED_ASC = strawberry.enum_value("received_asc", description="Oldest received first.")
    DUE_ASC = strawberry.enum_value(
        "due_asc",
        description="Earliest promised decision date (承诺时限) first; cases without one last.",
    )
    NUMBER_ASC = strawberry.enum_value("number_asc", description="By case number, ascending.")
    NUMBER_DESC = strawberry.enum_value("number_desc", description="By case number, descending.")
    DECIDED_DESC = strawberry.enum_value(
        "decided_desc", description="Most recently decided first; undecided cases last."
    )


@strawberry.input(description="A range of days; both ends included, either may be left out.")
class DateRange:
    start: date | None = strawberry.field(default=None, name="from", description="First day.")
    end: date | None = strawberry.field(default=None, name="to", description="Last day.")


@strawberry.input(
    description="Case-list search; all optional, combined with AND. Searches only ever narrow "
    "the cases you may see."
)
class CaseFilter:
    number: str | None = strawberry.field(default=None, description="This case number exactly.")
    number_prefix: str | None = strawberry.field(
        default=None, description="Case numbers starting so (e.g. a region code and a day)."
    )
    applicant_name: str | None = strawberry.field(
        default=None, description="Part of the applicant's name."
    )
    applicant_id_number: str | None = strawberry.field(
        default=None, description="The applicant's whole resident ID number (officers only)."
    )
    applicant_credit_code: str | None = strawberry.field(
        default=None, description="The applicant's whole credit code (officers only)."
    )
    applicant_mobile: str | None = strawberry.field(
        default=None,
        description="The applicant's whole mobile number, theirs or as stated on the case "
        "(officers only).",
    )
    received_on: DateRange | None = strawberry.field(
        default=None, description="Received on these days."
    )
    decided_on: DateRange | None = strawberry.field(
        default=None, description="Decided on these days (local time)."
    )
    states: list[CaseState] | None = strawberry.field(
        default=None, description="In any of these states."
    )
    matter_code: str | None = strawberry.field(default=None, description="Filed under this matter.")
    keyword: str | None = strawberry.field(
        default=None,
        description="Part of the matter's name or the applicant's name (Chinese substrings "
        "work: 营业执照).",
    )
    department_id: strawberry.ID | None = strawberry.field(
        default=None, description="Handled by this department."
    )
    region_code: str | None = strawberry.field(
        default=None, description="Handled in this region or any region below it."
    )
    colour: Colour | None = strawberry.field(
        default=None,
        description="The supervision colour (电子监察) of the promised decision clock today; "
        "only running clocks have one (a paused or stopped clock matches no colour).",
    )


_KEY_TYPES: dict[str, Any] = {
    "received_desc": tuple[datetime, str],
    "received_asc": tuple[datetime, str],
    "due_asc": tuple[date, str],
    "number_asc": tuple[str, str],
    "number_desc": tuple[str, str],
    "decided_desc": tuple[datetime, str],
}

_OFFICER_ONLY = {
    "applicant_id_number": "applicantIdNumber",
    "applicant_credit_code": "applicantCreditCode",
    "applicant_mobile": "applicantMobile",
}


def _text(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    v = value.strip()
    if not v or len(v) > _MAX_TEXT:
        raise ValidationError(
            f"give 1 to {_MAX_TEXT} characters",
            field=f"filter.{field}",
            problem="FILTER_TEXT_LENGTH",
            params={"max": _MAX_TEXT},
        )
    return v


def _upper(value: str | None) -> str | None:
    return None if value is None else value.upper()


def _range(r: DateRange | None, field: str) -> tuple[date | None, date | None]:
    if r is None:
        return None, None
    if r.start is not None and r.end is not None and r.start > r.end:
        raise ValidationError(
            "`from` is after `to`", field=f"filter.{field}.to", problem="RANGE_REVERSED"
        )
    return r.start, r.end


def _start_of(day: date | None, tz: ZoneInfo) -> datetime | None:
    return None if day is None else datetime.combine(day, time(), tzinfo=tz)


def domain_filter(
    f: CaseFilter | None,
    principal: Principal,
    *,
    timezone: str,
    state: str | None,
    matter_code: str | None,
    colour: domain.ColourWindow | None = None,
) -> domain.CaseFilter:
    """The checked search; the older ``state`` / ``matterCode`` arguments add to it."""
    f = f or CaseFilter()
    if not principal.is_officer:
        for name, api_name in _OFFICER_ONLY.items():
            if getattr(f, name) is not None:
                raise NotAllowedError(
                    "only officers search by identity numbers",
                    field=f"filter.{api_name}",
                    problem="OFFICERS_ONLY_FILTER",
                )
    received = _range(f.received_on, "receivedOn")
    decided = _range(f.decided_on, "decidedOn")
    tz = ZoneInfo(timezone)
    states = [raw(s) for s in f.states or []]
    if state is not None:
        states = [s for s in states if s == state] if states else [state]
        if not states:
            states = ["-"]  # contradictory: no state matches both
    codes = {c for c in (f.matter_code, matter_code) if c is not None}
    return domain.CaseFilter(
        number=None if f.number is None else validate_case_number(f.number, field="filter.number"),
        number_prefix=_text(f.number_prefix, "numberPrefix"),
        applicant_name=_text(f.applicant_name, "applicantName"),
        # Stored upper-case (a trailing X of an ID number, the letters of a credit code).
        applicant_id_number=_upper(_text(f.applicant_id_number, "applicantIdNumber")),
        applicant_credit_code=_upper(_text(f.applicant_credit_code, "applicantCreditCode")),
        applicant_mobile=_text(f.applicant_mobile, "applicantMobile"),
        received_from=received[0],
        received_to=received[1],
        decided_from=_start_of(decided[0], tz),
        decided_before=_start_of(None if decided[1] is None else decided[1] + timedelta(1), tz),
        states=tuple(states),
        matter_code=None if not codes else (codes.pop() if len(codes) == 1 else ""),
        keyword=_text(f.keyword, "keyword"),
        # An id that is no uuid names no department: nothing matches (as for an unknown one).
        department_id=None
        if f.department_id is None
        else (str(f.department_id) if is_uuid(str(f.department_id)) else _NO_DEPARTMENT),
        region_code=None
        if f.region_code is None
        else validate_region_code(f.region_code, field="filter.regionCode"),
        colour=colour,
    )


async def _colour_window(info: Info, colour: Colour | None) -> domain.ColourWindow | None:
    if colour is None:
        return None
    settings = info.context.settings
    today = local_day(info.context.clock.now(), settings.timezone)
    horizon = working_horizon(await info.context.loaders.calendar(), today, _HORIZON_DAYS)
    return domain.ColourWindow(
        colour=raw(colour),
        today=today,
        horizon=horizon,
        yellow_min_days=settings.yellow_min_days,
        yellow_divisor=settings.yellow_divisor,
    )


@strawberry.enum(description="Worklist order.")
class WorklistSort(Enum):
    RECEIVED = strawberry.enum_value("received", description="Oldest received first.")
    DUE = strawberry.enum_value("due", description="Earliest due first.")


@strawberry.input(description="Worklist filters.")
class WorklistFilter:
    states: list[TaskState] | None = strawberry.field(
        default=None, description="Task states (default: open and claimed)."
    )
    matter_code: str | None = strawberry.field(default=None, description="Only this matter.")


@strawberry.type
class CaseListQuery:
    @strawberry.field(
        description="Cases you may see (applicants: their own), searched and sorted; newest "
        "received first unless `sort` says otherwise."
    )
    async def cases(
        self,
        info: Info,
        state: Annotated[
            CaseState | None,
            strawberry.argument(description="Only this state (see also `filter.states`)."),
        ] = None,
        matter_code: Annotated[
            str | None, strawberry.argument(description="Only this matter.")
        ] = None,
        filter: Annotated[CaseFilter | None, strawberry.argument(description="Search.")] = None,
        sort: Annotated[
            CaseSort, strawberry.argument(description="Order.")
        ] = CaseSort.RECEIVED_DESC,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Case]:
        context = info.context
        principal = context.require_signed_in()
        # A list narrowed by a search is a search; the plain list is the officer's worklist.
        searched = filter is not None and any(v is not None for v in vars(filter).values())
        pii.channel(info, "search" if searched else "worklist")
        order: domain.CaseSort = raw(sort)
        scope = f"cases:{order}"
        page = info.context.page(first=first, after=after, last=last, before=before)
        window = page.window(_KEY_TYPES[order], scope)
        search = domain_filter(
            filter,
            principal,
            timezone=context.settings.timezone,
            state=raw_or_none(state),
            matter_code=matter_code,
            colour=None if filter is None else await _colour_window(info, filter.colour),
        )
        async with context.pool.acquire() as conn:
            found = await search_repo.search_cases(
                conn,
                principal=principal,
                filter=search,
                sort=order,
                window=window,
            )

        return connection(
            found,
            page,
            node=lambda x: Case.from_domain(x.case),
            cursor=lambda x: encode_cursor(list(x.position), scope),
            counter=context.counter(
                lambda c: search_repo.count_cases(c, principal=principal, filter=search)
            ),
        )

    @strawberry.field(description="Tasks of your department on cases you may see.")
    async def worklist(
        self,
        info: Info,
        filter: Annotated[
            WorklistFilter | None, strawberry.argument(description="Filters.")
        ] = None,
        sort: Annotated[
            WorklistSort, strawberry.argument(description="Order.")
        ] = WorklistSort.RECEIVED,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Task]:
        principal = info.context.require_signed_in()
        if not principal.is_officer or principal.department_id is None:
            raise NotAllowedError("worklists belong to officers", problem="WORKLIST_OFFICERS_ONLY")
        department_id = principal.department_id
        pii.channel(info, "worklist")
        f = filter or WorklistFilter()
        task_states: list[str] = [raw(s) for s in f.states] if f.states else ["open", "claimed"]
        sort_value: str = raw(sort)
        scope = f"worklist:{sort_value}"
        key_type = tuple[date, str] if sort_value == "due" else tuple[datetime, str]
        page = info.context.page(first=first, after=after, last=last, before=before)
        window = page.window(key_type, scope)
        async with info.context.pool.acquire() as conn:
            # The page and the relations its items show, in one statement.
            read = await worklist_repo.worklist_page(
                conn,
                principal=principal,
                department_id=department_id,
                states=task_states,
                matter_code=f.matter_code,
                sort=sort_value,
                window=window,
                parts=worklist_parts(selected_names(info)),
            )
            await prime_worklist(info, conn, read)
        found = read.tasks

        count = info.context.counter(
            lambda c: review_repo.count_worklist(
                c,
                principal=principal,
                department_id=department_id,
                states=task_states,
                matter_code=f.matter_code,
            )
        )
        return connection(
            found,
            page,
            node=lambda x: Task.from_domain(x[0]),
            cursor=lambda x: encode_cursor([x[1], x[0].id], scope),
            counter=count,
        )
