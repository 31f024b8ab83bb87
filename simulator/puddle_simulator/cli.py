"""`puddle-simulator` (or `python -m puddle_simulator`): the command line of the team brief."""

import argparse
import json
import sqlite3
import sys

from puddle_simulator import errors, validation
from puddle_simulator.accounts import load_accounts
from puddle_simulator.catalogue import load_catalogue
from puddle_simulator.context import Simulator
from puddle_simulator.faults import KNOB_DEFAULTS, Faults
from puddle_simulator.models import FaultKnobsRequest, TimingRequest
from puddle_simulator.request_log import DEFAULT_SIZE as DEFAULT_REQUEST_LOG_SIZE
from puddle_simulator.request_log import MAX_SIZE as MAX_REQUEST_LOG_SIZE
from puddle_simulator.server import serve, write_port_file
from puddle_simulator.timing import Timing
from puddle_simulator.yamlfile import ConfigFileError

# One line per fault knob (docs/api.md, control API); rates are 0.0 to 1.0 and apply to puddle.v2 methods only.
FAULT_HELP = {
    "unavailable_rate": "share of requests answered 503 unavailable",
    "resource_exhausted_rate": "share of requests answered 429 resource_exhausted with Retry-After",
    "retry_after_seconds": "the Retry-After seconds of those 429 answers",
    "latency_ms_min": "least delay added to each request, in milliseconds",
    "latency_ms_max": "most delay added to each request, in milliseconds",
    "drop_rate": "share of connections closed before the request is handled",
    "drop_after_commit_rate": "share of requests handled and stored, then closed without an answer",
    "provisioning_failure_rate": "share of provisionings that end in the failed status",
    "start_failure_rate": "share of starts that end in the failed status",
    "config_upload_failure_rate": "share of config.toml uploads that fail",
    "seed": "seed of the dice that decide when faults fire",
}


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows the default of each option that has one (not "default: None")."""

    def _get_help_string(self, action):
        if action.default is None:
            return action.help
        return super()._get_help_string(action)


def build_parser():
    parser = argparse.ArgumentParser(
        prog="puddle-simulator",
        description="Serve a simulated Puddle (docs/api.md).",
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind; 127.0.0.1 is loopback only")
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
    parser.add_argument("--request-log-size", type=int, default=DEFAULT_REQUEST_LOG_SIZE,
                        help="entries the control API's request log keeps (the oldest are overwritten)")
    parser.add_argument("--log-level", default="warning", choices=("critical", "error", "warning", "info", "debug"),
                        help="the server's log level")
    for knob, default in KNOB_DEFAULTS.items():
        parser.add_argument(
            "--fault-" + knob.replace("_", "-"),
            dest="fault_" + knob,
            type=type(default),
            default=default,
            help="%s (fault knob %s)" % (FAULT_HELP[knob], knob),
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
    if not 1 <= options.request_log_size <= MAX_REQUEST_LOG_SIZE:
        parser.error("--request-log-size must be 1 to %d" % MAX_REQUEST_LOG_SIZE)
    if options.token_ttl <= 0:
        parser.error("--token-ttl must be positive")
    knobs = _checked(FaultKnobsRequest, {knob: getattr(options, "fault_" + knob) for knob in KNOB_DEFAULTS}, parser)
    timing = _checked(TimingRequest, {"speed": options.speed, "minute_seconds": options.minute_seconds}, parser)
    try:
        catalogue = load_catalogue(options.catalog)
        accounts = load_accounts(options.users)
    except ConfigFileError as error:
        parser.error(str(error))

    try:
        sim = Simulator(
            options.db,
            catalogue=catalogue,
            accounts=accounts,
            timing=Timing(**timing),
            faults=Faults(**knobs),
            token_ttl_seconds=options.token_ttl,
            control_token=options.control_token,
            request_log_size=options.request_log_size,
        )
    except sqlite3.Error as error:
        parser.exit(2, "puddle-simulator: error: --db %s: cannot use this SQLite file (%s)\n" % (options.db, error))

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
