"""ASGI middleware that counts puddle.v2 calls and injects the faults of docs/api.md §8.

Only POSTs to known puddle.v2 methods are touched; the control API, /healthz and product URLs
pass straight through.
"""

import asyncio

from puddle_simulator import errors, request_log

TOKEN_HEADER = b"x-puddle-token"


async def _discard(message):
    """An ASGI `send` that throws the answer away (drop_after_commit)."""


class FaultInjectionMiddleware:
    def __init__(self, app, sim, routes_by_path):
        self.app = app
        self.sim = sim
        self.routes_by_path = routes_by_path

    async def __call__(self, scope, receive, send):
        route = self.routes_by_path.get(scope.get("path")) if scope["type"] == "http" else None
        if route is None or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        self.sim.counter.add(route)
        token = next((value for name, value in scope.get("headers", ()) if name == TOKEN_HEADER), None)
        entry = self.sim.request_log.begin(route, token.decode("latin-1") if token is not None else None)
        scope[request_log.SCOPE_KEY] = entry
        faults = self.sim.faults
        if faults.fires("drop_rate"):
            entry.fault, entry.answer = "drop", "dropped"
            await self._drop_connection(scope, receive)
            return
        delay = faults.latency_seconds()
        if delay:
            await asyncio.sleep(delay)
        if faults.fires("unavailable_rate"):
            entry.fault = entry.error = "unavailable"
            await self._send_error(send, errors.unavailable())
            entry.answer = "delivered"
        elif faults.fires("resource_exhausted_rate"):
            entry.fault = entry.error = "resource_exhausted"
            await self._send_error(send, errors.resource_exhausted(faults["retry_after_seconds"]))
            entry.answer = "delivered"
        elif faults.fires("drop_after_commit_rate"):
            entry.fault = "drop_after_commit"
            await self.app(scope, receive, _discard)
            entry.answer = "dropped"
            await self._drop_connection(scope, receive)
        else:
            await self.app(scope, receive, send)
            entry.answer = "delivered"

    @staticmethod
    async def _send_error(send, error):
        body = error.body_bytes()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        headers += [(name.lower().encode(), value.encode()) for name, value in error.headers.items()]
        await send({"type": "http.response.start", "status": error.http_status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _drop_connection(self, scope, receive):
        """Close the TCP connection with no HTTP answer at all, as a crashed proxy would."""
        transport = self.sim.connections.transport(scope.get("client"))
        if transport is None:
            raise RuntimeError("no transport for %r: serve through puddle_simulator.server" % (scope.get("client"),))
        transport.abort()
        # Wait until the server has noticed, so it does not try to answer on our behalf.
        while (await receive())["type"] != "http.disconnect":
            pass
