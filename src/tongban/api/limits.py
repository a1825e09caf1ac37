"""What one GraphQL request may cost, measured on the document before anything runs.

One pass over the document computes, per operation, the deepest selection, the aliases, the
fields and an estimated cost; each fragment is measured once and its result reused wherever it
is spread. That is what keeps the pass linear: a document whose fragments each spread the next
one twice describes 2^n fields in n lines, and a walk that expands fragments at every spread
(strawberry's depth and alias limiters did) runs 2^n steps before it can say no.

Cost model — an estimate of the work and the response, not a bill:

- a scalar or enum field costs nothing; an object costs 1; a field whose resolver is a
  coroutine (it waits for I/O) costs ``IO_COST`` more, once;
- a list multiplies its object and what is selected below it by its size: ``first`` / ``last`` when given
  (capped at the largest page), else the field's declared maximum (``LIST_SIZES``) or
  ``DEFAULT_LIST_SIZE``; the edges and nodes of a connection are the page already counted.

Numbers saturate at ``CAP`` so that an absurd document stays cheap to measure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    is_leaf_type,
)
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef, TypeNameMetaFieldDef

from tongban.bundles.catalogue import MAX_ITEMS, MAX_MATERIALS
from tongban.catalogue.guide_validation import MAX_ENTRIES as GUIDE_ENTRIES

CAP: Final = 10**12
IO_COST: Final = 2
DEFAULT_LIST_SIZE: Final = 20
# Connections whose default page (no `first` nor `last`) is not DEFAULT_LIST_SIZE.
PAGE_DEFAULTS: Final[Mapping[str, int]] = {"Query.openWarnings": 50}
LIST_SIZES: Final[Mapping[str, int]] = {
    # Lists without paging, sized for a province (21 cities, ~120 counties, ~1,600 townships).
    "Query.regions": 2000,
    "Region.descendants": 2000,
    "Region.children": 100,
    "Region.ancestors": 4,
    "Region.departments": 60,
    "Query.departments": 60,
    "Case.history": 200,
    # 一件事一次办: a bundle has at most MAX_ITEMS matters (its validation).
    "BundleApplication.items": MAX_ITEMS,
    "Bundle.items": MAX_ITEMS,
    "Bundle.materials": MAX_MATERIALS,
    "BundleMaterial.mapsTo": MAX_ITEMS,
    "Query.bundles": 50,
    "Query.bundleWarnings": 200,
    # A matter guide's lists, capped by its validation.
    "MatterGuide.legalBasis": GUIDE_ENTRIES["legalBasis"],
    "MatterGuide.channels": GUIDE_ENTRIES["channels"],
    "MatterGuide.steps": GUIDE_ENTRIES["steps"],
    "MatterFees.items": GUIDE_ENTRIES["fees.items"],
}
INTROSPECTION_FREE_LISTS: Final = 3
"""Nested introspection lists counted once each: the standard introspection query nests three
(types → fields → args) and its size is the schema's. Deeper nesting (``type { fields { type {
fields …`` ) re-expands the schema per level and is multiplied like any list."""
INTROSPECTION_LIST_SIZE: Final = 50


@dataclass(frozen=True)
class Shape:
    """Measures of one selection set (depth counts nesting below it, introspection excluded)."""

    depth: int = 0
    aliases: int = 0
    fields: int = 0
    cost: int = 0


def _add(a: int, b: int) -> int:
    return min(a + b, CAP)


def _mul(a: int, b: int) -> int:
    return min(a * b, CAP)


@dataclass
class Analysis:
    """The measures of a document, and how much work measuring it took."""

    depth: int = 0
    aliases: int = 0
    fields: int = 0
    cost: int = 0
    fragment_cycle: str | None = None
    visits: int = 0
    """Selections the pass looked at: each fragment's selections count once however often it
    is spread, so this stays proportional to the document's size."""


@dataclass
class _Walker:
    schema: GraphQLSchema
    fragments: dict[str, FragmentDefinitionNode]
    variables: Mapping[str, Any]
    max_page_size: int
    analysis: Analysis
    memo: dict[tuple[str, int], Shape] = field(default_factory=dict)
    in_progress: set[str] = field(default_factory=set)

    def selection_set(
        self, node: SelectionSetNode | None, parent: GraphQLNamedType | None, lists: int
    ) -> Shape:
        if node is None:
            return Shape()
        depth = aliases = fields = cost = 0
        for selection in node.selections:
            self.analysis.visits += 1
            if isinstance(selection, FieldNode):
                shape = self.field(selection, parent, lists)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                shape = self.selection_set(selection.selection_set, inner, lists)
            elif isinstance(selection, FragmentSpreadNode):
                shape = self.spread(selection.name.value, lists)
            else:  # pragma: no cover - graphql-core has no other selection kinds
                continue
            depth = max(depth, shape.depth)
            aliases = _add(aliases, shape.aliases)
            fields = _add(fields, shape.fields)
            cost = _add(cost, shape.cost)
        return Shape(depth=depth, aliases=aliases, fields=fields, cost=cost)

    def spread(self, name: str, lists: int) -> Shape:
        # Keyed by the introspection nesting too, which only the standard introspection query's
        # own fragments ever vary (a handful of entries).
        key = (name, min(lists, INTROSPECTION_FREE_LISTS + 1))
        found = self.memo.get(key)
        if found is not None:
            return found
        fragment = self.fragments.get(name)
        if fragment is None:
            return Shape()  # graphql-core's validation reports the unknown fragment
        if name in self.in_progress:
            self.analysis.fragment_cycle = name
            return Shape()
        self.in_progress.add(name)
        parent = self.schema.get_type(fragment.type_condition.name.value)
        shape = self.selection_set(fragment.selection_set, parent, lists)
        self.in_progress.discard(name)
        self.memo[key] = shape
        return shape

    def field(self, node: FieldNode, parent: GraphQLNamedType | None, lists: int) -> Shape:
        name = node.name.value
        definition = self._definition(parent, name)
        introspection = name.startswith("__")
        aliases = 1 if node.alias is not None else 0
        if definition is None:
            # Unknown to the schema: validation refuses it; measure what is below anyway.
            inner = self.selection_set(node.selection_set, None, lists)
            return Shape(
                depth=0 if node.selection_set is None else 1 + inner.depth,
                aliases=_add(aliases, inner.aliases),
                fields=_add(1, inner.fields),
                cost=_add(1, inner.cost),
            )
        named = get_named_type(definition.type)
        is_list = _is_list(definition.type)
        size = 1
        if introspection or (parent is not None and parent.name.startswith("__")):
            if is_list:
                lists += 1
                size = 1 if lists <= INTROSPECTION_FREE_LISTS else INTROSPECTION_LIST_SIZE
        elif parent is not None:
            size = self._size(node, parent, definition, is_list)
        inner = self.selection_set(node.selection_set, named, lists)
        each = 0 if is_leaf_type(named) else 1
        strawberry_field = definition.extensions.get("strawberry-definition")
        io = IO_COST if getattr(strawberry_field, "is_async", False) else 0
        # Strawberry's depth limiter ignored introspection (the standard introspection query is
        # deep); TONGBAN_GRAPHQL_MAX_DEPTH keeps that meaning.
        depth = 0 if introspection or node.selection_set is None else 1 + inner.depth
        return Shape(
            depth=depth,
            aliases=_add(aliases, inner.aliases),
            fields=_add(1, inner.fields),
            # The resolver runs once; every item it returns is an object with its own selection.
            cost=_add(io, _mul(size, _add(each, inner.cost))),
        )

    def _definition(self, parent: GraphQLNamedType | None, name: str) -> GraphQLField | None:
        if name == "__typename":
            return TypeNameMetaFieldDef
        if parent is self.schema.query_type and name == "__schema":
            return SchemaMetaFieldDef
        if parent is self.schema.query_type and name == "__type":
            return TypeMetaFieldDef
        if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            found: GraphQLField | None = parent.fields.get(name)
            return found
        return None

    def _size(
        self, node: FieldNode, parent: GraphQLNamedType, definition: GraphQLField, is_list: bool
    ) -> int:
        unsized = False
        for argument in ("first", "last"):
            if argument in definition.args:
                value = self._argument(node, argument, definition)
                if isinstance(value, int) and not isinstance(value, bool):
                    return max(1, min(value, self.max_page_size))
                unsized = unsized or (value is None and not is_list)
        if unsized:
            given = {a.name.value for a in node.arguments or ()}
            if not given & {"first", "last"}:
                # Neither size given: the connection's default page.
                key = f"{parent.name}.{node.name.value}"
                return min(PAGE_DEFAULTS.get(key, DEFAULT_LIST_SIZE), self.max_page_size)
            return self.max_page_size
        if not is_list:
            return 1
        if parent.name.endswith(("Connection", "Edge")):
            return 1  # the page, already multiplied at the connection field
        return LIST_SIZES.get(f"{parent.name}.{node.name.value}", DEFAULT_LIST_SIZE)

    def _argument(self, node: FieldNode, name: str, definition: GraphQLField) -> object:
        for argument in node.arguments or ():
            if argument.name.value != name:
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                return int(value.value)
            if isinstance(value, VariableNode):
                given = value.name.value
                if given in self.variables:
                    found = self.variables[given]
                    # Only an int sizes a page; anything else is refused by coercion later.
                    return found if isinstance(found, int) and not isinstance(found, bool) else None
                break  # not given: the argument's default applies
            return None
        default = definition.args[name].default_value
        return default if isinstance(default, int) else None


def _is_list(type_: Any) -> bool:
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        if isinstance(type_, GraphQLList):
            return True
        type_ = type_.of_type
    return False


def analyse(
    schema: GraphQLSchema,
    operations: list[OperationDefinitionNode],
    fragments: list[FragmentDefinitionNode],
    *,
    variables: Mapping[str, Any] | None = None,
    max_page_size: int = 100,
) -> Analysis:
    """Measure ``operations`` (each fragment once). The worst operation's figures are kept."""
    analysis = Analysis()
    walker = _Walker(
        schema=schema,
        fragments={f.name.value: f for f in fragments},
        variables=variables or {},
        max_page_size=max_page_size,
        analysis=analysis,
    )
    roots = {
        "query": schema.query_type,
        "mutation": schema.mutation_type,
        "subscription": schema.subscription_type,
    }
    for operation in operations:
        root = roots.get(operation.operation.value)
        shape = walker.selection_set(operation.selection_set, root, 0)
        analysis.depth = max(analysis.depth, shape.depth)
        analysis.aliases = max(analysis.aliases, shape.aliases)
        analysis.fields = max(analysis.fields, shape.fields)
        analysis.cost = max(analysis.cost, shape.cost)
    # Fragments no operation spreads are still walked: a cycle among them must not go unseen.
    for name in walker.fragments:
        walker.spread(name, 0)
    return analysis
