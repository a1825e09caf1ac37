"""Live connections (graphql-transport-ws) per principal: each holds a process's memory, a
Redis subscription and a database check per event, so one token may not open hundreds
(200 idle WebSockets of one caller were accepted, issue 13).

Counted per API process: a connection lives and dies in one process, so the count is exact
there without a shared store to go stale when a pod is killed; the whole platform's cap is the
setting times the API processes.
"""

from __future__ import annotations

from collections import Counter


class ConnectionSlots:
    def __init__(self, per_principal: int) -> None:
        self.per_principal = per_principal
        self._open: Counter[str] = Counter()

    def acquire(self, subject: str) -> bool:
        """Take a slot for ``subject``; False when all of theirs are in use."""
        if self.per_principal > 0 and self._open[subject] >= self.per_principal:
            return False
        self._open[subject] += 1
        return True

    def release(self, subject: str) -> None:
        self._open[subject] -= 1
        if self._open[subject] <= 0:
            del self._open[subject]

    def held(self, subject: str) -> int:
        return self._open[subject]
