"""Persisted queries: Apollo's automatic persisted queries (APQ), and an allow-list of the front
ends' own operations (``graphql/operations/``) as the only ones accepted where a setting says so.

APQ (the protocol Apollo Client's ``createPersistedQueryLink`` speaks): a request may carry
``extensions.persistedQuery = {version: 1, sha256Hash}`` and no query. A known hash runs its
query; an unknown one answers ``PERSISTED_QUERY_NOT_FOUND`` and the client sends the query with
its hash once, which is checked and kept (Redis, shared by every API process) — later requests
send only the hash: smaller requests, cacheable GETs.

Allow-list (``TONGBAN_GRAPHQL_PERSISTED_ONLY``): in production an attacker's hand-made query is
refused before parsing costs anything more. A query is allowed when each of its operations,
with the fragments it uses and without ``__typename`` (which Apollo's cache adds), prints the
same as an operation of ``graphql/operations/``.
"""

from __future__ import annotations

import hashlib
import json
import logging
from functools import lru_cache
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qsl, urlencode

import msgspec
import redis.asyncio as aioredis
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
    print_ast,
)
from graphql.language import Visitor, visit
from litestar.types import ASGIApp, Receive, Scope, Send

from tongban.api.document_cache import per_document
from tongban.outages import is_outage

log = logging.getLogger(__name__)

KEY_PREFIX = "tongban:apq:"
# Kept a month after the last registration; a front end re-sends a query it finds missing.
TTL_SECONDS = 30 * 24 * 3600
_encoder = msgspec.json.Encoder()


class _StripTypename(Visitor):
    def enter_field(self, node: FieldNode, *_: Any) -> Any:
        return Visitor.REMOVE if node.name.value == "__typename" and not node.alias else None


def _spreads(selection_set: SelectionSetNode | None, found: set[str]) -> None:
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, FragmentSpreadNode):
            found.add(selection.name.value)
        _spreads(getattr(selection, "selection_set", None), found)


def canonical_operations(document: DocumentNode) -> list[str]:
    """Each operation of ``document`` printed with the fragments it uses (sorted), without
    ``__typename``: the same text for the same operation however a client formats it."""
    stripped = cast(DocumentNode, visit(document, _StripTypename()))
    fragments = {
        d.name.value: d for d in stripped.definitions if isinstance(d, FragmentDefinitionNode)
    }
    printed = []
    for definition in stripped.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        used: set[str] = set()
        pending = [definition.selection_set]
        while pending:
            before = set(used)
            _spreads(pending.pop(), used)
            pending += [fragments[n].selection_set for n in used - before if n in fragments]
        parts = [print_ast(definition)] + [
            print_ast(fragments[n]) for n in sorted(used) if n in fragments
        ]
        printed.append("\n\n".join(parts))
    return printed


def load_allow_list(directory: Path) -> frozenset[str]:
    """The canonical operations of every ``*.graphql`` file in ``directory``."""
    allowed: set[str] = set()
    for path in sorted(directory.glob("*.graphql")):
        allowed.update(canonical_operations(parse(path.read_text(encoding="utf-8"))))
    return frozenset(allowed)


def _error(code: str, message: str) -> bytes:
    return _encoder.encode({"errors": [{"message": message, "extensions": {"code": code}}]})


class PersistedQueries:
    """APQ as ASGI middleware in front of ``/graphql`` (JSON POST and GET): a hash becomes its
    query before the controller parses anything. The allow-list is enforced later, on the
    parsed document of every transport (JSON, GET, multipart, WebSocket): ``AllowList``."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, asgi_scope: Scope, receive: Receive, send: Send) -> None:
        scope = cast(dict[str, Any], asgi_scope)
        if scope["type"] != "http" or scope["path"] != "/graphql":
            await self.app(asgi_scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if scope["method"] == "POST" and "application/json" in headers.get("content-type", ""):
            body = await _read_body(receive, self.max_body_bytes)
            if body is None:
                await _answer(send, _error("BAD_REQUEST", "the request body is too large"), 413)
                return
            # Only a request naming a persisted query is looked into; every other body goes
            # on untouched and is decoded once, by the controller.
            data = _decode(body) if b"persistedQuery" in body else None
            if isinstance(data, dict):
                outcome = await self._resolve(scope, data)
                if isinstance(outcome, bytes):
                    await _answer(send, outcome)
                    return
                if outcome is not None:
                    data["query"] = outcome
                    body = _encoder.encode(data)
            await self.app(asgi_scope, _replay(body), send)
            return
        if scope["method"] == "GET":
            await self._get(scope, receive, send)
            return
        await self.app(asgi_scope, receive, send)

    async def _get(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        params = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        extensions = (
            _decode(params.get("extensions", "").encode()) if "extensions" in params else None
        )
        data: dict[str, Any] = {"query": params.get("query"), "extensions": extensions}
        if extensions is None and not params.get("query"):
            await self.app(cast(Scope, scope), receive, send)  # GraphiQL, or the controller's error
            return
        outcome = await self._resolve(scope, data)
        if isinstance(outcome, bytes):
            await _answer(send, outcome)
            return
        if outcome is not None:
            params["query"] = outcome
            scope = {**scope, "query_string": urlencode(params).encode("latin-1")}
        await self.app(cast(Scope, scope), receive, send)

    async def _resolve(self, scope: dict[str, Any], data: dict[str, Any]) -> str | bytes | None:
        """The query to run when it came by hash; ``bytes`` is an answer to send as is."""
        query = data.get("query")
        extensions = data.get("extensions")
        persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
        if isinstance(persisted, dict):
            digest = persisted.get("sha256Hash")
            if persisted.get("version") != 1 or not isinstance(digest, str) or len(digest) != 64:
                return _error(
                    "PERSISTED_QUERY_INVALID", "persistedQuery needs version 1 and a sha256Hash"
                )
            redis: aioredis.Redis | None = getattr(scope["app"].state, "redis", None)
            if not isinstance(query, str) or not query:
                try:
                    found = await redis.get(KEY_PREFIX + digest) if redis is not None else None
                except Exception as exc:
                    if not is_outage(exc):
                        raise
                    found = None  # the client sends the whole query next: nothing is lost
                if found is None:
                    return _error("PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound")
                return cast(bytes, found).decode("utf-8")
            if hashlib.sha256(query.encode("utf-8")).hexdigest() != digest:
                return _error("PERSISTED_QUERY_HASH_MISMATCH", "provided sha does not match query")
            if redis is not None:
                try:
                    await redis.set(KEY_PREFIX + digest, query, ex=TTL_SECONDS)
                except Exception as exc:
                    if not is_outage(exc):
                        raise
                    log.warning("persisted query not kept: Redis unavailable")
        return None


@lru_cache(maxsize=4)
def allow_list_of(directory: str) -> frozenset[str]:
    return load_allow_list(Path(directory))


@per_document(maxsize=1024)
def registered(document: DocumentNode, directory: str) -> bool:
    """Whether every operation of a parsed document is one of the front ends' operations
    (ParserCache hands out one document object per text, so each is checked once)."""
    operations = canonical_operations(document)
    return bool(operations) and all(op in allow_list_of(directory) for op in operations)


def _decode(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None  # the controller answers malformed or absurdly nested JSON itself


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None past ``limit`` bytes (nothing more is read)."""
    chunks = []
    size = 0
    while True:
        message = cast(dict[str, Any], await receive())
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Any:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return cast(Receive, receive)


async def _answer(asgi_send: Send, body: bytes, status: int = 200) -> None:
    # 200 by default, as Apollo's clients expect: the error is in the body like any other.
    send = cast(Any, asgi_send)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"cache-control", b"no-store")],
        }
    )
    await send({"type": "http.response.body", "body": body})
