"""Relations of a page loaded up front, so that per-item fields resolve without awaiting.

An ``async`` resolver on every item of a list costs far more than the query it batches: a
coroutine, a DataLoader future and an asyncio task per item and field (a worklist page of 50
spent most of its CPU there, bench/api.py). A list resolver that knows its page loads the
relations the operation selects — one query each, on one connection — and primes the request's
DataLoaders; item resolvers answer synchronously from the loaders' caches and fall back to the
loaders (async) for whatever was not primed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final, TypeVar

import asyncpg
from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode
from strawberry.dataloader import DataLoader

from tongban.api.context import Info
from tongban.cases import applicant_repository as applicant_repo
from tongban.cases import history_repository as history_repo
from tongban.cases import material_repository as material_repo
from tongban.cases import repository as cases_repo
from tongban.cases.types import Case
from tongban.catalogue import repository as catalogue_repo
from tongban.catalogue.types import MatterVersion
from tongban.deadlines import repository as deadlines_repo
from tongban.deadlines.types import DeadlineClock
from tongban.government import repository as gov_repo
from tongban.review import repository as review_repo
from tongban.review.types import Task

K = TypeVar("K")
V = TypeVar("V")
R = TypeVar("R")

MISSING: Final = object()
"""What ``known`` returns when the loader has no value for the key yet."""


def known(loader: DataLoader[K, Any], key: K) -> Any:
    """The loader's value for ``key`` when it is already there, else ``MISSING``."""
    future = loader.cache_map.get(key) if loader.cache else None
    if future is None or not future.done() or future.cancelled() or future.exception():
        return MISSING
    return future.result()


def resolve(loader: DataLoader[K, V], key: K, convert: Callable[[V], R]) -> R:
    """``convert`` of the loader's value: at once when it is primed, else an awaitable of it
    (graphql-core awaits whatever awaitable a resolver returns)."""
    found = known(loader, key)
    if found is MISSING:
        return _later(loader, key, convert)  # type: ignore[return-value]
    return convert(found)


async def _later(loader: DataLoader[K, V], key: K, convert: Callable[[V], R]) -> R:
    return convert(await loader.load(key))


def selected_names(info: Info) -> set[str]:
    """Every field name the operation selects below this field, at any depth, fragments
    included. Read from graphql-core's AST: ``info.selected_fields`` converts the whole
    selection, arguments and directives included, on every call (a tenth of a case view)."""
    raw = info._raw_info
    names: set[str] = set()
    stack = [node.selection_set for node in raw.field_nodes]
    while stack:
        selection_set = stack.pop()
        if selection_set is None:
            continue
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                names.add(selection.name.value)
                stack.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = raw.fragments.get(selection.name.value)
                stack.append(None if fragment is None else fragment.selection_set)
            elif isinstance(selection, InlineFragmentNode):
                stack.append(selection.selection_set)
    return names


async def preload_tasks(info: Info, conn: asyncpg.Connection, tasks: Sequence[Task]) -> None:
    """Prime the loaders behind ``Task.case`` (its applicant and matter) and ``Task.deadline``
    for a page of tasks, with the queries the loaders would have run, on the caller's
    connection (a second one taken while holding the first could wait forever)."""
    names = selected_names(info)
    case_ids = list(dict.fromkeys(t.case_id for t in tasks))
    loaders = info.context.loaders
    if case_ids and "case" in names:
        cases = {
            c.id: c
            for c in await cases_repo.visible_cases_by_id(
                conn, principal=loaders.principal, ids=case_ids
            )
        }
        loaders.case.prime_many({i: cases.get(i) for i in case_ids})
        if "applicant" in names and cases:
            ids = list({c.applicant_id for c in cases.values()})
            found = {a.id: a for a in await applicant_repo.applicants_by_id(conn, ids=ids)}
            loaders.applicant.prime_many({i: found.get(i) for i in ids})
        if "matter" in names and cases:
            ids = list({c.matter_id for c in cases.values()})
            versions: dict[str, list[MatterVersion]] = {i: [] for i in ids}
            for v in await catalogue_repo.versions_of(conn, matter_ids=ids, published_only=False):
                versions[v.matter_id].append(v)
            loaders.matter_versions.prime_many(versions)
    if case_ids and "deadline" in names:
        clocks: dict[str, list[DeadlineClock]] = {i: [] for i in case_ids}
        for c in await deadlines_repo.clocks_of(conn, case_ids=case_ids):
            clocks[c.case_id].append(c)
        loaders.clocks.prime_many(clocks)
        await loaders.calendar(conn)


async def preload_case(info: Info, conn: asyncpg.Connection, case: Case) -> None:
    """Prime the loaders behind the case's relations that the operation selects, on the
    caller's connection: its nested fields then resolve without a DataLoader round each."""
    names = selected_names(info)
    loaders = info.context.loaders
    ids = [case.id]
    if "applicant" in names:
        found = await applicant_repo.applicants_by_id(conn, ids=[case.applicant_id])
        loaders.applicant.prime(case.applicant_id, found[0] if found else None)
    if "matter" in names:
        versions = await catalogue_repo.versions_of(
            conn, matter_ids=[case.matter_id], published_only=False
        )
        loaders.matter_versions.prime(case.matter_id, versions)
    tasks = []
    if names & {"tasks", "allowedActions"}:
        tasks = await review_repo.tasks_of(conn, case_ids=ids)
        loaders.tasks.prime(case.id, tasks)
    if names & {"handlingDepartment", "department"}:
        wanted = list({case.handling_department_id, *(t.department_id for t in tasks)})
        departments = {d.id: d for d in await gov_repo.departments_by_id(conn, ids=wanted)}
        loaders.department.prime_many({i: departments.get(i) for i in wanted})
    if names & {"deadlines", "deadline"}:
        loaders.clocks.prime(case.id, await deadlines_repo.clocks_of(conn, case_ids=ids))
        await loaders.calendar(conn)
    if "materials" in names:
        loaders.materials.prime(case.id, await material_repo.materials_of(conn, case_ids=ids))
    if "history" in names:
        loaders.events.prime(case.id, await history_repo.events_of(conn, case_ids=ids))
