"""Relations of a page loaded up front, so that per-item fields resolve without awaiting.

An ``async`` resolver on every item of a list costs far more than the query it batches: a
coroutine, a DataLoader future and an asyncio task per item and field (a worklist page of 50
spent most of its CPU there, bench/api.py). A resolver that knows its page — a case view, a
worklist page — reads it with the relations the operation selects in one statement
(``cases/view_repository.py``, ``review/worklist_repository.py``) and primes the request's
DataLoaders; item resolvers answer synchronously from the loaders' caches and fall back to the
loaders (async) for whatever was not primed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final, TypeVar

import asyncpg
from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode, IntValueNode, VariableNode
from strawberry.dataloader import DataLoader

from tongban.api.context import Info
from tongban.auth.types import Principal
from tongban.cases import view_repository as view_repo
from tongban.cases.types import Case
from tongban.catalogue.types import MatterVersion
from tongban.deadlines import service as deadlines_service
from tongban.deadlines.types import DeadlineClock
from tongban.review.worklist_repository import WorklistPage

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


def converted(memo: dict[int, tuple[Any, Any]], item: V, convert: Callable[[V], R]) -> R:
    """``convert(item)``, built once per request for the same struct (``Loaders.converted``).
    The entry holds the struct, so its id is not reused while the request lives; the view is
    read only, so items sharing it answer exactly as with a copy each."""
    entry = memo.get(id(item))
    if entry is not None and entry[0] is item:
        view: R = entry[1]
        return view
    view = convert(item)
    memo[id(item)] = (item, view)
    return view


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


def _history_last(info: Info) -> int | None:
    """The most events any ``history`` field of the operation keeps (its ``last``), or None
    when one keeps them all — or its ``last`` is unknown or invalid (the field itself reports
    that). Nested ones count too: ``case { tasks { case { history } } }`` is the same case."""
    raw = info._raw_info
    lasts: list[int | None] = []
    stack = [node.selection_set for node in raw.field_nodes]
    while stack:
        selection_set = stack.pop()
        if selection_set is None:
            continue
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if selection.name.value == "history":
                    lasts.append(_last_argument(selection, info.variable_values))
                stack.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = raw.fragments.get(selection.name.value)
                stack.append(None if fragment is None else fragment.selection_set)
            elif isinstance(selection, InlineFragmentNode):
                stack.append(selection.selection_set)
    if not lasts or any(n is None for n in lasts):
        return None
    return max(n for n in lasts if n is not None)


def _last_argument(field: FieldNode, variables: Mapping[str, Any]) -> int | None:
    for argument in field.arguments or ():
        if argument.name.value != "last":
            continue
        value: Any = None
        if isinstance(argument.value, IntValueNode):
            value = int(argument.value.value)
        elif isinstance(argument.value, VariableNode):
            value = variables.get(argument.value.name.value)
        return value if isinstance(value, int) and value >= 0 else None
    return None


def case_parts(names: set[str]) -> set[str]:
    """The relations of a case the operation selects (``view_repository.PARTS``)."""
    parts = {"applicant", "matter", "materials", "messages", "history"} & names
    if names & {"tasks", "allowedActions"}:
        parts.add("tasks")
    if names & {"handlingDepartment", "department"}:
        parts.add("departments")
    if names & {"deadlines", "deadline"}:
        parts.add("clocks")
    return parts


async def load_case(
    info: Info, conn: asyncpg.Connection, *, principal: Principal, number: str
) -> Case | None:
    """The case ``number`` if the caller may see it, with the relations the operation selects
    primed in the request's loaders — one statement (``cases/view_repository.py``); a second
    only when an administrator has published a calendar year since this process read it."""
    loaders = info.context.loaders
    parts = case_parts(selected_names(info))
    last = _history_last(info) if "history" in parts else None
    view = await view_repo.case_view(
        conn, principal=principal, number=number, parts=parts, history_last=last
    )
    if view is None:
        return None
    case = view.case
    if view.applicant is not None:
        loaders.applicant.prime(case.applicant_id, view.applicant)
    if view.versions is not None:
        loaders.matter_versions.prime(case.matter_id, view.versions)
    if view.tasks is not None:
        loaders.tasks.prime(case.id, view.tasks)
    if view.departments is not None:
        loaders.department.prime_many({d.id: d for d in view.departments})
    if view.clocks is not None:
        loaders.clocks.prime(case.id, view.clocks)
    if view.calendar is not None:
        loaders.prime_calendar(await deadlines_service.calendar_at(conn, view.calendar))
    if view.materials is not None:
        loaders.materials.prime(case.id, view.materials)
    if view.messages is not None:
        loaders.messages.prime(case.id, view.messages)
    if view.events is not None and last is None:
        loaders.events.prime(case.id, view.events)
    elif view.events is not None and last is not None:
        loaders.recent_events[case.id] = (last, view.events)
    return case


def worklist_parts(names: set[str]) -> set[str]:
    """The relations of a worklist page the operation selects (``worklist_repository.PARTS``)."""
    parts = set()
    if "deadline" in names:
        parts.add("clocks")
    if names & {"department", "handlingDepartment"}:
        parts.add("departments")
    if "case" in names:
        parts.add("cases")
        if "applicant" in names:
            parts.add("applicants")
        if "matter" in names:
            parts.add("matters")
    return parts


async def prime_worklist(info: Info, conn: asyncpg.Connection, page: WorklistPage[Any]) -> None:
    """Prime the loaders behind ``Task.case`` (its applicant and matter) and ``Task.deadline``
    with what ``worklist_page`` read for the page's tasks."""
    loaders = info.context.loaders
    case_ids = list(dict.fromkeys(t.case_id for t, _ in page.tasks))
    if page.cases is not None:
        cases = {c.id: c for c in page.cases}
        loaders.case.prime_many({i: cases.get(i) for i in case_ids})
    if page.applicants is not None:
        loaders.applicant.prime_many({a.id: a for a in page.applicants})
    if page.departments is not None:
        loaders.department.prime_many({d.id: d for d in page.departments})
    if page.versions is not None and page.cases is not None:
        versions: dict[str, list[MatterVersion]] = {c.matter_id: [] for c in page.cases}
        for v in page.versions:
            versions[v.matter_id].append(v)
        loaders.matter_versions.prime_many(versions)
    if page.clocks is not None:
        clocks: dict[str, list[DeadlineClock]] = {i: [] for i in case_ids}
        for c in page.clocks:
            clocks[c.case_id].append(c)
        loaders.clocks.prime_many(clocks)
    if page.calendar is not None:
        loaders.prime_calendar(await deadlines_service.calendar_at(conn, page.calendar))
