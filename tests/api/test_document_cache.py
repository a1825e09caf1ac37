"""Caches kept per parsed document are found by the document object, not its (deep) hash."""

from __future__ import annotations

from graphql import DocumentNode, parse

from tongban.api.document_cache import per_document


def test_the_same_document_object_is_computed_once_per_argument() -> None:
    calls: list[tuple[DocumentNode, int]] = []

    @per_document(maxsize=4)
    def measure(document: DocumentNode, size: int) -> int:
        calls.append((document, size))
        return len(calls)

    document = parse("{ a }")
    assert measure(document, 1) == 1
    assert measure(document, 1) == 1
    assert measure(document, 2) == 2
    assert len(calls) == 2


def test_an_equal_but_distinct_document_is_computed_for_itself() -> None:
    @per_document(maxsize=4)
    def identity(document: DocumentNode) -> DocumentNode:
        return document

    first, second = parse("{ a }"), parse("{ a }")
    assert first == second
    assert identity(first) is first
    assert identity(second) is second


def test_the_least_recently_used_document_leaves_first() -> None:
    calls: list[str] = []

    @per_document(maxsize=2)
    def name(document: DocumentNode) -> str:
        calls.append(str(document.loc.source.body if document.loc else ""))
        return calls[-1]

    a, b, c = parse("{ a }"), parse("{ b }"), parse("{ c }")
    name(a)
    name(b)
    name(a)  # a is now the most recent
    name(c)  # b leaves
    name(a)
    name(b)
    assert calls == ["{ a }", "{ b }", "{ c }", "{ b }"]
