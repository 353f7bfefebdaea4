"""The notification outbox: SMS and email queued in the caller's transaction, delivered after it commits."""
