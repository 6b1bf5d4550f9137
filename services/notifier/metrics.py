"""The notifier's own Prometheus metrics (served by ``/metrics`` with the HTTP ones)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

CONNECTIONS = Gauge("notifier_connections", "Open WebSocket connections")
SUBSCRIPTIONS = Gauge("notifier_subscriptions", "Room subscriptions by room kind", ["kind"])
EVENTS_READ = Counter("notifier_stream_events_read_total", "Stream entries read by this instance")
EVENTS_DELIVERED = Counter(
    "notifier_events_delivered_total", "Event frames queued to sockets (one per socket and room)"
)
SLOW_CLOSES = Counter("notifier_slow_client_closes_total", "Connections closed 4008 for lag")
READER_LAG = Gauge(
    "notifier_reader_lag_seconds", "Age of the newest entry read when it was read (0 when idle)"
)
READER_ERRORS = Counter("notifier_reader_errors_total", "Failed stream reads (Redis unreachable)")
