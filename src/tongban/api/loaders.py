"""Per-request DataLoaders: one query per relation per request, however long the list."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Generic, TypeVar, overload

import asyncpg
from strawberry.dataloader import DataLoader

from tongban.auth.types import Principal
from tongban.bundles.progress import visible_progress
from tongban.bundles.types import BundleProgress
from tongban.cases import applicant_repository as applicant_repo
from tongban.cases import credit_repository as credit_repo
from tongban.cases import delivery_repository as delivery_repo
from tongban.cases import history_repository as history_repo
from tongban.cases import material_repository as material_repo
from tongban.cases import owed_repository as owed_repo
from tongban.cases import repository as cases_repo
from tongban.cases import supplement_repository as supplement_repo
from tongban.cases.types import (
    Applicant,
    Case,
    CreditRecord,
    DecisionDocument,
    Delivery,
    Event,
    Material,
    OwedMaterial,
    SupplementNotice,
)
from tongban.catalogue import repository as catalogue_repo
from tongban.catalogue.types import MatterVersion
from tongban.clock import Clock, local_day
from tongban.config import Settings
from tongban.deadlines import repository as deadlines_repo
from tongban.deadlines import service as deadlines_service
from tongban.deadlines.calendar import WorkingCalendar
from tongban.deadlines.types import DeadlineClock
from tongban.government import repository as gov_repo
from tongban.government.types import Department, Region
from tongban.licences import repository as licence_repo
from tongban.licences.types import Licence
from tongban.notifications import service as notifications_service
from tongban.notifications.types import Message
from tongban.review import repository as review_repo
from tongban.review.types import Task

K = TypeVar("K")
# A bundle application's progress and the items the viewer sees.
BundleView = tuple[BundleProgress, list[Case]]
V = TypeVar("V")


def _loader(
    pool: asyncpg.Pool,
    fetch: Callable[[asyncpg.Connection, list[K]], Awaitable[dict[K, V]]],
    default: Callable[[], V],
) -> DataLoader[K, V]:
    async def load(keys: Sequence[K]) -> list[V]:
        async with pool.acquire() as conn:
            found = await fetch(conn, list(keys))
        return [found.get(k, default()) for k in keys]

    return DataLoader(load_fn=load)


def _none() -> Any:
    return None


def _empty() -> list[Any]:
    return []


def _by_case(
    fetch: Callable[..., Awaitable[Sequence[V]]],
) -> Callable[[asyncpg.Connection, list[str]], Awaitable[dict[str, list[V]]]]:
    """A batch query of a case's parts (``fetch(conn, case_ids=...)``), grouped by case."""

    async def load(conn: asyncpg.Connection, ids: list[str]) -> dict[str, list[V]]:
        return _grouped(await fetch(conn, case_ids=ids), "case_id")

    return load


def _grouped(items: Sequence[Any], key: str) -> dict[Any, list[Any]]:
    grouped: dict[Any, list[Any]] = defaultdict(list)
    for item in items:
        grouped[getattr(item, key)].append(item)
    return grouped


async def _visible_cases(
    conn: asyncpg.Connection, ids: list[str], *, principal: Principal
) -> dict[str, Case | None]:
    found = await cases_repo.visible_cases_by_id(conn, principal=principal, ids=ids)
    return {c.id: c for c in found}


async def _bundle_views(
    conn: asyncpg.Connection,
    ids: list[str],
    *,
    principal: Principal,
    settings: Settings,
    clock: Clock,
) -> dict[str, BundleView | None]:
    found = await visible_progress(
        conn,
        principal,
        application_ids=ids,
        settings=settings,
        today=local_day(clock.now(), settings.timezone),
    )
    return dict(found)


async def _applicants(conn: asyncpg.Connection, ids: list[str]) -> dict[str, Applicant | None]:
    return {a.id: a for a in await applicant_repo.applicants_by_id(conn, ids=ids)}


async def _deliveries(conn: asyncpg.Connection, ids: list[str]) -> dict[str, Delivery | None]:
    return {d.case_id: d for d in await delivery_repo.deliveries_of(conn, case_ids=ids)}


async def _credit_records(
    conn: asyncpg.Connection, ids: list[str]
) -> dict[str, list[CreditRecord]]:
    found = await credit_repo.credit_records_of_applicants(conn, applicant_ids=ids)
    return _grouped(found, "applicant_id")


async def _licences_of_cases(conn: asyncpg.Connection, ids: list[str]) -> dict[str, Licence | None]:
    return {lic.case_id: lic for lic in await licence_repo.licences_of_cases(conn, case_ids=ids)}


async def _licences_by_id(conn: asyncpg.Connection, ids: list[str]) -> dict[str, Licence | None]:
    return {lic.id: lic for lic in await licence_repo.licences_by_id(conn, ids=ids)}


async def _decision_documents(
    conn: asyncpg.Connection, ids: list[str]
) -> dict[str, DecisionDocument | None]:
    return {d.case_id: d for d in await material_repo.decision_documents_of(conn, case_ids=ids)}


async def _messages(
    conn: asyncpg.Connection, ids: list[str], *, principal: Principal
) -> dict[str, list[Message]]:
    return await notifications_service.messages_of_cases(conn, principal, ids)


async def _regions(conn: asyncpg.Connection, codes: list[str]) -> dict[str, Region | None]:
    return {r.code: r for r in await gov_repo.regions_by_code(conn, codes=codes)}


async def _children(conn: asyncpg.Connection, codes: list[str]) -> dict[str, list[Region]]:
    return _grouped(await gov_repo.region_children(conn, parent_codes=codes), "parent_code")


async def _descendants(conn: asyncpg.Connection, codes: list[str]) -> dict[str, list[Region]]:
    grouped: dict[str, list[Region]] = defaultdict(list)
    for ancestor, r in await gov_repo.region_descendants(conn, codes=codes):
        grouped[ancestor].append(r)
    return grouped


async def _departments(conn: asyncpg.Connection, ids: list[str]) -> dict[str, Department | None]:
    return {d.id: d for d in await gov_repo.departments_by_id(conn, ids=ids)}


async def _departments_of_regions(
    conn: asyncpg.Connection, codes: list[str]
) -> dict[str, list[Department]]:
    return _grouped(await gov_repo.departments_of_regions(conn, region_codes=codes), "region_code")


async def _matter_versions(
    conn: asyncpg.Connection, ids: list[str]
) -> dict[str, list[MatterVersion]]:
    found = await catalogue_repo.versions_of(conn, matter_ids=ids, published_only=False)
    return _grouped(found, "matter_id")


class _Relation(Generic[K, V]):
    """A loader built on the first use of its attribute, then kept on the request's
    ``Loaders``: a request touches a few of the twenty, and building all of them for every
    request (a submission, a search) was ~5 % of its CPU."""

    def __init__(
        self,
        fetch: Callable[..., Awaitable[dict[K, V]]],
        default: Callable[[], V],
        *,
        per_principal: bool = False,
    ) -> None:
        self.fetch = fetch
        self.default = default
        # What the viewer may see is part of the batch query (``principal=``).
        self.per_principal = per_principal
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, loaders: None, owner: type) -> _Relation[K, V]: ...

    @overload
    def __get__(self, loaders: Loaders, owner: type) -> DataLoader[K, V]: ...

    def __get__(self, loaders: Loaders | None, owner: type) -> _Relation[K, V] | DataLoader[K, V]:
        if loaders is None:
            return self
        fetch = (
            partial(self.fetch, principal=loaders.principal) if self.per_principal else self.fetch
        )
        loader = _loader(loaders.pool, fetch, self.default)
        # Not a data descriptor: from now on the attribute is read from the instance.
        loaders.__dict__[self.name] = loader
        return loader


@dataclass
class Loaders:
    pool: asyncpg.Pool
    principal: Principal
    _bundles: DataLoader[str, BundleView | None] | None = field(init=False, default=None)
    _calendar: WorkingCalendar | None = field(init=False, default=None)
    _calendar_lock: asyncio.Lock = field(init=False, default_factory=asyncio.Lock)
    recent_events: dict[str, tuple[int, list[Event]]] = field(init=False, default_factory=dict)
    """A case's last N events when only they were read (``history(last:)``), keyed by case:
    (N, the events). ``events`` holds whole histories only."""
    converted: dict[int, tuple[Any, Any]] = field(init=False, default_factory=dict)
    """Strawberry views of domain structs this request already built, by the struct's id
    (``preload.converted``): a worklist page's 50 cases share a handful of matter versions."""

    # One row per relation: the batch query of each loader and what a missing key yields.
    case = _Relation[str, Case | None](_visible_cases, _none, per_principal=True)
    applicant = _Relation[str, Applicant | None](_applicants, _none)
    tasks = _Relation[str, list[Task]](_by_case(review_repo.tasks_of), _empty)
    materials = _Relation[str, list[Material]](_by_case(material_repo.materials_of), _empty)
    supplements = _Relation[str, list[SupplementNotice]](
        _by_case(supplement_repo.notices_of), _empty
    )
    decision_document = _Relation[str, DecisionDocument | None](_decision_documents, _none)
    delivery = _Relation[str, Delivery | None](_deliveries, _none)
    owed_materials = _Relation[str, list[OwedMaterial]](_by_case(owed_repo.owed_of), _empty)
    events = _Relation[str, list[Event]](_by_case(history_repo.events_of), _empty)
    clocks = _Relation[str, list[DeadlineClock]](_by_case(deadlines_repo.clocks_of), _empty)
    messages = _Relation[str, list[Message]](_messages, _empty, per_principal=True)
    credit_records = _Relation[str, list[CreditRecord]](_credit_records, _empty)
    licence = _Relation[str, Licence | None](_licences_of_cases, _none)
    """电子证照 by the case that issued it."""
    licence_by_id = _Relation[str, Licence | None](_licences_by_id, _none)
    region = _Relation[str, Region | None](_regions, _none)
    region_children = _Relation[str, list[Region]](_children, _empty)
    region_descendants = _Relation[str, list[Region]](_descendants, _empty)
    department = _Relation[str, Department | None](_departments, _none)
    departments_of_region = _Relation[str, list[Department]](_departments_of_regions, _empty)
    matter_versions = _Relation[str, list[MatterVersion]](_matter_versions, _empty)

    async def calendar(self, conn: asyncpg.Connection | None = None) -> WorkingCalendar:
        """The working calendar, read once per request (on ``conn`` if the caller holds one)."""
        # Every deadline of a page asks at once: without the lock each would read it (N+1).
        async with self._calendar_lock:
            if self._calendar is None and conn is not None:
                self._calendar = await deadlines_service.load_calendar(conn)
            elif self._calendar is None:
                async with self.pool.acquire() as own:
                    self._calendar = await deadlines_service.load_calendar(own)
        return self._calendar

    def prime_calendar(self, calendar: WorkingCalendar) -> None:
        """The calendar a caller obtained with its own statement (``calendar_at``)."""
        if self._calendar is None:
            self._calendar = calendar

    def bundles(self, settings: Settings, clock: Clock) -> DataLoader[str, BundleView | None]:
        """一件事一次办: applications by id with the items the viewer sees (None: sees none)."""
        if self._bundles is None:
            self._bundles = _loader(
                self.pool,
                partial(_bundle_views, principal=self.principal, settings=settings, clock=clock),
                _none,
            )
        return self._bundles

    @property
    def calendar_if_read(self) -> WorkingCalendar | None:
        return self._calendar
