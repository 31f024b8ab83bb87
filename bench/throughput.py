"""Figure 5: the simulator under 16 concurrent clients issuing a realistic mix, with 100 to 5,000 systems stored."""

from __future__ import annotations

import os
import random
import sqlite3
import sys
import threading
import time

import requests

from common import Figure, percentile
from seed import BACKGROUND_USERS, CLIENT_SYSTEMS, client_credentials, seed
from simulator import Simulator

API = "/twirp/puddle.v2."
SPEED = 1000.0
# Weights of the operations, per 100 requests: mostly reads (what playbooks and their waits send).
MIX = (
    ("get", 30), ("find", 15), ("list", 10), ("images", 5), ("instance_types", 5), ("tags", 5),
    ("config", 5), ("cu", 5), ("action", 15), ("create_or_terminate", 5),
)
STABLE = ("started", "stopped")


class Client(threading.Thread):
    """One user's session sending the mix; remembers its systems' statuses so every action is allowed."""

    def __init__(self, url, index, systems, budget, deadline, start_gate):
        super().__init__(name="bench-client-%d" % index, daemon=True)
        self.url = url
        self.index = index
        self.systems = [dict(system) for system in systems]
        self.budget = budget
        self.deadline = deadline
        self.start_gate = start_gate
        self.random = random.Random(index)
        self.session = requests.Session()
        self.headers = {}
        self.latencies = []
        self.errors = []
        self.temporary = None
        self.created = 0
        self.operations = [name for name, weight in MIX for _count in range(weight)]

    def call(self, rpc, body):
        started = time.perf_counter()
        try:
            answer = self.session.post(self.url + API + rpc, json=body, headers=self.headers, timeout=30)
            status, payload = answer.status_code, answer.json()
        except (requests.RequestException, ValueError) as error:
            status, payload = None, {"code": type(error).__name__}
        self.latencies.append(time.perf_counter() - started)
        if status != 200:
            self.errors.append("%s: %s %s" % (rpc, status, payload.get("code")))
            return None
        return payload

    def run(self):
        key_id, secret = client_credentials(self.index)
        try:
            login = self.session.post(self.url + API + "AuthService/Login",
                                      json={"api_key_id": key_id, "api_secret_key": secret}, timeout=30)
            self.headers = {"X-Puddle-Token": login.json()["token"]}
        except Exception:
            self.start_gate.abort()  # the load cannot be measured without every client
            raise
        self.start_gate.wait()
        while len(self.latencies) < self.budget and time.monotonic() < self.deadline:
            getattr(self, "op_" + self.random.choice(self.operations))()

    def own(self):
        return self.random.choice(self.systems)

    def remember(self, system, payload):
        if payload is not None:
            system["status"] = payload["system"]["status"]

    def op_get(self):
        system = self.own()
        self.remember(system, self.call("SystemService/GetSystem", {"id": system["id"]}))

    def op_find(self):
        self.call("SystemService/FindSystemByName", {"name": self.own()["name"]})

    def op_list(self):
        self.call("SystemService/ListSystems", {})

    def op_images(self):
        self.call("ImageService/ListAvailableImages", {"cloud": self.random.choice(("aws", "azure", "gcp"))})

    def op_instance_types(self):
        self.call("InstanceTypeService/ListAvailableInstanceTypes", {"cloud": self.random.choice(("aws", "azure", "gcp"))})

    def op_tags(self):
        self.call("TagService/ListTags", {})

    def op_config(self):
        self.call("SystemService/GetConfigToml", {"id": self.own()["id"]})

    def op_cu(self):
        self.call("SystemService/GetCUConsumptionInfo", {})

    def op_action(self):
        system = self.own()
        if system["status"] == "started":
            rpc = self.random.choice(("SystemService/StopSystem", "SystemService/RefreshIdleTimeout"))
        elif system["status"] == "stopped":
            rpc = "SystemService/StartSystem"
        else:
            rpc = "SystemService/GetSystem"  # still moving: look again, as a waiting module does
        self.remember(system, self.call(rpc, {"id": system["id"]}))

    def op_create_or_terminate(self):
        if self.temporary is None:
            self.created += 1
            answer = self.call("SystemService/CreateSystem", {
                "name": "load-%02d-%04d" % (self.index, self.created), "cloud": "gcp", "image_id": "gcp-h2o3-3.46.0.1",
                "instance_type_id": "gcp-n1-standard-4", "tags": [{"name": "project", "value": "load"}]})
            if answer is not None:
                self.temporary = dict(answer["system"])
        elif self.temporary["status"] == "started":
            if self.call("SystemService/TerminateSystem", {"id": self.temporary["id"]}) is not None:
                self.temporary = None
        else:
            self.remember(self.temporary, self.call("SystemService/GetSystem", {"id": self.temporary["id"]}))


def run_load(url, owned, per_client, time_limit):
    gate = threading.Barrier(len(owned) + 1)
    deadline = time.monotonic() + time_limit + 30  # the clients' own limit; the load starts at the gate
    clients = [Client(url, index, systems, per_client, deadline, gate) for index, systems in enumerate(owned.values())]
    for client in clients:
        client.start()
    gate.wait()
    began = time.monotonic()
    for client in clients:
        client.deadline = min(client.deadline, began + time_limit)
    for client in clients:
        client.join()
    elapsed = time.monotonic() - began
    latencies = [value for client in clients for value in client.latencies]
    errors = [error for client in clients for error in client.errors]
    return len(latencies), elapsed, latencies, errors


def full_scans(db_path, root):
    """Query plans of the store's lookups on this database: the ones that read the whole systems table."""
    sys.path.insert(0, os.path.join(root, "simulator"))
    from puddle_simulator.lifecycle import CU_CONSUMING_STATUSES  # pylint: disable=import-error,import-outside-toplevel
    from puddle_simulator.store import Transaction  # pylint: disable=import-error,import-outside-toplevel

    connection = sqlite3.connect(db_path)
    connection.row_factory = sqlite3.Row
    plans = []

    class Explaining:
        """Stands in for the connection: notes each statement's plan, then runs it."""

        def execute(self, sql, params=()):
            plan = [row[3] for row in connection.execute("EXPLAIN QUERY PLAN " + sql, params)]
            plans.append((caller[0], plan))
            return connection.execute(sql, params)

    caller = [None]
    tx = Transaction(Explaining())
    now = time.time()
    lookups = (
        ("system", lambda: tx.system("sys-seed000000000001")),
        ("live_system_by_name", lambda: tx.live_system_by_name("user-bench00", "seed-00000")),
        ("live_systems_of", lambda: tx.live_systems_of("user-bench00")),
        ("systems_in(owner)", lambda: tx.systems_in(CU_CONSUMING_STATUSES, owner="user-bench00")),
        ("cu_consumed", lambda: tx.cu_consumed(CU_CONSUMING_STATUSES)),
        ("transitions_due", lambda: tx.transitions_due(now)),
        ("idle_deadlines_passed", lambda: tx.idle_deadlines_passed(now)),
        ("config_uploads_due", lambda: tx.config_uploads_due(now)),
        ("next_due_time", tx.next_due_time),
        ("token", lambda: tx.token("0" * 64)),
        ("delete_tokens_expired_before", lambda: tx.delete_tokens_expired_before(0)),
    )
    connection.execute("BEGIN")
    try:
        for name, lookup in lookups:
            caller[0] = name
            lookup()
    finally:
        connection.execute("ROLLBACK")
        connection.close()
    return sorted(set("%s: %s" % (name, line) for name, plan in plans for line in plan
                      if line.startswith("SCAN") and "CONSTANT" not in line))


def measure(context):
    options = context.options
    clients = options.clients
    figure = Figure(5, "Simulator: %d concurrent clients, a realistic mix" % clients,
                    ["systems in DB", "requests", "seconds", "req/s", "p50 ms", "p99 ms", "errors", "req/s vs first",
                     "target"])
    first_rate = None
    scans = []
    for total in options.sizes:
        total = max(total, clients * CLIENT_SYSTEMS)
        name = "throughput-%d" % total
        db_path = os.path.join(context.workdir, name + ".sqlite")
        users_path = os.path.join(context.workdir, name + ".users.yml")
        owned = seed(context.root, db_path, users_path, total, clients)
        scans = full_scans(db_path, context.root)
        with Simulator(context.root, context.workdir, name=name, speed=SPEED, users_file=users_path, db_path=db_path) as sim:
            sim.control("SetCUPool", {"size": 10 ** 7})
            count, elapsed, latencies, errors = run_load(sim.url, owned, options.requests_per_client, options.time_limit)
        rate = count / elapsed
        first_rate = first_rate or rate
        figure.add(total, count, elapsed, rate, percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000,
                   len(errors), rate / first_rate, "errors = 0", check=not errors)
        for error in sorted(set(errors))[:5]:
            figure.note("error at %d systems: %s" % (total, error))
    figure.note("mix per 100 requests: %s; each client owns %d systems, the others belong to %d other users."
                % (", ".join("%s %d" % item for item in MIX), CLIENT_SYSTEMS, BACKGROUND_USERS))
    figure.note("store lookups that scan a table (EXPLAIN QUERY PLAN at %d systems): %s"
                % (options.sizes[-1], "; ".join(scans) if scans else "none"))
    return figure
