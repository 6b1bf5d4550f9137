"""Request metrics of the Litestar services, recorded by the request-context middleware.

The names and labels are those of Litestar's Prometheus plugin (``<service>_requests_total``,
``_request_duration_seconds``, ``_requests_in_progress``, ``_requests_error_total``; labels
method, path template, status code, app name), without its middleware: that one built a
``Request`` and looked every labelled child up by keyword on each request (~10 % of intake's
CPU at saturation); here the children are looked up once per label set.
"""

from __future__ import annotations

import functools
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.plugins.prometheus import PrometheusController
from prometheus_client import Counter, Gauge, Histogram

from shared.errors import Unauthorized
from shared.health import metrics_allowed

_LABELS = ("method", "path", "status_code", "app_name")
#: Paths that are not counted: the scrapes and probes themselves.
UNCOUNTED = ("/metrics", "/health")


class RequestMetrics:
    """The four request metrics of one service."""

    def __init__(self, service: str) -> None:
        self._service = service
        self._count = Counter(f"{service}_requests_total", "Total requests", _LABELS)
        self._errors = Counter(
            f"{service}_requests_error_total", "Total errors in requests", _LABELS
        )
        self._time = Histogram(
            f"{service}_request_duration_seconds", "Request duration, in seconds", _LABELS
        )
        self._running = Gauge(
            f"{service}_requests_in_progress",
            "Total requests currently in progress",
            _LABELS,
            multiprocess_mode="livesum",
        )
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram, Counter | None]] = {}
        self._running_children: dict[tuple[str, str], Gauge] = {}

    def started(self, method: str, path: str) -> None:
        """A request began."""
        self._running_of(method, path).inc()

    def finished(self, method: str, path: str, status: int, seconds: float) -> None:
        """A request ended with ``status`` after ``seconds``."""
        self._running_of(method, path).dec()
        key = (method, path, status)
        children = self._children.get(key)
        if children is None:
            values = (method, path, str(status), self._service)
            errors = self._errors.labels(*values) if status >= 500 else None
            children = (self._count.labels(*values), self._time.labels(*values), errors)
            self._children[key] = children
        count, time, errors = children
        count.inc()
        time.observe(seconds)
        if errors is not None:
            errors.inc()

    def _running_of(self, method: str, path: str) -> Gauge:
        gauge = self._running_children.get((method, path))
        if gauge is None:
            gauge = self._running.labels(method, path, "200", self._service)
            self._running_children[(method, path)] = gauge
        return gauge


@functools.cache
def request_metrics(service: str) -> RequestMetrics:
    """The service's request metrics: one set per process (Prometheus names are global)."""
    return RequestMetrics(service)


def metrics_controller(token: str) -> type[PrometheusController]:
    """``/metrics``, guarded by ``token`` (METRICS_TOKEN) when one is set."""

    def require_token(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if not metrics_allowed(connection.headers.get("authorization"), token):
            raise Unauthorized("/metrics needs Authorization: Bearer <METRICS_TOKEN>")

    class MetricsController(PrometheusController):
        include_in_schema = False
        guards = [require_token]

    return MetricsController
