"""Acting on a whole bundle application at once: the lead window's intake (accept every item,
or one supplement notice covering every item), and the applicant's withdrawal. Each item is
acted on through the one case-action runner, so every item's own rules (who may, in which
state) still hold; all of it in the caller's transaction, so one refusal writes nothing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg

from tongban.auth.types import Principal
from tongban.bundles import repository as repo
from tongban.bundles.progress import require_application
from tongban.bundles.submission import item_files
from tongban.cases import conclusion, intake, supplements
from tongban.cases import repository as case_repo
from tongban.cases.runner import CaseAction, Env, perform
from tongban.cases.states import TRANSITIONS, InvalidStateError
from tongban.cases.types import Case, UploadedFile
from tongban.errors import InvalidInputError, NotFoundError, Problem


async def _each(
    conn: asyncpg.Connection,
    principal: Principal,
    env: Env,
    application_id: str,
    action: CaseAction[Any],
    arguments: Mapping[str, Sequence[Any]] | None = None,
    *default: Any,
) -> list[Case]:
    """Run ``action`` on every item whose state allows it (``arguments`` by case id, or
    ``default``); an item closed by an earlier one's outcome is read again and skipped."""
    await require_application(conn, application_id)
    items = await repo.item_cases(conn, application_id=application_id)
    # Whether an application exists is itself information: one the caller sees no item of is
    # not found, as a case they may not see is.
    if not await case_repo.visible_cases_by_id(
        conn, principal=principal, ids=[c.id for c in items]
    ):
        raise NotFoundError("no such bundle application", problem="UNKNOWN_BUNDLE_APPLICATION")
    done: list[Case] = []
    sources = TRANSITIONS[action.name][0]
    # Withdrawing a prerequisite first would close its waiting dependants as "no result" rather
    # than record the applicant's withdrawal of them: the waiting items go first.
    for item in sorted(items, key=lambda c: c.state != "waiting"):
        current = next(
            c for c in await repo.item_cases(conn, application_id=application_id) if c.id == item.id
        )
        if current.state not in sources:
            continue
        args = (arguments or {}).get(current.id, default)
        if arguments is not None and current.id not in arguments:
            continue
        done.append(
            await perform(conn, principal, env, action, current.number, current.version, *args)
        )
    if not done:
        raise InvalidStateError(
            f"no item of the bundle can {action.name.replace('_', ' ')} now",
            problem="NO_BUNDLE_ITEM_READY",
        )
    return done


async def accept_bundle(
    conn: asyncpg.Connection, principal: Principal, env: Env, application_id: str
) -> list[Case]:
    """受理 by the lead window: every item received is accepted at once."""
    return await _each(conn, principal, env, application_id, intake.accept, None, None, False)


async def request_bundle_supplement(
    conn: asyncpg.Connection,
    principal: Principal,
    env: Env,
    application_id: str,
    material_codes: list[str],
    note: str,
) -> list[Case]:
    """一次性告知 for the whole bundle: the bundle's material codes, each asked of every item it
    maps to; each item's part must still list everything it misses (Art. 32)."""
    application = await require_application(conn, application_id)
    bundle = await repo.version_of(
        conn, bundle_id=application.bundle_id, version=application.bundle_version
    )
    targets = {m.code: m.maps_to for m in bundle.spec.materials}
    unknown = [c for c in material_codes if c not in targets]
    if unknown or not material_codes:
        raise InvalidInputError(
            [
                Problem(
                    "materialCodes",
                    "UNKNOWN_MATERIAL",
                    f"the bundle asks for no material {', '.join(unknown) or '(none named)'}",
                    {"codes": unknown},
                )
            ]
        )
    by_matter: dict[str, list[str]] = {}
    for code in material_codes:
        for t in targets[code]:
            by_matter.setdefault(t.matter_code, []).append(t.material_code)
    matters = await repo.item_matter_codes(conn, application_id=application_id)
    arguments = {
        case_id: (by_matter[code], note) for case_id, code in matters.items() if code in by_matter
    }
    return await _each(
        conn, principal, env, application_id, intake.request_intake_supplement, arguments
    )


async def supplement_bundle(
    conn: asyncpg.Connection,
    principal: Principal,
    env: Env,
    application_id: str,
    files: list[UploadedFile],
) -> list[Case]:
    """补正 for the whole bundle: files under the bundle's codes, each given to every item
    waiting for a supplement that it maps to (a shared material is brought once)."""
    application = await require_application(conn, application_id)
    bundle = await repo.version_of(
        conn, bundle_id=application.bundle_id, version=application.bundle_version
    )
    per_item = item_files(bundle, files)
    matters = await repo.item_matter_codes(conn, application_id=application_id)
    arguments = {
        case_id: (per_item[code],) for case_id, code in matters.items() if per_item.get(code)
    }
    return await _each(
        conn, principal, env, application_id, supplements.supplement_notice, arguments
    )


async def withdraw_bundle(
    conn: asyncpg.Connection,
    principal: Principal,
    env: Env,
    application_id: str,
    reason: str | None,
) -> list[Case]:
    """撤回 of the whole application: every item not yet decided is withdrawn."""
    return await _each(conn, principal, env, application_id, conclusion.withdraw, None, reason)
