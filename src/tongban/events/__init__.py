"""Events out: the outbox relay publishes committed case events to Redis."""
