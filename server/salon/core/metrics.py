"""Prometheus metrics of one node, in a registry of its own (several apps may share a process)."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.connections = Gauge("salon_connections", "Open Socket.IO connections", registry=r)
        self.rooms = Gauge("salon_rooms_active", "Rooms with people on this node", registry=r)
        self.documents = Gauge("salon_documents_loaded", "Documents held in memory", registry=r)
        self.events = Counter(
            "salon_events_total", "Socket.IO events handled", ["event"], registry=r
        )
        self.errors = Counter(
            "salon_event_errors_total", "Events refused, by error code", ["code"], registry=r
        )
        self.event_seconds = Histogram(
            "salon_event_seconds",
            "Time to handle an event",
            ["event"],
            registry=r,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0),
        )
        self.bus_lag = Gauge(
            "salon_bus_lag_seconds",
            "Age of the newest heartbeat from another node on arrival",
            registry=r,
        )
        self.persist_lag = Gauge(
            "salon_persistence_lag_seconds",
            "Age of the oldest accepted write not yet committed",
            registry=r,
        )
        self.doc_updates = Counter(
            "salon_document_updates_total", "Document updates applied", registry=r
        )

        self.ws_direct = Gauge(
            "salon_ws_writes_direct",
            "WebSocket writes that went straight to the connection (count since start)",
            registry=r,
        )
        self.ws_queued = Gauge(
            "salon_ws_packets_queued",
            "Outgoing packets that waited in a socket's queue: back-pressure from slow "
            "readers, long-polling or closing sockets (count since start)",
            registry=r,
        )
        self.ws_slow_readers = Gauge(
            "salon_ws_slow_reader_disconnects",
            "Sockets disconnected because more than SALON_MAX_OUTGOING_BYTES waited for "
            "them (count since start)",
            registry=r,
        )
        self.ws_silent = Gauge(
            "salon_ws_heartbeat_timeouts",
            "WebSocket connections cut off because they stopped answering heartbeats "
            "(count since start)",
            registry=r,
        )
        self.connect_timeouts = Gauge(
            "salon_connect_timeouts",
            "Engine.IO connections closed for sending no Socket.IO CONNECT within "
            "SALON_CONNECT_TIMEOUT (count since start)",
            registry=r,
        )
        self.pending_refused = Gauge(
            "salon_pending_connections_refused",
            "Engine.IO connections refused because their address had "
            "SALON_PENDING_CONNECTIONS_PER_ADDRESS not yet connected (count since start)",
            registry=r,
        )
        self.fastpath_active = Gauge(
            "salon_fastpath_active",
            "1 if the guarded engine.io/uvicorn fast path is active, 0 if the stock paths run "
            "(a library version or source differed from the tested ones; see the log)",
            registry=r,
        )

    def track(self, gauge: Gauge, read: Callable[[], float]) -> None:
        gauge.set_function(read)

    def render(self) -> bytes:
        return generate_latest(self.registry)
