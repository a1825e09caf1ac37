"""GraphQL adapter: strawberry types and resolvers that convert to domain structs and call services.

No SQL lives here.
"""
