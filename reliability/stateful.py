"""A randomized, stateful test of convergence (docs/reliability.md, "The stateful machine").

A Hypothesis RuleBasedStateMachine runs the collection's real modules in-process (their main(), with
patched module arguments, as the unit tests do) against a real simulator process over HTTP, with
other writers (the same user with another login, and another user), faults, forced statuses and a
fast clock. After every step it checks, from the simulator's request log (docs/api.md §8), that what
each task said is what the server recorded.

    python -m reliability.stateful                     the CI budget, fixed seeds (scripts/test stage `stateful`)
    python -m reliability.stateful --examples 40 --steps 12 --seed 7
    bench/stateful.py --minutes 30                     fresh seeds for a given time (not CI)

Exit status 1 on any violation; Hypothesis prints the shrunk sequence of steps.
"""

import argparse
import contextlib
import io
import json
import random
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
CONTROL_TOKEN = "stateful-control-token"
USERS = {"demo": ("demo-key-id", "demo-secret-key"), "other": ("other-key-id", "other-secret-key")}
SECRETS = tuple(secret for _key, secret in USERS.values()) + (CONTROL_TOKEN,)
# The simulator's clock runs fast: provisioning 30 s at speed 200 is 0.15 s.
SPEED = 200.0
POLL_INTERVAL = 0.05
WAIT_TIMEOUT = 20
RPC_ACTIONS = {
    "SystemService/CreateSystem": "create",
    "SystemService/StartSystem": "start",
    "SystemService/StopSystem": "stop",
    "SystemService/RestartSystem": "restart",
    "SystemService/FailSystem": "fail",
    "SystemService/TerminateSystem": "terminate",
    "SystemService/RefreshIdleTimeout": "refresh_idle_timeout",
    "SystemService/UpdateConfigToml": "upload",
}
FAULTS_OFF = {
    "unavailable_rate": 0.0, "resource_exhausted_rate": 0.0, "retry_after_seconds": 0, "latency_ms_min": 0,
    "latency_ms_max": 0, "drop_rate": 0.0, "drop_after_commit_rate": 0.0, "provisioning_failure_rate": 0.0,
    "start_failure_rate": 0.0, "config_upload_failure_rate": 0.0,
}
FAULTS = {
    "unavailable": {"unavailable_rate": 0.3},
    "rate_limited": {"resource_exhausted_rate": 0.3, "retry_after_seconds": 1},
    "answer_lost": {"drop_after_commit_rate": 0.3},
    "connection_dropped": {"drop_rate": 0.2},
    "latency": {"latency_ms_min": 20, "latency_ms_max": 120},
    "provisioning_fails": {"provisioning_failure_rate": 0.5},
    "start_fails": {"start_failure_rate": 0.5},
}
LIVE = ("provisioning", "starting", "started", "stopping", "stopped", "restarting", "failed", "terminating")
STATES = ("present", "started", "stopped", "restarted", "failed", "absent")
FORCEABLE = ("provisioning", "starting", "started", "stopping", "stopped", "restarting", "failed")
WRITER_RPCS = ("StartSystem", "StopSystem", "RestartSystem", "FailSystem", "TerminateSystem")
CONFIG_TOML = 'enabled_notebooks = true\n'

# The shrunk sequences of the violations found (docs/reliability.md), replayed as ordinary tests before
# Hypothesis runs: (title, [(rule, arguments), ...]).
REGRESSIONS = (
    ("puddle_fleet with api_client=puddle_client waits for its systems (PythonClientAdapter.poll_systems)",
     [("fleet_task", {"api_client": "puddle_client", "check_mode": False, "indexes": [0], "state": "present"})]),
    ("a create through api_client=puddle_client whose answer was dropped is reported unconfirmed (seed 2370662691)",
     [("fleet_task", {"api_client": "builtin", "check_mode": False, "indexes": [0], "state": "present"}),
      ("fault_on", {"fault": "answer_lost"}),
      ("fleet_task", {"api_client": "builtin", "check_mode": False, "indexes": [0], "state": "present"}),
      ("system_task", {"api_client": "puddle_client", "check_mode": False, "disk": None, "index": 1,
                       "recreate": False, "state": "present"})]),
    ("a refusal before the request was read is an unconfirmed action with api_client=puddle_client (seed 3908557747)",
     [("outside_writer_during_next_task", {"delay": 0.0, "index": 0, "operation": "CreateSystem", "user": "demo"}),
      ("fault_on", {"fault": "rate_limited"}),
      ("fleet_task", {"api_client": "puddle_client", "check_mode": False, "indexes": [1], "state": "present"})]),
    ("an upload whose answer was lost is read back, never committed twice (seed 2822334179)",
     [("fault_on", {"fault": "answer_lost"}),
      ("fleet_task", {"api_client": "puddle_client", "check_mode": False, "indexes": [0, 1], "state": "present"}),
      ("force_status", {"hold": 0.3, "index": 0, "status": "restarting"}),
      ("config_toml_task", {"api_client": "builtin", "check_mode": False, "content": "max_runtime_minutes = 60\n",
                            "index": 1})]),
)
# Puddle's Python client (here its double) reports these refusals as a connection problem, as it does a dropped
# connection: with api_client=puddle_client a change refused so is unconfirmed (docs/api.md section 10).
CLIENT_HIDDEN_REFUSALS = ("unavailable", "resource_exhausted")

# Known issues excluded from the invariants, each owned by another part of the work (see the report of issue 21).
KNOWN_ISSUES = ()


# ---- the simulator ----------------------------------------------------------------------------------


class Simulator:
    """A `puddle-simulator` process of this Python's environment, on a free port, and its HTTP helpers."""

    def __init__(self, workdir):
        self.workdir = Path(workdir)
        self.port_file = self.workdir / "port"
        self.process = None
        self.base_url = None
        self.session = requests.Session()

    def start(self):
        command = [str(Path(sys.executable).parent / "puddle-simulator"), "--port", "0", "--port-file",
                   str(self.port_file), "--db", str(self.workdir / "sim.sqlite"), "--speed", str(SPEED),
                   "--minute-seconds", "1", "--control-token", CONTROL_TOKEN, "--request-log-size", "1000000"]
        log = open(self.workdir / "sim.log", "ab")
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + 60
        while not self.port_file.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the simulator did not start: %s" % (self.workdir / "sim.log").read_text())
            time.sleep(0.05)
        self.base_url = "http://127.0.0.1:%d" % int(self.port_file.read_text())
        return self

    def stop(self):
        self.session.close()
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def control(self, method, body=None):
        answer = self.session.post(self.base_url + "/twirp/puddle.sim.v1.Control/" + method, json=body or {},
                                   headers={"X-Simulator-Control-Token": CONTROL_TOKEN}, timeout=30)
        answer.raise_for_status()
        return answer.json()

    def call(self, route, body, token=None):
        """A puddle.v2 call of an outside writer: (HTTP status, body); faults may hit it like anyone."""
        headers = {"X-Puddle-Token": token} if token else {}
        try:
            answer = requests.post(self.base_url + "/twirp/puddle.v2." + route, json=body, headers=headers, timeout=30)
        except requests.RequestException:
            return None, None
        try:
            return answer.status_code, answer.json()
        except ValueError:
            return answer.status_code, None

    def login(self, user):
        key_id, secret = USERS[user]
        for _attempt in range(50):
            status, body = self.call("AuthService/Login", {"api_key_id": key_id, "api_secret_key": secret})
            if status == 200:
                return body["token"]
            time.sleep(0.05)
        raise RuntimeError("outside writer %s could not log in" % user)

    def log_after(self, seq):
        return self.control("GetRequestLog", {"after_seq": seq})["entries"]

    def last_seq(self):
        entries = self.control("GetRequestLog", {"after_seq": 0})["entries"]
        return entries[-1]["seq"] if entries else 0


# ---- running a module in-process ------------------------------------------------------------------


def collection_root():
    """A folder holding ansible_collections/puddle/cloud for this checkout (the checkout itself if it is one)."""
    if REPO.parent.name == "puddle" and REPO.parent.parent.name == "ansible_collections":
        return REPO.parent.parent.parent
    root = Path(tempfile.mkdtemp(prefix="stateful-collections-"))
    (root / "ansible_collections" / "puddle").mkdir(parents=True)
    (root / "ansible_collections" / "puddle" / "cloud").symlink_to(REPO)
    return root


_MODULE_LOCK = threading.Lock()


def run_module(module_name, args, check_mode=False):
    """The module's real main() with these arguments; its result dict (exit_json or fail_json)."""
    import importlib

    from ansible.module_utils.testing import patch_module_args

    module = importlib.import_module("ansible_collections.puddle.cloud.plugins.modules." + module_name)
    module_args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=True)
    output = io.StringIO()
    with _MODULE_LOCK, patch_module_args(module_args), contextlib.redirect_stdout(output):
        try:
            module.main()
        except SystemExit:
            pass
    return json.loads(output.getvalue())


# ---- the machine ------------------------------------------------------------------------------------


class Figures:
    def __init__(self):
        self.steps = 0
        self.tasks = 0
        self.sequences = 0


FIGURES = Figures()


def build_machine(sim):
    from hypothesis import strategies as st
    from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

    names = st.integers(0, 2)
    users = st.sampled_from(("demo", "other"))
    tokens = {"demo": sim.login("demo"), "other": sim.login("other")}
    secrets = SECRETS + tuple(tokens.values())

    class ConvergenceMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            FIGURES.sequences += 1
            # A fresh pool of names per sequence: no sequence sees the systems of another.
            self.prefix = "s%s" % uuid.uuid4().hex[:6]
            self.faults = False
            self.pending_check = None
            self.threads = []
            # Set when the next task starts: releases the writers waiting for it.
            self._started = threading.Event()
            sim.control("SetFaults", FAULTS_OFF)

        def name(self, index):
            return "%s-%d" % (self.prefix, index)

        def teardown(self):
            self._started.set()
            self._join_writers()
            sim.control("SetFaults", FAULTS_OFF)

        # -- outside writers

        def _find(self, user, name):
            status, body = sim.call("SystemService/FindSystemByName", {"name": name}, tokens[user])
            return (body or {}).get("system") if status == 200 else None

        def _outside(self, user, operation, name):
            if operation == "CreateSystem":
                sim.call("SystemService/CreateSystem", {
                    "name": name, "cloud": "aws", "product": "dai", "version": "1.11.1",
                    "instance_type_name": "m5.xlarge", "tags": [{"name": "project", "value": "stateful"}]},
                    tokens[user])
                return
            system = self._find(user, name)
            if system is None:
                return
            if operation == "UpdateConfigToml":
                sim.call("SystemService/UpdateConfigToml", {"id": system["id"], "config_toml": CONFIG_TOML},
                         tokens[user])
            else:
                sim.call("SystemService/" + operation, {"id": system["id"]}, tokens[user])

        def _join_writers(self):
            for thread in self.threads:
                thread.join(60)
            self.threads = []

        @rule(user=users, operation=st.sampled_from(("CreateSystem", "UpdateConfigToml") + WRITER_RPCS), index=names)
        def outside_writer(self, user, operation, index):
            """The same user with another login, or another user, acts on a system of the pool."""
            self.pending_check = None
            self._outside(user, operation, self.name(index))

        @rule(user=users, operation=st.sampled_from(("CreateSystem",) + WRITER_RPCS), index=names,
              delay=st.sampled_from((0.0, 0.05, 0.2, 0.5)))
        def outside_writer_during_next_task(self, user, operation, index, delay):
            """An outside writer that acts while the next task runs (during its waits, most likely)."""
            self.pending_check = None

            started = self._started

            def later():
                started.wait(30)
                time.sleep(delay)
                self._outside(user, operation, self.name(index))

            thread = threading.Thread(target=later, daemon=True)
            self.threads.append(thread)
            thread.start()

        # -- faults and time

        @rule(fault=st.sampled_from(sorted(FAULTS)))
        def fault_on(self, fault):
            self.pending_check = None
            self.faults = True
            sim.control("SetFaults", dict(FAULTS[fault], seed=random.randrange(1 << 30)))

        @rule()
        def faults_off(self):
            self.pending_check = None
            self.faults = False
            sim.control("SetFaults", FAULTS_OFF)

        @rule(index=names, status=st.sampled_from(FORCEABLE), hold=st.sampled_from((0.0, 0.3)))
        def force_status(self, index, status, hold):
            self.pending_check = None
            system = self._find("demo", self.name(index))
            if system is not None:
                sim.control("ForceSystemStatus", {"system_id": system["id"], "status": status, "hold_seconds": hold})

        # -- tasks of the collection

        def _task(self, module_name, args, check_mode=False):
            before = sim.last_seq()
            self._started.set()
            base = {"server_address": sim.base_url, "api_key_id": USERS["demo"][0], "api_secret_key": USERS["demo"][1],
                    "poll_interval": POLL_INTERVAL, "wait_timeout": WAIT_TIMEOUT}
            result = run_module(module_name, dict(base, **args), check_mode=check_mode)
            self._join_writers()
            self._started = threading.Event()
            entries = sim.log_after(before)
            FIGURES.tasks += 1
            self._check_task(result, entries, args, check_mode)
            return result

        @rule(index=names, state=st.sampled_from(STATES), disk=st.sampled_from((None, 256, 512)),
              recreate=st.booleans(), check_mode=st.booleans(),
              api_client=st.sampled_from(("builtin", "builtin", "puddle_client")))
        def system_task(self, index, state, disk, recreate, check_mode, api_client):
            args = {"name": self.name(index), "state": state, "cloud": "aws", "product": "dai", "version": "1.11.1",
                    "instance_type": "m5.xlarge", "tags": {"project": "stateful"}, "recreate": recreate,
                    "api_client": api_client}
            if disk is not None:
                args["disk_size_gb"] = disk
            quiet = not self.faults and not self.threads
            result = self._task("puddle_system", args, check_mode=check_mode)
            prediction, self.pending_check = self.pending_check, None
            if prediction is not None and not check_mode and quiet and prediction[0] == args:
                self._check_prediction(prediction[1], result)
            if check_mode and quiet:
                self.pending_check = (args, result)

        @precondition(lambda self: self.pending_check is not None)
        @rule()
        def same_task_for_real(self):
            """Run the task just run in check mode for real, nothing else acting in between."""
            args, predicted = self.pending_check
            self.pending_check = None
            result = self._task("puddle_system", args)
            self._check_prediction(predicted, result)

        @rule(indexes=st.lists(names, min_size=1, max_size=3, unique=True), state=st.sampled_from(STATES),
              check_mode=st.booleans(), api_client=st.sampled_from(("builtin", "puddle_client")))
        def fleet_task(self, indexes, state, check_mode, api_client):
            self.pending_check = None
            self._task("puddle_fleet", {
                "api_client": api_client,
                "systems": [{"name": self.name(index)} for index in indexes],
                "defaults": {"state": state, "cloud": "aws", "product": "dai", "version": "1.11.1",
                             "instance_type": "m5.xlarge", "tags": {"project": "stateful"}}}, check_mode=check_mode)

        @rule(index=names, content=st.sampled_from((CONFIG_TOML, "max_runtime_minutes = 60\n")),
              check_mode=st.booleans(), api_client=st.sampled_from(("builtin", "puddle_client")))
        def config_toml_task(self, index, content, check_mode, api_client):
            self.pending_check = None
            self._task("puddle_config_toml", {"system": self.name(index), "content": content,
                                              "api_client": api_client}, check_mode=check_mode)

        # -- invariants

        def _check_prediction(self, predicted, result):
            if predicted.get("failed") or result.get("failed"):
                return
            assert (predicted["changed"], predicted["actions"]) == (result["changed"], result["actions"]), (
                "check mode predicted changed=%s actions=%s, the real run did changed=%s actions=%s"
                % (predicted["changed"], predicted["actions"], result["changed"], result["actions"]))
            predicted_status = (predicted.get("system") or {}).get("status")
            real_status = (result.get("system") or {}).get("status")
            assert predicted_status == real_status, (
                "check mode predicted the system %s, the real run left it %s" % (predicted_status, real_status))

        def _check_task(self, result, entries, args, check_mode):
            text = json.dumps(result)
            leaked = [secret for secret in secrets if secret in text]
            assert not leaked, "a secret or token is in the result: %d of them" % len(leaked)
            # The task logs in once with its own key; later entries with the tokens it got are its own.
            own_tokens = {e["token_id"] for e in entries
                          if e["method"] == "AuthService/Login" and e["committed"] and e["key_id"] == USERS["demo"][0]}
            own = [e for e in entries if e["token_id"] in own_tokens and e["method"] != "AuthService/Login"]
            if "systems" in result and isinstance(result["systems"], list):
                # puddle_fleet: each system's own requests, found by name (CreateSystem) or id.
                names_by_id = {system["id"]: system["name"] for system in sim.control("ListAllSystems")["systems"]}
                for e in own:
                    if e["system_id"] in names_by_id and not e["name"]:
                        e["name"] = names_by_id[e["system_id"]]
                # A connection dropped before the request was read names no system: any system's may be it.
                unread = [RPC_ACTIONS[e["method"]] for e in own
                          if e["changing"] and e["fault"] == "drop" and e["name"] is None]
                if args.get("api_client") == "puddle_client":
                    # Refused before it was read (no name either), and reported by that client as a dropped connection.
                    unread += [RPC_ACTIONS[e["method"]] for e in own if e["changing"] and e["name"] is None
                               and e["system_id"] is None and e["fault"] in CLIENT_HIDDEN_REFUSALS]
                for part in result["systems"]:
                    self._check_record(part, [e for e in own if e["name"] == part["name"]], check_mode, unread,
                                       args.get("api_client"))
                    if part.get("failure"):
                        assert part["failure"].get("code") and part["failure"].get("message"), part
                    elif not check_mode and not result.get("failed"):
                        self._check_state(part.get("system"), part["state"])
                assert result["changed"] == any(part["changed"] for part in result["systems"]), result
                return
            self._check_record(result, own, check_mode, api_client=args.get("api_client"))
            if result.get("failed"):
                failure = result.get("failure") or {}
                assert failure.get("code") and result.get("msg"), "a failed task does not say why: %s" % result
            elif "state" in args and not check_mode:
                self._check_state(result.get("system"), args["state"])

        @staticmethod
        def _check_state(system, state):
            status = (system or {}).get("status")
            wanted = {"present": LIVE, "restarted": ("started",), "absent": (None,)}.get(state, (state,))
            assert status in wanted, "the task succeeded with the system %s, declared %s" % (status, state)

        def _check_record(self, result, own, check_mode, unread=(), api_client=None):
            for key in ("changed", "actions", "adopted", "unconfirmed"):
                assert key in result, "the result has no %s: %s" % (key, result)
            committed = [RPC_ACTIONS[e["method"]] for e in own if e["changing"] and e["committed"]]
            dropped = [RPC_ACTIONS[e["method"]] for e in own if e["changing"] and e["answer"] == "dropped"]
            dropped += list(unread)
            if api_client == "puddle_client":
                dropped += [RPC_ACTIONS[e["method"]] for e in own
                            if e["changing"] and not e["committed"] and e["fault"] in CLIENT_HIDDEN_REFUSALS]
            unconfirmed = [item["action"] for item in result["unconfirmed"]]
            actions = [action for action in result["actions"] if action != "wait"]
            if check_mode:
                assert not committed, "check mode sent changing requests: %s" % committed
                assert not result["adopted"] and not unconfirmed, result
                return
            for action in unconfirmed:
                assert action in dropped, "unconfirmed %s, but no answer to such a request was lost" % action
            expected = list(committed)
            for action in unconfirmed:
                if action in expected:
                    expected.remove(action)
            assert actions == expected, "the task said actions=%s, the server committed %s (%s unconfirmed)" % (
                actions, committed, unconfirmed)
            for item in result["adopted"]:
                assert item["action"] not in committed, (
                    "adopted %s although this task's own %s request was committed" % (item, item["action"]))
            assert result["changed"] == bool(result["actions"] or result["unconfirmed"]), (
                "changed=%s with actions=%s unconfirmed=%s" % (result["changed"], result["actions"], unconfirmed))

        @invariant()
        def one_live_system_per_name_and_user(self):
            FIGURES.steps += 1
            seen = set()
            for system in sim.control("ListAllSystems")["systems"]:
                if system["status"] in LIVE and system["name"].startswith(self.prefix):
                    key = (system["owner"], system["name"])
                    assert key not in seen, "two live systems named %s for %s" % (key[1], key[0])
                    seen.add(key)

    return ConvergenceMachine


def replay_regressions(machine):
    for title, steps in REGRESSIONS:
        state = machine()
        try:
            state.one_live_system_per_name_and_user()
            for rule_name, arguments in steps:
                getattr(state, rule_name)(**arguments)
                state.one_live_system_per_name_and_user()
        except Exception:
            print("regression failed: %s" % title)
            raise
        finally:
            state.teardown()
        print("regression passed: %s" % title)


def run(examples, steps, seed=None, derandomize=True, work=None):
    """Run the machine; True when no invariant was violated."""
    from hypothesis import HealthCheck, Phase, settings
    from hypothesis.stateful import run_state_machine_as_test

    sys.path.insert(0, str(collection_root()))
    sys.path.insert(0, str(REPO / "tests" / "puddle_client_double"))
    work = Path(work or tempfile.mkdtemp(prefix="stateful-"))
    sim = Simulator(work).start()
    try:
        machine = build_machine(sim)
        replay_regressions(machine)
        options = settings(max_examples=examples, stateful_step_count=steps, deadline=None, database=None,
                           derandomize=derandomize and seed is None, print_blob=False,
                           suppress_health_check=list(HealthCheck),
                           phases=[Phase.explicit, Phase.generate, Phase.shrink])
        if seed is not None:
            from hypothesis import seed as hypothesis_seed
            machine.TestCase.runTest = hypothesis_seed(seed)(machine.TestCase.runTest)
            random.seed(seed)
        run_state_machine_as_test(machine, settings=options)
        return True
    finally:
        sim.stop()


def bench(minutes, examples, steps, started):
    """Fresh seeds until the time is up; every violation is printed with its seed and shrunk sequence."""
    violations = []
    batches = 0
    while time.monotonic() - started < minutes * 60:
        seed = random.SystemRandom().randrange(1 << 32)
        batches += 1
        try:
            run(examples, steps, seed=seed)
        except Exception as error:  # its notes hold the shrunk sequence of steps
            traceback.print_exception(error, file=sys.stdout)
            violations.append(seed)
            print("VIOLATION with --seed %d: %s" % (seed, error))
        sys.stdout.flush()
    print("stateful bench: %.1f minutes, %d batches, %d sequences tried, %d steps, %d tasks, %d violations%s" % (
        (time.monotonic() - started) / 60, batches, FIGURES.sequences, FIGURES.steps, FIGURES.tasks,
        len(violations), (" (seeds %s)" % ", ".join(map(str, violations))) if violations else ""))
    return 1 if violations else 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--examples", type=int, default=60, help="sequences Hypothesis generates (default 60)")
    parser.add_argument("--steps", type=int, default=12, help="steps per sequence at most (default 12)")
    parser.add_argument("--seed", type=int, help="a seed instead of the fixed derandomized one")
    parser.add_argument("--minutes", type=float,
                        help="run batches of --examples sequences with fresh seeds for this long (bench/stateful)")
    options = parser.parse_args(argv)
    started = time.monotonic()
    if options.minutes is not None:
        return bench(options.minutes, options.examples, options.steps, started)
    random.seed(options.seed or 0)
    try:
        run(options.examples, options.steps, seed=options.seed)
        ok = True
    except Exception as error:  # a violation: its notes hold the shrunk sequence of steps
        traceback.print_exception(error, file=sys.stdout)
        print("VIOLATION: %s" % error)
        ok = False
    print("stateful: %d steps, %d tasks, %d sequences in %.0f s, %s" % (
        FIGURES.steps, FIGURES.tasks, FIGURES.sequences, time.monotonic() - started,
        "no violation" if ok else "a violation"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
