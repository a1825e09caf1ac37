"""The GraphQL schema: the contract the front ends build on (exported to graphql/schema.graphql)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import strawberry
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
)

from tongban.api.applicants import ApplicantMutation
from tongban.api.bundle_mutations import BundleMutation
from tongban.api.bundles import BundleQuery
from tongban.api.calendar import CalendarMutation, CalendarQuery
from tongban.api.case_list import CaseListQuery
from tongban.api.case_mutations import CaseMutation
from tongban.api.case_query import CaseQuery
from tongban.api.catalogue_admin import CatalogueMutation
from tongban.api.catalogue_query import CatalogueQuery
from tongban.api.commitment_mutations import CommitmentMutation
from tongban.api.errors import MaskUnexpected, should_mask
from tongban.api.exports import ExportMutation, ExportQuery
from tongban.api.government import GovernmentQuery
from tongban.api.guards import DeadlineExecutionContext, QueryLimits
from tongban.api.licences import LicenceQuery
from tongban.api.node_query import NodeQuery
from tongban.api.notifications import NotificationMutation, NotificationQuery
from tongban.api.operations import OneOperationOrName
from tongban.api.pii import AuditedSchema
from tongban.api.pii_audit import PiiAuditQuery
from tongban.api.public_results import PublicResultsQuery
from tongban.api.subscriptions import Subscription
from tongban.api.supervision import SupervisionQuery
from tongban.api.supervision_figures import SupervisionFiguresQuery


@strawberry.type(description="Everything that can be read.")
class Query(
    GovernmentQuery,
    CatalogueQuery,
    BundleQuery,
    CaseQuery,
    CaseListQuery,
    CalendarQuery,
    SupervisionQuery,
    SupervisionFiguresQuery,
    NotificationQuery,
    NodeQuery,
    PiiAuditQuery,
    ExportQuery,
    PublicResultsQuery,
    LicenceQuery,
):
    pass


@strawberry.type(
    description="Everything that can be changed. Expected failures come back as `userErrors`."
)
class Mutation(
    CatalogueMutation,
    BundleMutation,
    CaseMutation,
    CommitmentMutation,
    ApplicantMutation,
    CalendarMutation,
    NotificationMutation,
    ExportMutation,
):
    pass


def build_schema(*, introspection: bool = True, suggestions: bool = True) -> strawberry.Schema:
    """The schema with its limits; each request's limits come from the settings in its context
    (``guards.py``), so one schema serves every configuration but production's introspection and
    suggestions switches."""
    # Extensions are passed as factories: instances would share state between requests.
    # QueryLimits measures the document in one linear pass before graphql-core validates it
    # (and caches the validation, as strawberry's ValidationCache did): strawberry's depth and
    # alias limiters expanded fragments at every spread, exponential in a hostile document.
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = [
        partial(MaxTokensLimiter, max_token_count=5000),
        partial(ParserCache, maxsize=512),
        QueryLimits,  # its caches are per document (document_cache.py), 512 each
        partial(MaskUnexpected, should_mask_error=should_mask),
        OneOperationOrName,
    ]
    if not introspection:
        # In production the schema is no map for an attacker (front ends use the exported SDL).
        extensions.append(partial(AddValidationRules, [NoSchemaIntrospectionCustomRule]))
    return AuditedSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        execution_context_class=DeadlineExecutionContext,
        suggestions=suggestions,
    )


schema = build_schema()
