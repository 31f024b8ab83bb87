"""Figure 5: the simulator under 16 concurrent clients issuing a realistic mix, with 100 to 5,000 systems stored.

One simulator per size runs for the whole figure, and the load visits them in rounds (100, 1000,
5000, then back), so a burst of load from elsewhere on the machine hits every size alike.
"""

from __future__ import annotations

import contextlib
import os
import random
import sqlite3
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
OPERATIONS = [name for name, weight in MIX for _count in range(weight)]


class User:
    """What one client knows between rounds: its systems and their last seen statuses, its temporary system."""

    def __init__(self, index, systems):
        self.index = index
        self.systems = [dict(system) for system in systems]
        self.temporary = None
        self.created = 0
        self.random = random.Random(index)


class Client(threading.Thread):
    """One user's session sending the mix; only sends actions that the statuses it knows allow."""

    def __init__(self, url, user, budget, start_gate):
        super().__init__(name="bench-client-%d" % user.index, daemon=True)
        self.url = url
        self.user = user
        self.budget = budget
        self.deadline = None
        self.start_gate = start_gate
        self.session = requests.Session()
        self.headers = {}
        self.latencies = []
        self.errors = []

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
        key_id, secret = client_credentials(self.user.index)
        try:
            login = self.session.post(self.url + API + "AuthService/Login",
                                      json={"api_key_id": key_id, "api_secret_key": secret}, timeout=30)
            self.headers = {"X-Puddle-Token": login.json()["token"]}
        except Exception:
            self.start_gate.abort()  # the load cannot be measured without every client
            raise
        self.start_gate.wait()
        while len(self.latencies) < self.budget and time.monotonic() < self.deadline:
            getattr(self, "op_" + self.user.random.choice(OPERATIONS))()

    def own(self):
        return self.user.random.choice(self.user.systems)

    @staticmethod
    def remember(system, payload):
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
        self.call("ImageService/ListAvailableImages", {"cloud": self.user.random.choice(("aws", "azure", "gcp"))})

    def op_instance_types(self):
        self.call("InstanceTypeService/ListAvailableInstanceTypes", {"cloud": self.user.random.choice(("aws", "azure", "gcp"))})

    def op_tags(self):
        self.call("TagService/ListTags", {})

    def op_config(self):
        self.call("SystemService/GetConfigToml", {"id": self.own()["id"]})

    def op_cu(self):
        self.call("SystemService/GetCUConsumptionInfo", {})

    def op_action(self):
        system = self.own()
        if system["status"] == "started":
            rpc = self.user.random.choice(("SystemService/StopSystem", "SystemService/RefreshIdleTimeout"))
        elif system["status"] == "stopped":
            rpc = "SystemService/StartSystem"
        else:
            rpc = "SystemService/GetSystem"  # still moving: look again, as a waiting module does
        self.remember(system, self.call(rpc, {"id": system["id"]}))

    def op_create_or_terminate(self):
        user = self.user
        if user.temporary is None:
            user.created += 1
            answer = self.call("SystemService/CreateSystem", {
                "name": "load-%02d-%04d" % (user.index, user.created), "cloud": "gcp", "image_id": "gcp-h2o3-3.46.0.1",
                "instance_type_id": "gcp-n1-standard-4", "tags": [{"name": "project", "value": "load"}]})
            if answer is not None:
                user.temporary = dict(answer["system"])
        elif user.temporary["status"] == "started":
            if self.call("SystemService/TerminateSystem", {"id": user.temporary["id"]}) is not None:
                user.temporary = None
        else:
            self.remember(user.temporary, self.call("SystemService/GetSystem", {"id": user.temporary["id"]}))


class Load:
    """One size: its simulator, its users, and the requests measured over every round."""

    def __init__(self, total, sim, owned):
        self.total = total
        self.sim = sim
        self.users = [User(index, systems) for index, systems in enumerate(owned.values())]
        self.count = 0
        self.elapsed = 0.0
        self.latencies = []
        self.errors = []

    def run_round(self, per_client, time_limit):
        gate = threading.Barrier(len(self.users) + 1)
        clients = [Client(self.sim.url, user, per_client, gate) for user in self.users]
        for client in clients:
            client.deadline = time.monotonic() + time_limit + 30  # replaced once the gate opens
            client.start()
        gate.wait()
        began = time.monotonic()
        for client in clients:
            client.deadline = began + time_limit
        for client in clients:
            client.join()
        self.elapsed += time.monotonic() - began
        for client in clients:
            self.count += len(client.latencies)
            self.latencies.extend(client.latencies)
            self.errors.extend(client.errors)


def full_scans(db_path):
    """Query plans of the store's lookups on this database: the ones that read a whole table."""
    from puddle_simulator.lifecycle import CU_CONSUMING_STATUSES  # pylint: disable=import-error,import-outside-toplevel
    from puddle_simulator.store import Transaction  # pylint: disable=import-error,import-outside-toplevel

    connection = sqlite3.connect(db_path)
    connection.row_factory = sqlite3.Row
    plans = []
    caller = [None]

    class Explaining:
        """Stands in for the connection: notes each statement's plan, then runs it."""

        @staticmethod
        def execute(sql, params=()):
            plans.append((caller[0], [row[3] for row in connection.execute("EXPLAIN QUERY PLAN " + sql, params)]))
            return connection.execute(sql, params)

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
    rounds = options.rounds
    figure = Figure(5, "Simulator: %d concurrent clients, a realistic mix" % options.clients,
                    ["systems in DB", "requests", "seconds", "req/s", "p50 ms", "p99 ms", "errors", "req/s vs first",
                     "target"])
    loads = []
    scans = []
    with contextlib.ExitStack() as stack:
        for total in options.sizes:
            total = max(total, options.clients * CLIENT_SYSTEMS)
            name = "throughput-%d" % total
            db_path = os.path.join(context.workdir, name + ".sqlite")
            users_path = os.path.join(context.workdir, name + ".users.yml")
            owned = seed(db_path, users_path, total, options.clients)
            scans = full_scans(db_path)
            sim = stack.enter_context(Simulator(context.workdir, name=name, speed=SPEED,
                                                users_file=users_path, db_path=db_path))
            sim.control("SetCUPool", {"size": 10 ** 7})
            loads.append(Load(total, sim, owned))
        for round_index in range(rounds):
            for load in loads if round_index % 2 == 0 else reversed(loads):
                load.run_round(max(1, options.requests_per_client // rounds), options.time_limit / rounds)
    first_rate = None
    for load in loads:
        rate = load.count / load.elapsed
        first_rate = first_rate or rate
        figure.add(load.total, load.count, load.elapsed, rate, percentile(load.latencies, 0.5) * 1000,
                   percentile(load.latencies, 0.99) * 1000, len(load.errors), rate / first_rate, "errors = 0",
                   check=not load.errors)
        for error in sorted(set(load.errors))[:5]:
            figure.note("error at %d systems: %s" % (load.total, error))
    mix = ", ".join("%s %d" % item for item in MIX)
    figure.note("%d rounds visiting the sizes in turn; mix per 100 requests: %s; each client owns %d systems, the others "
                "belong to %d other users." % (rounds, mix, CLIENT_SYSTEMS, BACKGROUND_USERS))
    scan_text = "; ".join(scans) if scans else "none"
    figure.note("store lookups that read a whole table (EXPLAIN QUERY PLAN at %d systems): %s" % (options.sizes[-1], scan_text))
    return figure
