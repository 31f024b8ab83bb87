"""2. Concurrency: four ansible-playbook processes converge the same five systems at once."""

import collections
import time

from reliability import convergence
from reliability.simulator import Simulator
from reliability.suite import PLAYBOOKS_DIR, failure_of, start_playbook, write_system_inventory

PLAYBOOKS = 4
SYSTEMS = [{"name": "race-%d" % n, "cloud": "aws", "product": "dai", "version": "1.11.1",
            "instance_type": "m5.xlarge", "tags": {"project": "race"}} for n in range(1, 6)]
# Latency (the faults stage's 100-300 ms) widens the windows in which two processes act on one
# system, e.g. between a lookup that finds no system and the CreateSystem that follows it.
LATENCY = {"latency_ms_min": 100, "latency_ms_max": 300}
# The only failure a process may report: Puddle refusing an action in the current state
# (docs/api.md §2, failed_precondition), which another process's action can cause.
DOCUMENTED_PRECONDITION_CODES = ("failed_precondition",)
CONVERGE_TASK = "Converge every system and wait"


def run(context):
    sim = Simulator(context, "concurrency", speed=20.0)
    context.simulators.append(sim)
    sim.start()
    sim.set_faults(**LATENCY)
    for state in ("started", "stopped"):
        converge_together(context, sim, state)
    whole_run_checks(context, sim)
    sim.stop()


def converge_together(context, sim, state):
    check = context.checks.check
    runs = []
    barrier = context.state_dir / ("barrier-%s" % state)
    barrier.mkdir(exist_ok=True)
    for index in range(PLAYBOOKS):
        # Each process converges the five systems in parallel (one host each): every system has
        # four processes acting on it at about the same moment.
        label = "race-%s-%d" % (state, index + 1)
        inventory = write_system_inventory(context, label, [dict(s, state=state) for s in SYSTEMS])
        extra = dict(context.connection_vars(sim), wait_timeout=120, poll_interval=0.3, barrier_dir=str(barrier),
                     barrier_label=label)
        runs.append(start_playbook(context, label, PLAYBOOKS_DIR / "converge.yml", extra, inventory=inventory))
    # Ansible takes a while to start, more so four at once on two cores: release them together.
    deadline = time.monotonic() + 120
    while len(list(barrier.glob("*.ready"))) < PLAYBOOKS and time.monotonic() < deadline:
        time.sleep(0.05)
    (barrier / "go").touch()
    for playbook in runs:
        playbook.wait()
    snapshot = sim.all_systems()
    names = {s["name"] for s in SYSTEMS}
    live = convergence.live_by_name(snapshot)
    results = [record for playbook in runs for record in playbook.results(task=CONVERGE_TASK)]
    codes = convergence.failure_codes(results)
    undocumented = {code: count for code, count in codes.items() if code not in DOCUMENTED_PRECONDITION_CODES}
    check("%s: the %d playbooks ran to their end (%s s)" % (state, PLAYBOOKS, ", ".join(
        "%.0f" % playbook.seconds for playbook in runs)), all(playbook.rc == 0 for playbook in runs)
        and len(results) == PLAYBOOKS * len(SYSTEMS), [playbook.tail(5) for playbook in runs])
    check("%s: exactly five systems, each in the declared state" % state,
          sorted(live) == sorted(names) and all(len(live[name]) == 1 and live[name][0]["status"] == state
                                                for name in names),
          {name: [s["status"] for s in systems] for name, systems in live.items()})
    wrong = convergence.unconverged_ok_results(results, snapshot)
    context.figures["tasks_ok_on_unconverged_system"] += len(wrong)
    check("%s: no task reported ok on a system that did not converge" % state, not wrong, wrong)
    check("%s: no failure but a documented precondition (%d tasks failed: %s)" % (
        state, sum(codes.values()), dict(codes) or "none"), not undocumented,
        [(r["label"], r["result"]["item"]["name"], failure_of(r)) for r in results
         if r["outcome"] == "failed" and failure_of(r).get("code") not in DOCUMENTED_PRECONDITION_CODES])
    actions = collections.Counter(action for r in results for action in r["result"].get("actions") or [])
    context.figures.setdefault("concurrency", {})[state] = {
        "tasks": len(results), "failed": sum(codes.values()), "actions": dict(actions)}


def whole_run_checks(context, sim):
    snapshot = sim.all_systems()
    duplicated = convergence.duplicates(snapshot)
    ever = collections.Counter(s["name"] for s in snapshot)
    created_twice = sorted(name for name, count in ever.items() if count > 1)
    context.figures["duplicates_found"] += len(duplicated) + len(created_twice)
    context.checks.check("zero duplicate systems: five systems were ever created (%d)" % len(snapshot),
                         not duplicated and not created_twice and len(snapshot) == len(SYSTEMS),
                         (duplicated, created_twice, len(snapshot)))
