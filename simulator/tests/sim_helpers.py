"""Starting simulators as real processes and talking to them over real HTTP.

Every answer to a puddle.v2 call made through `Client.call` is checked against
docs/api-schema.json: successes against the method's response schema, errors against the
error schema and the HTTP status its code must carry.
"""

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import jsonschema
import referencing
import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
SIMULATOR_DIR = REPO_ROOT / "simulator"
SCHEMA_PATH = REPO_ROOT / "docs" / "api-schema.json"

CONTROL_TOKEN = "test-control-token"
USERS = {
    "demo": ("demo-key-id", "demo-secret-key"),
    "other": ("other-key-id", "other-secret-key"),
}
DEFAULT_SPEED = 50.0
DEFAULT_MINUTE_SECONDS = 1.0
TIMING_DEFAULTS = {
    "speed": DEFAULT_SPEED,
    "minute_seconds": DEFAULT_MINUTE_SECONDS,
    "provisioning_seconds": 30.0,
    "starting_seconds": 15.0,
    "stopping_seconds": 10.0,
    "restarting_seconds": 20.0,
    "terminating_seconds": 10.0,
    "config_upload_seconds": 2.0,
}
FAULTS_OFF = {
    "unavailable_rate": 0.0,
    "resource_exhausted_rate": 0.0,
    "retry_after_seconds": 0,
    "latency_ms_min": 0,
    "latency_ms_max": 0,
    "drop_rate": 0.0,
    "drop_after_commit_rate": 0.0,
    "provisioning_failure_rate": 0.0,
    "start_failure_rate": 0.0,
    "config_upload_failure_rate": 0.0,
    "seed": 0,
}


def unique_name(prefix="sys"):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:10])


class ContractSchema:
    def __init__(self, path=SCHEMA_PATH):
        self.document = json.loads(Path(path).read_text(encoding="utf-8"))
        resource = referencing.Resource.from_contents(self.document)
        self._registry = referencing.Registry().with_resource(self.document["$id"], resource)
        self._validators = {}

    @property
    def methods(self):
        return set(self.document["methods"])

    @property
    def http_status_by_code(self):
        return self.document["$defs"]["Error"]["x-http-status"]

    def validator(self, pointer):
        if pointer not in self._validators:
            schema = {"$ref": "%s#%s" % (self.document["$id"], pointer)}
            self._validators[pointer] = jsonschema.Draft202012Validator(schema, registry=self._registry)
        return self._validators[pointer]

    @staticmethod
    def method_pointer(route, part):
        """JSON pointer to a method's schema; the "/" inside "Service/Method" is escaped as "~1"."""
        return "/methods/%s/%s" % (route.replace("~", "~0").replace("/", "~1"), part)

    def check_request(self, route, body):
        self.validator(self.method_pointer(route, "request")).validate(body)

    def check_answer(self, route, response):
        """Assert that an HTTP answer to a puddle.v2 method is what the contract allows."""
        body = response.json()
        if response.status_code == 200:
            self.validator(self.method_pointer(route, "response")).validate(body)
            return
        self.validator("/$defs/Error").validate(body)
        expected = self.http_status_by_code[body["code"]]
        if response.status_code == 413:
            # The one documented exception: a body refused before it is read.
            assert (body["code"], body["meta"]["field"], body["meta"]["rule"]) == (
                "invalid_argument",
                "body",
                "max_size",
            )
        else:
            assert response.status_code == expected, (response.status_code, body)
        if body["code"] == "resource_exhausted":
            assert response.headers["Retry-After"] == body["meta"]["retry_after"]


SCHEMA = ContractSchema()


class Answer:
    def __init__(self, response):
        self.status = response.status_code
        self.body = response.json()
        self.headers = response.headers

    @property
    def code(self):
        return None if self.status == 200 else self.body["code"]

    @property
    def meta(self):
        return self.body.get("meta", {})

    def __repr__(self):
        return "Answer(%d, %r)" % (self.status, self.body)


class Client:
    def __init__(self, base_url, verify=True, schema=SCHEMA):
        self.base_url = base_url.rstrip("/")
        self.schema = schema
        self.session = requests.Session()
        # Passed with every request: a session-level setting loses to REQUESTS_CA_BUNDLE.
        self.verify = verify

    def url(self, path):
        return self.base_url + path

    def post(self, path, data=None, headers=None, timeout=30):
        """A raw POST: bytes (or a generator) as the body, nothing checked."""
        return self.session.post(self.url(path), data=data, headers=headers or {}, timeout=timeout, verify=self.verify)

    def call(self, route, body=None, token=None, headers=None):
        """Call puddle.v2 `Service/Method`; the answer is checked against the contract."""
        all_headers = {"Content-Type": "application/json"}
        if token is not None:
            all_headers["X-Puddle-Token"] = token
        all_headers.update(headers or {})
        data = (
            json.dumps({} if body is None else body, ensure_ascii=False).encode()
            if not isinstance(body, (bytes, bytearray))
            else body
        )
        response = self.post("/twirp/puddle.v2.%s" % route, data=data, headers=all_headers)
        self.schema.check_answer(route, response)
        return Answer(response)

    def ok(self, route, body=None, token=None):
        answer = self.call(route, body, token)
        assert answer.status == 200, answer
        return answer.body

    def login(self, user="demo"):
        key_id, secret = USERS[user]
        return self.ok("AuthService/Login", {"api_key_id": key_id, "api_secret_key": secret})["token"]

    def control(self, method, body=None, token=CONTROL_TOKEN):
        response = self.post(
            "/twirp/puddle.sim.v1.Control/%s" % method,
            data=json.dumps(body or {}).encode(),
            headers={"Content-Type": "application/json", "X-Simulator-Control-Token": token},
        )
        return Answer(response)

    def control_ok(self, method, body=None):
        answer = self.control(method, body)
        assert answer.status == 200, answer
        return answer.body

    # ---- systems

    def create(self, token, name=None, **fields):
        body = {
            "name": name or unique_name(),
            "cloud": "aws",
            "product": "dai",
            "version": "1.11.1",
            "instance_type_name": "m5.xlarge",
            "tags": [{"name": "project", "value": "tests"}],
        }
        body.update(fields)
        body = {key: value for key, value in body.items() if value is not None}
        return self.ok("SystemService/CreateSystem", body, token)["system"]

    def get(self, token, system_id):
        return self.ok("SystemService/GetSystem", {"id": system_id}, token)["system"]

    def act(self, token, rpc, system_id):
        return self.call("SystemService/" + rpc, {"id": system_id}, token)

    def wait_status(self, token, system_id, wanted, timeout=15.0):
        wanted = (wanted,) if isinstance(wanted, str) else tuple(wanted)
        deadline = time.monotonic() + timeout
        while True:
            system = self.get(token, system_id)
            if system["status"] in wanted:
                return system
            assert time.monotonic() < deadline, "system %s still %s, wanted %s" % (system_id, system["status"], wanted)
            time.sleep(0.03)

    def wait_config_status(self, token, system_id, wanted, timeout=10.0):
        deadline = time.monotonic() + timeout
        while True:
            config = self.ok("SystemService/GetConfigToml", {"id": system_id}, token)
            if config["config_toml_status"] == wanted:
                return config
            assert time.monotonic() < deadline, config
            time.sleep(0.02)

    def started_system(self, token, **fields):
        system = self.create(token, **fields)
        return self.wait_status(token, system["id"], "started")

    def force(self, system_id, status, hold_seconds=0):
        body = {"system_id": system_id, "status": status, "hold_seconds": hold_seconds}
        return self.control_ok("ForceSystemStatus", body)["system"]


def console_script():
    """The `puddle-simulator` command that `pip install ./simulator` put beside this Python."""
    path = Path(sys.executable).parent / "puddle-simulator"
    if not path.is_file():
        raise RuntimeError("%s does not exist: install the simulator into this environment first "
                           "(pip install -e %s)" % (path, SIMULATOR_DIR))
    return str(path)


class SimulatorProcess:
    """`puddle-simulator` on a free port, with its own database unless one is given."""

    def __init__(
        self, workdir, *extra_args, db=None, speed=DEFAULT_SPEED, minute_seconds=DEFAULT_MINUTE_SECONDS, scheme="http"
    ):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.db = Path(db) if db else self.workdir / "sim.sqlite"
        self.port_file = self.workdir / "port"
        self.log_path = self.workdir / "sim.log"
        self.scheme = scheme
        self.args = [
            "--port",
            "0",
            "--port-file",
            str(self.port_file),
            "--db",
            str(self.db),
            "--speed",
            str(speed),
            "--minute-seconds",
            str(minute_seconds),
            "--control-token",
            CONTROL_TOKEN,
        ] + list(extra_args)
        self.process = None
        self.port = None
        self._clients = []

    @staticmethod
    def command(args):
        return [console_script()] + list(args)

    @staticmethod
    def environment():
        return dict(os.environ)

    def start(self, timeout=30.0):
        if self.port_file.exists():
            self.port_file.unlink()
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            self.command(self.args), cwd=str(REPO_ROOT), env=self.environment(), stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        deadline = time.monotonic() + timeout
        while not self.port_file.exists():
            if self.process.poll() is not None:
                raise RuntimeError("simulator exited with %s:\n%s" % (self.process.returncode, self.log()))
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError("simulator did not start:\n%s" % self.log())
            time.sleep(0.02)
        self.port = int(self.port_file.read_text().strip())
        return self

    @property
    def base_url(self):
        return "%s://127.0.0.1:%d" % (self.scheme, self.port)

    def client(self, **kwargs):
        client = Client(self.base_url, **kwargs)
        self._clients.append(client)
        return client

    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self):
        # Idle keep-alive (TLS) connections would hold up the graceful shutdown.
        for client in self._clients:
            client.session.close()
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
