"""Compiled execution of GraphQL operations (issue #18): a validated operation's selection set
becomes, once, a tree of closures that builds the result directly, calling only the resolvers
that compute. ``plans.execute`` is the entry point (from ``guards.DeadlineExecutionContext``)."""
