"""The Relay ``Node`` interface: objects a client caches carry a stable ``id``, and
``node(id:)`` fetches any of them again — with the same visibility as everywhere else.

Ids: records with a UUID use it as is (unique across every table, and already what mutations
take, e.g. ``taskId``); the others are typed keys (``Region:440106``,
``MatterVersion:<matter id>:<version>``).
"""

from __future__ import annotations

import strawberry


@strawberry.interface(
    description="An object with a stable id: clients cache it under it, and node(id:) fetches "
    "it again."
)
class Node:
    id: strawberry.ID = strawberry.field(description="Stable identifier (opaque to clients).")
