"""`puddle-simulator` (or `python -m puddle_simulator`): the command line of the team brief."""

import argparse
import json
import sys

from puddle_simulator import errors, validation
from puddle_simulator.accounts import load_accounts
from puddle_simulator.catalogue import load_catalogue
from puddle_simulator.context import Simulator
from puddle_simulator.faults import KNOB_DEFAULTS, Faults
from puddle_simulator.models import FaultKnobsRequest, TimingRequest
from puddle_simulator.server import serve, write_port_file
from puddle_simulator.timing import Timing
from puddle_simulator.yamlfile import ConfigFileError


def build_parser():
    parser = argparse.ArgumentParser(prog="puddle-simulator", description="Serve a simulated Puddle (docs/api.md).")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback only)")
    parser.add_argument("--port", type=int, default=8080, help="port, 0 picks a free one")
    parser.add_argument("--port-file", help="write the bound port to this file once listening")
    parser.add_argument("--db", default="./puddle-sim.sqlite", help="SQLite file holding all state")
    parser.add_argument("--users", help="YAML file: users: [{name, api_key_id, api_secret_key, email}]")
    parser.add_argument("--catalog", help="YAML file: images, instance_types, tags, cu_pool")
    parser.add_argument("--speed", type=float, default=1.0, help="lifecycle durations are divided by this")
    parser.add_argument("--minute-seconds", type=float, default=60.0, help="real seconds per Puddle minute")
    parser.add_argument("--control-token", help="token of the control API (default: random, printed)")
    parser.add_argument("--token-ttl", type=float, default=3600.0, help="login token lifetime in seconds")
    parser.add_argument("--tls-cert", help="certificate (PEM) to serve HTTPS")
    parser.add_argument("--tls-key", help="private key (PEM) to serve HTTPS")
    parser.add_argument("--log-level", default="warning", choices=("critical", "error", "warning", "info", "debug"))
    for knob, default in KNOB_DEFAULTS.items():
        parser.add_argument(
            "--fault-" + knob.replace("_", "-"),
            dest="fault_" + knob,
            type=type(default),
            default=default,
            help="fault knob %s" % knob,
        )
    return parser


def _checked(model, values, parser):
    """Apply the control API's own rules to values given as flags."""
    try:
        validation.validate(model, json.dumps(values).encode())
    except errors.TwirpError as error:
        parser.error("--%s: %s" % (error.meta.get("field", "?").replace("_", "-"), error.msg))
    return values


def main(argv=None):
    parser = build_parser()
    options = parser.parse_args(argv)
    if bool(options.tls_cert) != bool(options.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    if options.token_ttl <= 0:
        parser.error("--token-ttl must be positive")
    knobs = _checked(FaultKnobsRequest, {knob: getattr(options, "fault_" + knob) for knob in KNOB_DEFAULTS}, parser)
    timing = _checked(TimingRequest, {"speed": options.speed, "minute_seconds": options.minute_seconds}, parser)
    try:
        catalogue = load_catalogue(options.catalog)
        accounts = load_accounts(options.users)
    except ConfigFileError as error:
        parser.error(str(error))

    sim = Simulator(
        options.db,
        catalogue=catalogue,
        accounts=accounts,
        timing=Timing(**timing),
        faults=Faults(**knobs),
        token_ttl_seconds=options.token_ttl,
        control_token=options.control_token,
    )

    def on_listening(address):
        host, port = address[0], address[1]
        scheme = "https" if options.tls_cert else "http"
        shown_host = "[%s]" % host if ":" in host else host
        print("Puddle simulator listening on %s://%s:%d" % (scheme, shown_host, port))
        for user in accounts.users:
            print("  user %s: api_key_id=%s api_secret_key=%s" % (user.name, user.api_key_id, user.api_secret_key))
        print("  control token (X-Simulator-Control-Token): %s" % sim.control_token)
        print("  database: %s" % options.db)
        sys.stdout.flush()
        if options.port_file:
            write_port_file(options.port_file, port)

    serve(sim, options.host, options.port, options.tls_cert, options.tls_key, on_listening, options.log_level)
    return 0
