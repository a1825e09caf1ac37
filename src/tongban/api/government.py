"""GraphQL types and queries for regions, departments and officers."""

from __future__ import annotations

from typing import Annotated

import strawberry

from tongban.api.applicants import Applicant
from tongban.api.arguments import RegionCode
from tongban.api.context import Info
from tongban.api.convert import raw_or_none
from tongban.api.enums import OfficerRole, PrincipalKind, RegionLevel
from tongban.api.node import Node
from tongban.cases import applicant_repository as applicant_repo
from tongban.government import repository as repo
from tongban.government import types as domain
from tongban.identifiers import validate_region_code


@strawberry.type(
    description="An administrative region (行政区划) identified by its GB/T 2260 code."
)
class Region(Node):
    id: strawberry.ID = strawberry.field(description="Stable identifier: Region:<code>.")
    code: str = strawberry.field(
        description="GB/T 2260 code: 6 digits, 9 for townships and streets."
    )
    name: str = strawberry.field(description="Official name, e.g. 天河区.")
    level: RegionLevel = strawberry.field(description="Level of government.")
    parent_code: str | None = strawberry.field(description="Code of the region above, if any.")
    lineage: strawberry.Private[tuple[str, ...]]

    @classmethod
    def from_domain(cls, r: domain.Region) -> Region:
        return cls(
            id=strawberry.ID(f"Region:{r.code}"),
            code=r.code,
            name=r.name,
            level=RegionLevel(r.level),
            parent_code=r.parent_code,
            lineage=r.lineage,
        )

    @strawberry.field(description="The region directly above.")
    async def parent(self, info: Info) -> Region | None:
        if self.parent_code is None:
            return None
        found = await info.context.loaders.region.load(self.parent_code)
        return None if found is None else Region.from_domain(found)

    @strawberry.field(description="Regions above this one, from the province down.")
    async def ancestors(self, info: Info) -> list[Region]:
        found = await info.context.loaders.region.load_many(list(self.lineage[:-1]))
        return [Region.from_domain(r) for r in found if r is not None]

    @strawberry.field(description="Regions directly below this one.")
    async def children(self, info: Info) -> list[Region]:
        return [
            Region.from_domain(r)
            for r in await info.context.loaders.region_children.load(self.code)
        ]

    @strawberry.field(description="Every region below this one, level by level.")
    async def descendants(self, info: Info) -> list[Region]:
        found = await info.context.loaders.region_descendants.load(self.code)
        return [Region.from_domain(r) for r in found]

    @strawberry.field(description="Departments of this region's government.")
    async def departments(self, info: Info) -> list[Department]:
        found = await info.context.loaders.departments_of_region.load(self.code)
        return [Department.from_domain(d) for d in found]


@strawberry.type(description="A government department (部门) of one region.")
class Department(Node):
    id: strawberry.ID = strawberry.field(description="Stable identifier.")
    code: str = strawberry.field(description="Department code, unique across all levels.")
    name: str = strawberry.field(description="Official name, e.g. 广州市天河区市场监督管理局.")
    region_code: str = strawberry.field(description="Code of the region it belongs to.")

    @classmethod
    def from_domain(cls, d: domain.Department) -> Department:
        return cls(id=strawberry.ID(d.id), code=d.code, name=d.name, region_code=d.region_code)

    @strawberry.field(description="The region the department belongs to.")
    async def region(self, info: Info) -> Region:
        return await region_of(info, self.region_code)


async def region_of(info: Info, code: str) -> Region:
    """A region that must exist (a stored reference), through the request's loader."""
    found = await info.context.loaders.region.load(code)
    assert found is not None
    return Region.from_domain(found)


async def department_of(info: Info, department_id: str) -> Department:
    """A department that must exist (a stored reference), through the request's loader."""
    found = await info.context.loaders.department.load(department_id)
    assert found is not None
    return Department.from_domain(found)


@strawberry.type(description="An officer's own profile.")
class Officer:
    id: strawberry.ID = strawberry.field(description="Stable identifier.")
    username: str = strawberry.field(description="Sign-in name.")
    name: str = strawberry.field(description="Full name.")
    roles: list[OfficerRole] = strawberry.field(description="What the officer may do.")
    clearance: int = strawberry.field(
        description="Highest confidentiality level the officer may see (0 public … 3 secret)."
    )
    mobile: str | None = strawberry.field(description="Mobile number for warnings.")
    email: str | None = strawberry.field(description="E-mail address for warnings.")
    department_id: strawberry.Private[str]

    @classmethod
    def from_domain(cls, o: domain.Officer) -> Officer:
        return cls(
            id=strawberry.ID(o.id),
            username=o.username,
            name=o.name,
            roles=[OfficerRole(r) for r in o.roles],
            clearance=o.clearance,
            mobile=o.mobile,
            email=o.email,
            department_id=o.department_id,
        )

    @strawberry.field(description="The officer's department.")
    async def department(self, info: Info) -> Department:
        return await department_of(info, self.department_id)


@strawberry.type(description="The caller, as the access token says.")
class Viewer:
    kind: PrincipalKind = strawberry.field(description="Applicant, officer, or nobody.")
    name: str = strawberry.field(description="Display name from the token.")

    @strawberry.field(description="The calling officer's own profile (null for non-officers).")
    async def officer(self, info: Info) -> Officer | None:
        principal = info.context.principal
        if not principal.is_officer or principal.officer_id is None:
            return None
        officer_id = principal.officer_id
        found = await info.context.read(lambda c: repo.officer_by_id(c, officer_id=officer_id))
        return None if found is None else Officer.from_domain(found)

    @strawberry.field(
        description=(
            "The calling applicant's own record (null for others): created from the identity "
            "provider's verified claims on the first request, contact details kept up to date."
        )
    )
    async def applicant(self, info: Info) -> Applicant | None:
        principal = info.context.principal
        if not principal.is_applicant or principal.applicant_id is None:
            return None
        ids = [principal.applicant_id]
        found = await info.context.read(lambda c: applicant_repo.applicants_by_id(c, ids=ids))
        return Applicant.from_domain(found[0], unmasked=True) if found else None


@strawberry.type
class GovernmentQuery:
    @strawberry.field(description="A region by its GB/T 2260 code (public).")
    async def region(self, info: Info, code: RegionCode) -> Region | None:
        found = await info.context.loaders.region.load(validate_region_code(code, field="code"))
        return None if found is None else Region.from_domain(found)

    @strawberry.field(description="All regions, optionally of one level (public).")
    async def regions(
        self,
        info: Info,
        level: Annotated[
            RegionLevel | None, strawberry.argument(description="Only this level.")
        ] = None,
    ) -> list[Region]:
        found = await info.context.read(lambda c: repo.list_regions(c, level=raw_or_none(level)))
        return [Region.from_domain(r) for r in found]

    @strawberry.field(description="The departments of a region (public).")
    async def departments(
        self,
        info: Info,
        region_code: RegionCode,
    ) -> list[Department]:
        found = await info.context.loaders.departments_of_region.load(
            validate_region_code(region_code, field="regionCode")
        )
        return [Department.from_domain(d) for d in found]

    @strawberry.field(description="The caller. Needs a valid access token.")
    def viewer(self, info: Info) -> Viewer:
        principal = info.context.require_signed_in()
        return Viewer(kind=PrincipalKind(principal.kind), name=principal.name)
