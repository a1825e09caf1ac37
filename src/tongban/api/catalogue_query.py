"""GraphQL queries of the matter catalogue: the public search and a matter by code."""

from __future__ import annotations

from typing import Annotated

import strawberry

from tongban.api.arguments import MatterCode
from tongban.api.catalogue import Matter, MatterCategory
from tongban.api.context import Info
from tongban.api.convert import raw_or_none
from tongban.api.enums import RegionLevel
from tongban.api.pagination import (
    After,
    Before,
    Connection,
    First,
    Last,
    connection,
    encode_cursor,
)
from tongban.catalogue import repository as repo
from tongban.catalogue import service
from tongban.catalogue import types as domain


@strawberry.input(description="Filters of the catalogue search; all optional, combined with AND.")
class MatterFilterInput:
    keyword: str | None = strawberry.field(
        default=None,
        description="Chinese or code keyword, matched within name, description, code and the "
        "guide (conditions, legal basis, steps, fees, result name).",
    )
    category: MatterCategory | None = strawberry.field(default=None, description="Category.")
    region_code: str | None = strawberry.field(
        default=None,
        description="Matters of departments in this region or any region below it.",
    )
    department_id: strawberry.ID | None = strawberry.field(
        default=None, description="Implementing department."
    )
    level: RegionLevel | None = strawberry.field(default=None, description="Implementing level.")


_MATTERS = "matters:code"


@strawberry.type
class CatalogueQuery:
    @strawberry.field(description="Search the published catalogue (public), in matter-code order.")
    async def matters(
        self,
        info: Info,
        filter: Annotated[
            MatterFilterInput | None, strawberry.argument(description="Filters.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Matter]:
        page = info.context.page(first=first, after=after, last=last, before=before)
        window = page.window(tuple[str], _MATTERS)
        search = _filter(filter or MatterFilterInput())
        found = await info.context.read(lambda c: service.search(c, filter=search, window=window))
        return connection(
            found,
            page,
            node=lambda v: Matter.from_version(v, v.version),
            cursor=lambda v: encode_cursor([v.code], _MATTERS),
            counter=info.context.counter(lambda c: service.count(c, filter=search)),
        )

    @strawberry.field(description="A matter by its code (public).")
    async def matter(self, info: Info, code: MatterCode) -> Matter | None:
        found = await info.context.read(lambda c: repo.matters_by_code(c, codes=[code]))
        if not found:
            return None
        m = found[0]
        if m.current_version is None and not info.context.principal.has_role("admin"):
            return None
        return Matter(id=strawberry.ID(m.id), code=m.code, current_version=m.current_version)


def _filter(f: MatterFilterInput) -> domain.MatterFilter:
    return domain.MatterFilter(
        keyword=(f.keyword or "").strip() or None,
        category=raw_or_none(f.category),
        region_code=f.region_code,
        department_id=None if f.department_id is None else str(f.department_id),
        level=raw_or_none(f.level),
    )
