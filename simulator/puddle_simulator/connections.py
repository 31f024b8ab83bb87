"""Access to the TCP connection behind a request, so faults can drop it without an answer.

uvicorn accepts a custom HTTP protocol class; ours records each connection's transport under
the peer address that uvicorn also puts in the ASGI scope as `client`.
"""

import threading

from uvicorn.protocols.http.h11_impl import H11Protocol


class ConnectionRegistry:
    def __init__(self):
        self._lock = threading.Lock()
        self._transports = {}

    def add(self, peer, transport):
        if peer is not None:
            with self._lock:
                self._transports[tuple(peer)] = transport

    def discard(self, peer, transport):
        if peer is not None:
            with self._lock:
                if self._transports.get(tuple(peer)) is transport:
                    del self._transports[tuple(peer)]

    def transport(self, peer):
        with self._lock:
            return self._transports.get(tuple(peer)) if peer is not None else None


def tracking_protocol(registry):
    """An H11Protocol subclass that keeps `registry` up to date."""

    class TrackedH11Protocol(H11Protocol):
        def connection_made(self, transport):
            super().connection_made(transport)
            registry.add(self.client, transport)

        def connection_lost(self, exc):
            registry.discard(self.client, self.transport)
            super().connection_lost(exc)

    return TrackedH11Protocol
