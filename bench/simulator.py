"""Start and drive a Puddle simulator for the benchmarks (a subprocess on loopback, its own database)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time

import requests

CONTROL_PREFIX = "/twirp/puddle.sim.v1.Control/"
START_TIMEOUT_SECONDS = 60


class Simulator:
    """`with Simulator(workdir, speed=20) as sim:` runs one simulator for the block."""

    def __init__(self, workdir, name="sim", speed=20.0, users_file=None, db_path=None, minute_seconds=None):
        self.workdir = workdir
        self.name = name
        self.speed = speed
        self.users_file = users_file
        self.db_path = db_path or os.path.join(workdir, name + ".sqlite")
        self.minute_seconds = minute_seconds
        self.control_token = secrets.token_hex(16)
        self.url = None
        self.log_path = os.path.join(workdir, name + ".log")
        self._process = None
        self._session = requests.Session()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc_info):
        self.stop()

    def start(self):
        port_file = os.path.join(self.workdir, self.name + ".port")
        if os.path.exists(port_file):
            os.remove(port_file)
        # The venv's puddle-simulator (pip install ./simulator; bench/run uses the 2.21 venv of scripts/lib.sh).
        command = [os.path.join(os.path.dirname(sys.executable), "puddle-simulator"), "--host", "127.0.0.1", "--port", "0",
                   "--port-file", port_file, "--db", self.db_path, "--speed", str(self.speed),
                   "--control-token", self.control_token]
        if self.users_file:
            command += ["--users", self.users_file]
        if self.minute_seconds:
            command += ["--minute-seconds", str(self.minute_seconds)]
        with open(self.log_path, "w", encoding="utf-8") as log:
            self._process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not (os.path.exists(port_file) and os.path.getsize(port_file)):
            if self._process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the simulator did not start; see %s" % self.log_path)
            time.sleep(0.05)
        with open(port_file, encoding="utf-8") as stream:
            self.url = "http://127.0.0.1:%d" % int(stream.read().strip())
        while True:
            try:
                if self._session.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the simulator at %s is not healthy; see %s" % (self.url, self.log_path))
            time.sleep(0.05)

    def stop(self):
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    def control(self, method, body=None):
        answer = self._session.post(self.url + CONTROL_PREFIX + method, json=body or {},
                                    headers={"X-Simulator-Control-Token": self.control_token}, timeout=30)
        answer.raise_for_status()
        return answer.json()

    def reset_counts(self):
        self.control("ResetRequestCounts")

    def counts(self):
        return self.control("GetRequestCounts")["counts"]
