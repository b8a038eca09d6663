"""Prometheus metrics of one server: requests and latency per endpoint, errors, in-flight
requests, rejected (busy) requests and the index size.

With several worker processes, `runner` points PROMETHEUS_MULTIPROC_DIR at a private
folder before the workers start, and `/metrics` adds up every worker's values.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


def multiprocess() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


class Metrics:
    """The metric families of one app, in a registry of its own."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "workbench_http_requests",
            "HTTP requests by endpoint, method and status",
            ["endpoint", "method", "status"],
            registry=r,
        )
        self.latency = Histogram(
            "workbench_http_request_seconds",
            "Request latency by endpoint",
            ["endpoint"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.errors = Counter(
            "workbench_http_errors",
            "Error responses by endpoint and error code",
            ["endpoint", "code"],
            registry=r,
        )
        self.in_flight = Gauge(
            "workbench_http_in_flight", "Requests being served", registry=r, multiprocess_mode="livesum"
        )
        self.rejected = Counter(
            "workbench_http_rejected", "Requests turned away with 503 (pool full)", registry=r
        )
        self.index_bytes = Gauge(
            "workbench_index_bytes", "Size of the index file", registry=r, multiprocess_mode="max"
        )
        self.index_rows = Gauge(
            "workbench_index_rows",
            "Rows in the index by table",
            ["table"],
            registry=r,
            multiprocess_mode="max",
        )

    def render(self) -> bytes:
        """The Prometheus text exposition (all workers' values when there are several)."""
        if multiprocess():
            merged = CollectorRegistry()
            MultiProcessCollector(merged)
            return generate_latest(merged)
        return generate_latest(self.registry)
