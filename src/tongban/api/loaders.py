"""Per-request DataLoaders: one query per relation per request, however long the list."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

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


@dataclass
class Loaders:
    pool: asyncpg.Pool
    principal: Principal
    case: DataLoader[str, Case | None] = field(init=False)
    applicant: DataLoader[str, Applicant | None] = field(init=False)
    tasks: DataLoader[str, list[Task]] = field(init=False)
    materials: DataLoader[str, list[Material]] = field(init=False)
    supplements: DataLoader[str, list[SupplementNotice]] = field(init=False)
    decision_document: DataLoader[str, DecisionDocument | None] = field(init=False)
    delivery: DataLoader[str, Delivery | None] = field(init=False)
    owed_materials: DataLoader[str, list[OwedMaterial]] = field(init=False)
    events: DataLoader[str, list[Event]] = field(init=False)
    clocks: DataLoader[str, list[DeadlineClock]] = field(init=False)
    messages: DataLoader[str, list[Message]] = field(init=False)
    credit_records: DataLoader[str, list[CreditRecord]] = field(init=False)
    licence: DataLoader[str, Licence | None] = field(init=False)
    """电子证照 by the case that issued it."""
    licence_by_id: DataLoader[str, Licence | None] = field(init=False)
    recent_events: dict[str, tuple[int, list[Event]]] = field(init=False, default_factory=dict)
    """A case's last N events when only they were read (``history(last:)``), keyed by case:
    (N, the events). ``events`` holds whole histories only."""
    _bundles: DataLoader[str, BundleView | None] | None = field(init=False, default=None)
    _calendar: WorkingCalendar | None = field(init=False, default=None)
    _calendar_lock: asyncio.Lock = field(init=False, default_factory=asyncio.Lock)

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

    region: DataLoader[str, Region | None] = field(init=False)
    region_children: DataLoader[str, list[Region]] = field(init=False)
    region_descendants: DataLoader[str, list[Region]] = field(init=False)
    department: DataLoader[str, Department | None] = field(init=False)
    departments_of_region: DataLoader[str, list[Department]] = field(init=False)
    matter_versions: DataLoader[str, list[MatterVersion]] = field(init=False)

    def __post_init__(self) -> None:
        pool, principal = self.pool, self.principal
        # One row per relation: the batch query of each loader and what a missing key yields.
        self.case = _loader(pool, partial(_visible_cases, principal=principal), _none)
        self.applicant = _loader(pool, _applicants, _none)
        self.tasks = _loader(pool, _by_case(review_repo.tasks_of), _empty)
        self.materials = _loader(pool, _by_case(material_repo.materials_of), _empty)
        self.supplements = _loader(pool, _by_case(supplement_repo.notices_of), _empty)
        self.decision_document = _loader(pool, _decision_documents, _none)
        self.delivery = _loader(pool, _deliveries, _none)
        self.owed_materials = _loader(pool, _by_case(owed_repo.owed_of), _empty)
        self.events = _loader(pool, _by_case(history_repo.events_of), _empty)
        self.clocks = _loader(pool, _by_case(deadlines_repo.clocks_of), _empty)
        self.messages = _loader(pool, partial(_messages, principal=principal), _empty)
        self.credit_records = _loader(pool, _credit_records, _empty)
        self.licence = _loader(pool, _licences_of_cases, _none)
        self.licence_by_id = _loader(pool, _licences_by_id, _none)
        self.region = _loader(pool, _regions, _none)
        self.region_children = _loader(pool, _children, _empty)
        self.region_descendants = _loader(pool, _descendants, _empty)
        self.department = _loader(pool, _departments, _none)
        self.departments_of_region = _loader(pool, _departments_of_regions, _empty)
        self.matter_versions = _loader(pool, _matter_versions, _empty)


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
