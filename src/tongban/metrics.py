"""Prometheus metrics of the API process."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

HTTP_REQUESTS = Counter(
    "tongban_http_requests_total",
    "HTTP requests by route and status.",
    ["method", "route", "status"],
    registry=REGISTRY,
)
HTTP_LATENCY = Histogram(
    "tongban_http_request_duration_seconds",
    "HTTP request latency by route.",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)
READY = Gauge(
    "tongban_ready",
    "1 when PostgreSQL and Redis answered the last readiness check.",
    registry=REGISTRY,
)
DB_POOL_SIZE = Gauge("tongban_db_pool_size", "Connections in the pool.", registry=REGISTRY)
DB_POOL_IDLE = Gauge("tongban_db_pool_idle", "Idle connections in the pool.", registry=REGISTRY)
CALENDAR_NEXT_YEAR_KNOWN = Gauge(
    "tongban_calendar_next_year_known",
    "1 when next year's official working-day schedule is known (published or packaged).",
    registry=REGISTRY,
)
OUTBOX_OLDEST_AGE = Gauge(
    "tongban_outbox_oldest_unpublished_seconds",
    "Age of the oldest committed event the relay has not yet published (0: none waiting).",
    registry=REGISTRY,
)
NOTIFICATIONS_DUE = Gauge(
    "tongban_notifications_due",
    "Messages due to be sent now (pending or retry) and not yet claimed by a worker.",
    registry=REGISTRY,
)
NOTIFICATIONS_OLDEST_DUE = Gauge(
    "tongban_notifications_oldest_due_seconds",
    "How long the oldest due message has waited past its send time (0: none waiting).",
    registry=REGISTRY,
)
