"""GraphQL: the personal-data access log (个人信息访问记录) for supervisors and administrators."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from enum import Enum
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import strawberry

from tongban.api.context import Info
from tongban.api.government import Department, department_of
from tongban.api.pagination import After, Before, Connection, First, Last, connection, encode_cursor
from tongban.audit import service
from tongban.audit.types import AccessFilter, AccessRecord
from tongban.errors import ValidationError
from tongban.identifiers import is_uuid, validate_case_number

_SCOPE = "pii_access:at_desc"


@strawberry.enum(description="How personal data was seen.")
class PiiAccessChannel(Enum):
    CASE_VIEW = strawberry.enum_value(
        "case_view", description="A case read on its own (case, node, a mutation's reply)."
    )
    WORKLIST = strawberry.enum_value(
        "worklist", description="A case list without a search, or the task worklist."
    )
    SEARCH = strawberry.enum_value("search", description="A case list narrowed by a search.")
    SUBSCRIPTION = strawberry.enum_value(
        "subscription", description="An event delivered to a subscription."
    )
    DOWNLOAD = strawberry.enum_value(
        "download", description="A material or decision document downloaded."
    )
    EXPORT = strawberry.enum_value("export", description="An export of case data.")


@strawberry.type(
    description="One time an officer was shown an applicant's personal data unmasked or "
    "downloaded a case's file. Append-only: never changed or deleted."
)
class PiiAccess:
    id: strawberry.ID = strawberry.field(description="Stable identifier.")
    at: datetime = strawberry.field(description="When (platform time).")
    officer_id: strawberry.ID | None = strawberry.field(description="The officer.")
    officer_name: str = strawberry.field(description="The officer's name at that moment.")
    officer_roles: list[str] = strawberry.field(description="The officer's roles then.")
    case_number: str = strawberry.field(description="The case whose data was seen.")
    applicant_id: strawberry.ID = strawberry.field(description="Whose data it was.")
    fields: list[str] = strawberry.field(
        description="What was seen: id_number, mobile, email, stated_mobile, stated_email, "
        "material:<id>, decision_document:<id>."
    )
    channel: PiiAccessChannel = strawberry.field(description="How it was seen.")
    request_id: str | None = strawberry.field(
        description="The request (X-Request-ID), to find it in the API's logs."
    )
    client_address: str | None = strawberry.field(description="The caller's address.")
    department_id: strawberry.Private[str | None]

    @strawberry.field(description="The officer's department at that moment.")
    async def department(self, info: Info) -> Department | None:
        return None if self.department_id is None else await department_of(info, self.department_id)

    @classmethod
    def from_domain(cls, r: AccessRecord) -> PiiAccess:
        return cls(
            id=strawberry.ID(r.id),
            at=r.at,
            officer_id=None if r.officer_id is None else strawberry.ID(r.officer_id),
            officer_name=r.officer_name,
            officer_roles=list(r.officer_roles),
            case_number=r.case_number,
            applicant_id=strawberry.ID(r.applicant_id),
            fields=list(r.fields),
            channel=PiiAccessChannel(r.channel),
            request_id=r.request_id,
            client_address=r.client_address,
            department_id=r.department_id,
        )


@strawberry.input(description="Search of the access log; all optional, combined with AND.")
class PiiAccessFilter:
    case_number: str | None = strawberry.field(default=None, description="This case.")
    principal_id: strawberry.ID | None = strawberry.field(
        default=None, description="Accesses by this officer."
    )
    department_id: strawberry.ID | None = strawberry.field(
        default=None, description="Accesses by officers of this department."
    )
    start: date | None = strawberry.field(
        default=None, name="from", description="From this day (local time) on."
    )
    end: date | None = strawberry.field(
        default=None, name="to", description="Up to this day (local time), included."
    )


def _uuid(value: strawberry.ID | None, field: str) -> str | None:
    if value is None:
        return None
    if not is_uuid(str(value)):
        raise ValidationError("not an id", field=f"filter.{field}", problem="INVALID_ID")
    return str(value)


def access_filter(f: PiiAccessFilter | None, timezone: str) -> AccessFilter:
    """The checked filter: days are the province's local days, ``to`` included."""
    f = f or PiiAccessFilter()
    if f.start is not None and f.end is not None and f.start > f.end:
        raise ValidationError("`from` is after `to`", field="filter.to", problem="RANGE_REVERSED")
    tz = ZoneInfo(timezone)

    def start_of(day: date | None) -> datetime | None:
        return None if day is None else datetime.combine(day, time(), tzinfo=tz)

    number = f.case_number
    return AccessFilter(
        case_number=None
        if number is None
        else validate_case_number(number, field="filter.caseNumber"),
        officer_id=_uuid(f.principal_id, "principalId"),
        department_id=_uuid(f.department_id, "departmentId"),
        since=start_of(f.start),
        before=start_of(None if f.end is None else f.end + timedelta(days=1)),
    )


@strawberry.type
class PiiAuditQuery:
    @strawberry.field(
        description="Who was shown applicants' personal data unmasked, newest first: "
        "supervisors see accesses by officers of their region and below or to its cases, "
        "a province's administrators all; others are refused (FORBIDDEN). The same list as "
        "CSV: GET /audit/pii-access.csv with the same filter as query parameters."
    )
    async def pii_access_log(
        self,
        info: Info,
        filter: Annotated[
            PiiAccessFilter | None, strawberry.argument(description="Search.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[PiiAccess]:
        context = info.context
        principal = context.require_signed_in()
        service.oversight_region(principal)  # refused before any argument is read
        search = access_filter(filter, context.settings.timezone)
        page = context.page(first=first, after=after, last=last, before=before)
        window = page.window(tuple[datetime, int], _SCOPE)
        rows = await context.read(
            lambda c: service.access_log(c, principal, filter=search, window=window)
        )
        counter: Any = context.counter(
            lambda c: service.count_access_log(c, principal, filter=search)
        )
        return connection(
            rows,
            page,
            node=PiiAccess.from_domain,
            cursor=lambda r: encode_cursor([r.at, r.seq], _SCOPE),
            counter=counter,
        )
