"""The GraphQL schema: the contract the front ends build on (exported to graphql/schema.graphql)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import strawberry
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)

from tongban.api.calendar import CalendarMutation, CalendarQuery
from tongban.api.case_mutations import CaseMutation
from tongban.api.cases import CaseQuery
from tongban.api.catalogue import CatalogueMutation, CatalogueQuery
from tongban.api.errors import MaskUnexpected, TongbanSchema, should_mask
from tongban.api.government import GovernmentQuery
from tongban.api.notifications import NotificationMutation, NotificationQuery
from tongban.api.operations import OneOperationOrName
from tongban.api.subscriptions import Subscription
from tongban.api.supervision import SupervisionQuery


@strawberry.type(description="Everything that can be read.")
class Query(
    GovernmentQuery, CatalogueQuery, CaseQuery, CalendarQuery, SupervisionQuery, NotificationQuery
):
    pass


@strawberry.type(
    description="Everything that can be changed. Expected failures come back as `userErrors`."
)
class Mutation(CatalogueMutation, CaseMutation, CalendarMutation, NotificationMutation):
    pass


def build_schema(
    *, max_depth: int = 12, introspection: bool = True, suggestions: bool = True
) -> strawberry.Schema:
    # The limits' validation rules are built once: as factories, QueryDepthLimiter and
    # MaxAliasesLimiter make new rule classes per request, and ValidationCache (keyed by the
    # rules) would then never hit — validation was half of a small query's cost.
    rules = [
        *QueryDepthLimiter(max_depth=max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=30).validation_rules,
    ]
    # Extensions are passed as factories: instances would share state between requests.
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = [
        partial(AddValidationRules, rules),
        partial(MaxTokensLimiter, max_token_count=5000),
        partial(ParserCache, maxsize=512),
        partial(ValidationCache, maxsize=512),
        partial(MaskUnexpected, should_mask_error=should_mask),
        OneOperationOrName,
    ]
    if not introspection:
        # In production the schema is no map for an attacker (front ends use the exported SDL).
        extensions.append(partial(AddValidationRules, [NoSchemaIntrospectionCustomRule]))
    return TongbanSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        suggestions=suggestions,
    )


schema = build_schema()
