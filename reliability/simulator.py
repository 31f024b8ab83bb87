"""Simulator processes for the suite: start, stop, SIGKILL and restart, plus HTTP helpers."""

import json
import os
import signal
import socket
import subprocess
import time

import requests

CONTROL_PATH = "/twirp/puddle.sim.v1.Control/"
API_PATH = "/twirp/puddle.v2."
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
}
TRANSITIONAL = ("provisioning", "starting", "stopping", "restarting", "terminating")
MUTATING_METHODS = (
    "SystemService/CreateSystem",
    "SystemService/StartSystem",
    "SystemService/StopSystem",
    "SystemService/RestartSystem",
    "SystemService/FailSystem",
    "SystemService/TerminateSystem",
    "SystemService/RefreshIdleTimeout",
    "SystemService/UpdateConfigToml",
)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Simulator:
    """One simulator process (run through reliability.counted_simulator) and its state folder.

    Every process started by an instance writes its own observations file, so the figures of
    a simulator killed and restarted add up.
    """

    def __init__(self, context, name, speed=20.0, extra_args=(), tls=None, port=None):
        self.context = context
        self.name = name
        self.directory = context.state_dir / ("sim-" + name)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.db = self.directory / "simulator.sqlite"
        for stale in self.directory.glob("*"):
            stale.unlink()
        self.speed = speed
        self.extra_args = list(extra_args)
        self.tls = tls  # (cert, key) or None
        self.port = port or free_port()
        self.process = None
        self.generation = 0
        self.log_paths = []
        self.session = requests.Session()
        scheme = "https" if tls else "http"
        self.url = "%s://127.0.0.1:%d" % (scheme, self.port)
        self.verify = str(tls[0]) if tls else True

    # ---- process

    def start(self):
        self.generation += 1
        log_path = self.directory / ("simulator-%d.log" % self.generation)
        self.log_paths.append(log_path)
        observations = self.directory / ("observations-%d.json" % self.generation)
        command = [
            str(self.context.python), "-m", "reliability.counted_simulator",
            "--observations", str(observations),
            "--host", "127.0.0.1", "--port", str(self.port), "--db", str(self.db),
            "--speed", str(self.speed), "--control-token", self.context.control_token,
            "--users", str(self.context.users_file),
        ] + self.extra_args
        if self.tls:
            command += ["--tls-cert", str(self.tls[0]), "--tls-key", str(self.tls[1])]
        env = dict(os.environ)
        # reliability.counted_simulator is found in the collection copy; puddle_simulator is the
        # venv's installed package (scripts/lib.sh installs ./simulator).
        env["PYTHONPATH"] = str(self.context.collection)
        with open(log_path, "wb") as log:
            self.process = subprocess.Popen(
                command, cwd=str(self.directory), env=env, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT)
        self.context.started_processes.append(self.process)
        self._wait_healthy()
        return self

    def _wait_healthy(self, seconds=30):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("simulator %s exited: %s" % (self.name, self.log_paths[-1].read_text()[-2000:]))
            try:
                if self.session.get(self.url + "/healthz", timeout=2, verify=self.verify).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError("simulator %s did not answer within %d s" % (self.name, seconds))

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def kill(self):
        """SIGKILL: no shutdown handler runs, whatever was in flight is lost."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def observations(self):
        """Requests and fired faults of every process of this simulator, added up."""
        total = {"requests": {}, "faults": {}}
        for path in sorted(self.directory.glob("observations-*.json")):
            data = json.loads(path.read_text())
            for kind in total:
                for key, count in data[kind].items():
                    total[kind][key] = total[kind].get(key, 0) + count
        return total

    # ---- HTTP

    def post(self, path, body, headers=None, timeout=30):
        all_headers = {"Content-Type": "application/json"}
        all_headers.update(headers or {})
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        return self.session.post(self.url + path, data=data, headers=all_headers, timeout=timeout, verify=self.verify)

    def control(self, method, body=None):
        answer = self.post(CONTROL_PATH + method, body or {}, {"X-Simulator-Control-Token": self.context.control_token})
        if answer.status_code != 200:
            raise RuntimeError("control %s: %s %s" % (method, answer.status_code, answer.text))
        return answer.json()

    def set_faults(self, **knobs):
        return self.control("SetFaults", knobs)

    def faults_off(self):
        return self.control("SetFaults", FAULTS_OFF)

    def call(self, route, body=None, token=None):
        headers = {"X-Puddle-Token": token} if token is not None else {}
        return self.post(API_PATH + route, body or {}, headers)

    def login(self, user="demo"):
        key_id, secret = self.context.credentials[user]
        answer = self.call("AuthService/Login", {"api_key_id": key_id, "api_secret_key": secret})
        answer.raise_for_status()
        return answer.json()["token"]

    def all_systems(self):
        return self.control("ListAllSystems")["systems"]

    def request_counts(self):
        return self.control("GetRequestCounts")

    def wait_until_settled(self, ids, seconds):
        """Poll until none of the systems is transitional; returns their last listing by id."""
        deadline = time.monotonic() + seconds
        while True:
            by_id = {system["id"]: system for system in self.all_systems()}
            if all(by_id.get(system_id, {}).get("status") not in TRANSITIONAL for system_id in ids):
                return by_id
            if time.monotonic() > deadline:
                return by_id
            time.sleep(0.2)
