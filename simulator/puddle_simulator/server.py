"""Running the app under uvicorn, on our connection-tracking HTTP protocol."""

import os
import tempfile

import uvicorn

from puddle_simulator.app import build_app
from puddle_simulator.connections import tracking_protocol


class _Server(uvicorn.Server):
    def __init__(self, config, on_listening):
        super().__init__(config)
        self._on_listening = on_listening

    async def startup(self, sockets=None):
        await super().startup(sockets=sockets)
        if self.started:
            self._on_listening(self.servers[0].sockets[0].getsockname())


def write_port_file(path, port):
    """Write atomically, so a script polling for the file never reads half a number."""
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".port-")
    with os.fdopen(handle, "w") as stream:
        stream.write("%d\n" % port)
    os.replace(temporary, path)


def serve(sim, host, port, tls_cert=None, tls_key=None, on_listening=None, log_level="warning"):
    config = uvicorn.Config(
        build_app(sim),
        host=host,
        port=port,
        http=tracking_protocol(sim.connections),
        ssl_certfile=tls_cert,
        ssl_keyfile=tls_key,
        access_log=False,
        log_level=log_level,
        timeout_graceful_shutdown=3,
        lifespan="on",
    )
    _Server(config, on_listening or (lambda address: None)).run()
