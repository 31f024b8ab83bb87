"""1. Faults: puddle_system, puddle_config_toml, the fleet role and puddle_fleet against a faulty simulator."""

import collections

from reliability import convergence
from reliability.simulator import Simulator
from reliability.suite import PLAYBOOKS_DIR, failure_of, run_playbook, write_system_inventory

# The fault level of the issue: 20 % unavailable, 10 % resource_exhausted with Retry-After,
# 100-300 ms of latency, some dropped connections (before handling, and after the commit).
REQUEST_FAULTS = {
    "unavailable_rate": 0.20,
    "resource_exhausted_rate": 0.10,
    "retry_after_seconds": 1,
    "latency_ms_min": 100,
    "latency_ms_max": 300,
    "drop_rate": 0.02,
    "drop_after_commit_rate": 0.03,
}
# Most provisionings fail, so that some always do (none of 8 failing: 0.4^8, under 1 in 1,000).
# A recovery (stop, start) provisions nothing, so a re-run always recovers.
FAULTS = dict(REQUEST_FAULTS, provisioning_failure_rate=0.6)
SPEED = 30.0
WAIT = {"wait_timeout": 300, "poll_interval": 0.5}
TAGS = {"project": "reliability"}
SYSTEMS = (
    [{"name": "faults-dai-%d" % n, "cloud": "aws", "product": "dai", "version": "1.11.1",
      "instance_type": "m5.xlarge", "tags": TAGS} for n in (1, 2, 3)]
    + [{"name": "faults-h2o-%d" % n, "cloud": "gcp", "image": "gcp-h2o3-3.46.0.1",
        "instance_type": "n1-standard-4", "tags": TAGS} for n in (1, 2, 3)]
    + [{"name": "faults-az-%d" % n, "cloud": "azure", "product": "dai", "version": "1.10.6",
        "instance_type": "Standard_D4s_v3", "tags": TAGS} for n in (1, 2)]
)
FLEET = [{"name": "faults-fleet-%d" % n, "cloud": "azure", "image": "azure-h2o3-3.46.0.1",
          "instance_type": "Standard_D4s_v3", "tags": TAGS} for n in range(1, 6)]
FLEET_MODULE_FORMAT = "faults-fm-%d"
FLEET_MODULE_COUNT = 6
FLEET_MODULE_DEFAULTS = {"cloud": "gcp", "image": "gcp-h2o3-3.46.0.1", "instance_type": "n1-standard-4", "tags": TAGS}
FLEET_MODULE_ACTION = "puddle.cloud.puddle_fleet"
CONFIG_TOML = "# set by the reliability suite\nmax_runtime_minutes = 90\nenable_gpu = false\n"
CONVERGE_TASK = "Converge every system and wait"
SEND_TASK = "Send the request of every system without waiting"


def declared(systems, state):
    return [dict(system, state=state) for system in systems]


def fleet_module_systems():
    return [dict(FLEET_MODULE_DEFAULTS, name=FLEET_MODULE_FORMAT % n) for n in range(1, FLEET_MODULE_COUNT + 1)]


def fleet_entries(record):
    """One puddle_fleet result as one record per system, in the shape the convergence checks read."""
    return [{"outcome": "failed" if entry.get("failure") else "ok", "label": record.get("label"),
             "task": record.get("task"), "changed": entry.get("changed"),
             "result": {"item": {"name": entry["name"], "state": entry["state"]}, "system": entry.get("system"),
                        "failure": entry.get("failure"), "actions": entry.get("actions")}}
            for entry in record["result"].get("systems", [])]


class FaultsStage:
    def __init__(self, context, fleet_role_present, fleet_module_present=False):
        self.context = context
        self.checks = context.checks
        self.fleet_role_present = fleet_role_present
        self.fleet_module_present = fleet_module_present
        self.sim = None
        self.ok_on_unconverged = 0
        self.give_ups = []
        self.declared_names = set()

    def run(self):
        self.sim = Simulator(self.context, "faults", speed=SPEED)
        self.context.simulators.append(self.sim)
        self.sim.start()
        self.sim.set_faults(seed=7, **FAULTS)
        try:
            self.provision_with_failures_then_recover()
            self.config_toml()
            self.lifecycle()
            if self.fleet_role_present:
                self.fleet()
            if self.fleet_module_present:
                self.fleet_module()
            self.terminate_all()
        finally:
            self.sim.faults_off()
        self.whole_run_checks()
        self.sim.stop()

    def converge(self, label, systems, two_pass=False, playbook="converge.yml"):
        self.declared_names.update(system["name"] for system in systems)
        extra = dict(self.context.connection_vars(self.sim), two_pass=two_pass, **WAIT)
        inventory = write_system_inventory(self.context, label, systems)
        run = run_playbook(self.context, label, PLAYBOOKS_DIR / playbook, extra, inventory=inventory)
        waited = run.results(task=CONVERGE_TASK, action=convergence.SYSTEM_ACTION)
        sent = run.results(task=SEND_TASK, action=convergence.SYSTEM_ACTION)
        snapshot = self.sim.all_systems()
        self.check_reported_against_simulator(label, run, waited, sent, snapshot)
        return run, waited, snapshot

    def check_reported_against_simulator(self, label, run, waited, sent, snapshot):
        check = self.checks.check
        check("%s: the playbook ran every declared system (%d results)" % (label, len(waited)),
              run.rc == 0 and len(waited) == len({r["result"]["item"]["name"] for r in waited}) > 0, run.tail())
        wrong = convergence.unconverged_ok_results(waited, snapshot)
        self.ok_on_unconverged += len(wrong)
        check("%s: no task reported ok on a system that did not converge" % label, not wrong, wrong)
        phantoms = convergence.phantom_results(waited + sent, snapshot)
        check("%s: every returned system id is the simulator's system of that name" % label, not phantoms, phantoms)
        self.give_ups += convergence.give_ups(waited + sent)

    # ---- phases

    def provision_with_failures_then_recover(self):
        check = self.checks.check
        _run, waited, snapshot = self.converge("faults-create", declared(SYSTEMS, "started"))
        by_id = {system["id"]: system for system in snapshot}
        failed_in_simulator = {s["name"] for s in snapshot if s["status"] == "failed"}
        reported_failed = {}
        for record in waited:
            if record["outcome"] == "failed":
                failure = failure_of(record)
                system = record["result"].get("system") or {}
                reported_failed[record["result"]["item"]["name"]] = (failure.get("code"), failure.get("status"),
                                                                     by_id.get(system.get("id"), {}).get("status"))
        provisioning_failures = {name for name, (code, _s, _a) in reported_failed.items() if code == "system_failed"}
        check("faults-create: provisioning failures happened (%d of %d systems)" % (
            len(failed_in_simulator), len(SYSTEMS)), failed_in_simulator)
        check("faults-create: every failed provisioning is a failed task (none reported ok)",
              failed_in_simulator <= set(reported_failed), (failed_in_simulator, reported_failed))
        check("faults-create: each such task says failed, with the system's state as the simulator has it",
              all(reported_failed[name] == ("system_failed", "failed", "failed") for name in failed_in_simulator)
              and provisioning_failures == failed_in_simulator, reported_failed)

        _run, waited, snapshot = self.converge("faults-recover", declared(SYSTEMS, "started"))
        started = {s["name"] for s in snapshot if s["status"] == "started" and s["name"] in self.declared_names}
        check("faults-recover: the re-run with state started converged every system (%d started)" % len(started),
              started == {s["name"] for s in SYSTEMS} and all(r["outcome"] == "ok" for r in waited),
              convergence.failure_codes(waited))
        actions = {r["result"]["item"]["name"]: r["result"].get("actions") for r in waited}
        check("faults-recover: each failed system was recovered by stop then start, the others left alone",
              all(actions.get(s["name"]) == (["stop", "start"] if s["name"] in failed_in_simulator else [])
                  for s in SYSTEMS), actions)

    def config_toml(self):
        check = self.checks.check
        dai = [s for s in SYSTEMS if s.get("product") == "dai"]
        extra = dict(self.context.connection_vars(self.sim), config_toml_text=CONFIG_TOML, **WAIT)
        inventory = write_system_inventory(self.context, "faults-config-toml", dai)
        run = run_playbook(self.context, "faults-config-toml", PLAYBOOKS_DIR / "config_toml.yml", extra,
                           inventory=inventory)
        results = run.results(action="puddle.cloud.puddle_config_toml")
        self.sim.faults_off()
        token = self.sim.login()
        applied = {}
        for record in results:
            system = record["result"].get("system") or {}
            answer = self.sim.call("SystemService/GetConfigToml", {"id": system.get("id", "")}, token).json()
            applied[record["result"]["item"]] = (record["outcome"], record["result"].get("config_toml", {}).get("status"),
                                                 answer.get("config_toml_status"),
                                                 answer.get("applied_config_toml") == CONFIG_TOML)
        self.sim.set_faults(**FAULTS)
        check("faults-config-toml: every config.toml was uploaded and applied, as the simulator confirms (%d)" % len(dai),
              len(results) == len(dai) and all(value == ("ok", "applied", "applied", True) for value in applied.values()),
              applied)
        self.give_ups += [r for r in results if r["outcome"] == "failed"
                          and failure_of(r).get("code") in convergence.GIVE_UP_CODES]

    def lifecycle(self):
        # Stop some, restart some, keep the others.
        states = collections.OrderedDict()
        for index, system in enumerate(SYSTEMS):
            states[system["name"]] = ("stopped", "restarted", "started")[index % 3]
        systems = [dict(system, state=states[system["name"]]) for system in SYSTEMS]
        _run, waited, _snapshot = self.converge("faults-lifecycle", systems)
        expected_actions = {"stopped": ["stop"], "restarted": ["restart"], "started": []}
        actions = {r["result"]["item"]["name"]: r["result"].get("actions") for r in waited}
        self.checks.check("faults-lifecycle: each system took exactly the declared step, once",
                          all(actions.get(name) == expected_actions[state] for name, state in states.items()), actions)

    def fleet(self):
        check = self.checks.check
        names = {s["name"] for s in FLEET}
        self.declared_names.update(names)
        extra = dict(self.context.connection_vars(self.sim), declared_systems=declared(FLEET, "started"), **WAIT)
        outcomes = []
        for attempt in range(1, 4):
            label = "faults-fleet-%d" % attempt
            run = run_playbook(self.context, label, PLAYBOOKS_DIR / "fleet.yml", extra)
            report = run.results(task="Report the fleet")
            snapshot = self.sim.all_systems()
            failed = {s["name"] for s in snapshot if s["name"] in names and s["status"] == "failed"}
            started = {s["name"] for s in snapshot if s["name"] in names and s["status"] == "started"}
            fleet = report[0]["result"]["msg"] if report else {}
            reported_failed = {item["name"] for item in fleet.get("failed", [])}
            outcomes.append((label, run, fleet, failed, started, reported_failed))
            check("%s: the role reported its outcome" % label, run.rc == 0 and report, run.tail())
            check("%s: the role fails exactly when a system missed its state, naming each one (%s)" % (
                label, ", ".join(sorted(reported_failed)) or "none"),
                bool(fleet.get("role_failed")) == bool(names - started) and reported_failed == names - started,
                (fleet.get("failed"), sorted(failed), sorted(started)))
            wrong = [item for item in fleet.get("result", []) if item.get("status") != "started"
                     and item["name"] not in reported_failed]
            self.ok_on_unconverged += len(wrong)
            check("%s: every system the role does not name as failed is started" % label, not wrong, wrong)
            requests = run.results(action=convergence.SYSTEM_ACTION)
            self.give_ups += convergence.give_ups(requests)
            if started == names:
                break
        label, run, fleet, _failed, started, _reported = outcomes[-1]
        check("faults-fleet: the fleet converged within 3 runs (%d runs)" % len(outcomes), started == names,
              outcomes[-1][2])
        first_failed = outcomes[0][3]
        check("faults-fleet: provisioning failures in the fleet were reported, then recovered by the re-run (%d)" % len(
            first_failed), not first_failed or len(outcomes) > 1, first_failed)
        again = run_playbook(self.context, "faults-fleet-again", PLAYBOOKS_DIR / "fleet.yml", extra)
        report = again.results(task="Report the fleet")
        changed = [r["result"]["item"]["name"] for r in again.results(action=convergence.SYSTEM_ACTION) if r["changed"]]
        check("faults-fleet: a converged fleet re-run under faults changes nothing",
              report and not report[0]["result"]["msg"]["changed"] and not changed
              and not report[0]["result"]["msg"]["role_failed"], (changed, again.tail()))

    def fleet_module(self):
        """puddle_fleet under faults: no ok on an unconverged system, no phantom, converged within 3 runs, then no change."""
        check = self.checks.check
        names = {system["name"] for system in fleet_module_systems()}
        self.declared_names.update(names)
        extra = dict(self.context.connection_vars(self.sim), fleet_name_format=FLEET_MODULE_FORMAT,
                     fleet_count=FLEET_MODULE_COUNT, fleet_defaults=FLEET_MODULE_DEFAULTS, **WAIT)
        started = set()
        runs = 0
        for attempt in range(1, 4):
            label = "faults-fleet-module-%d" % attempt
            run = run_playbook(self.context, label, PLAYBOOKS_DIR / "fleet_module.yml", extra)
            runs += 1
            results = run.results(action=FLEET_MODULE_ACTION)
            snapshot = self.sim.all_systems()
            entries = fleet_entries(results[0]) if results else []
            check("%s: the module reported every declared system (%d entries)" % (label, len(entries)),
                  run.rc == 0 and len(results) == 1 and {e["result"]["item"]["name"] for e in entries} == names,
                  run.tail())
            wrong = convergence.unconverged_ok_results(entries, snapshot)
            self.ok_on_unconverged += len(wrong)
            check("%s: no system reported converged that is not started" % label, not wrong, wrong)
            phantoms = convergence.phantom_results(entries, snapshot)
            check("%s: every returned system id is the simulator's system of that name" % label, not phantoms, phantoms)
            failed_entries = {e["result"]["item"]["name"] for e in entries if e["outcome"] == "failed"}
            started = {s["name"] for s in snapshot if s["name"] in names and s["status"] == "started"}
            check("%s: the task fails exactly when a system missed its state, naming each one (%s)" % (
                label, ", ".join(sorted(failed_entries)) or "none"),
                results and (results[0]["outcome"] == "failed") == bool(failed_entries)
                and failed_entries == names - started, (sorted(failed_entries), sorted(started)))
            self.give_ups += convergence.give_ups(entries)
            if started == names:
                break
        check("faults-fleet-module: the fleet converged within 3 runs (%d runs)" % runs, started == names)
        again = run_playbook(self.context, "faults-fleet-module-again", PLAYBOOKS_DIR / "fleet_module.yml", extra)
        results = again.results(action=FLEET_MODULE_ACTION)
        entries = fleet_entries(results[0]) if results else []
        check("faults-fleet-module: a converged fleet re-run under faults changes nothing",
              results and results[0]["outcome"] == "ok" and not results[0]["result"].get("changed")
              and not any(e["result"]["actions"] for e in entries), again.tail())

    def terminate_all(self):
        systems = declared(SYSTEMS, "absent") + (declared(FLEET, "absent") if self.fleet_role_present else [])
        if self.fleet_module_present:
            systems += declared(fleet_module_systems(), "absent")
        _run, waited, snapshot = self.converge("faults-terminate", systems)
        live = convergence.live_by_name(snapshot)
        self.checks.check("faults-terminate: every declared system is terminated",
                          all(r["outcome"] == "ok" for r in waited) and not any(live.get(s["name"]) for s in systems),
                          convergence.failure_codes(waited))

    # ---- the whole stage

    def whole_run_checks(self):
        check = self.checks.check
        snapshot = self.sim.all_systems()
        duplicated = convergence.duplicates(snapshot)
        ever = collections.Counter(s["name"] for s in snapshot)
        created_twice = sorted(name for name, count in ever.items() if count > 1)
        extra = sorted(name for name in ever if name not in self.declared_names)
        self.context.figures["duplicates_found"] += len(duplicated) + len(created_twice) + len(extra)
        self.context.figures["tasks_ok_on_unconverged_system"] += self.ok_on_unconverged
        check("faults: zero duplicate systems (each declared name created once, %d systems ever)" % len(snapshot),
              not duplicated and not created_twice, (duplicated, created_twice))
        check("faults: no system that was not declared", not extra, extra)
        check("faults: zero tasks reported ok on a system that did not converge", self.ok_on_unconverged == 0)
        observed = self.sim.observations()
        counted = self.sim.request_counts()
        fired = observed["faults"]
        self.context.figures.setdefault("faults_stage", {}).update(
            requests=counted["total"], faults_injected=dict(fired), give_ups=len(self.give_ups))
        kinds = ("unavailable_rate", "resource_exhausted_rate", "drop_rate", "drop_after_commit_rate",
                 "provisioning_failure_rate")
        check("faults: every kind of fault was injected (%s)" % ", ".join(
            "%s %d" % (knob.replace("_rate", ""), count) for knob, count in sorted(fired.items())),
            all(fired.get(knob, 0) > 0 for knob in kinds), fired)
        check("faults: the observer counted what GetRequestCounts counted (%d requests)" % counted["total"],
              sum(observed["requests"].values()) == counted["total"], (observed["requests"], counted))
        check("faults: no task gave up on retryable errors (%d did)" % len(self.give_ups), not self.give_ups,
              [(r["label"], r["task"], failure_of(r).get("message")) for r in self.give_ups])
