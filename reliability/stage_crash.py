"""3. Crash and restart: SIGKILL the simulator in the middle of a fleet converge, start it again.

Two scenarios on one simulator (same database, same port across the restarts):
- the simulator alone is killed: the playbook rides through the downtime on its retries;
- the simulator and the playbook are killed together (the controller loses power too): work is
  certainly left, and the re-run must change exactly the systems that still need it.
"""

import collections
import time

from reliability import convergence
from reliability.simulator import TRANSITIONAL, Simulator
from reliability.suite import PLAYBOOKS_DIR, run_playbook, start_playbook, write_system_inventory

# Slow enough that the kill finds systems in the middle of their transitions
# (provisioning 7.5 s, starting 3.75 s, stopping 2.5 s).
SPEED = 4.0
DOWNTIME_SECONDS = 1.5
# puddle_fleet sends every create at once: a latency per request spaces them out, so that the kill
# after the second create finds the others not sent yet.
CREATE_LATENCY_MS = 400
FLEET_MODULE_ACTION = "puddle.cloud.puddle_fleet"
TAGS = {"project": "crash"}
BASE = {"cloud": "gcp", "image": "gcp-h2o3-3.46.0.1", "instance_type": "n1-standard-4", "tags": TAGS}


def declaration(prefix):
    """Four new systems, one existing system to stop and one to start."""
    new = [dict(BASE, name="%s-%d" % (prefix, n), state="started") for n in range(1, 5)]
    return new, dict(BASE, name=prefix + "-old-running", state="stopped"), dict(BASE, name=prefix + "-old-stopped",
                                                                                state="started")


def existing_system(sim, token, declared, status):
    answer = sim.call("SystemService/CreateSystem", {
        "name": declared["name"], "cloud": BASE["cloud"], "image_id": BASE["image"],
        "instance_type_name": BASE["instance_type"], "tags": [{"name": "project", "value": "crash"}]}, token)
    answer.raise_for_status()
    sim.control("ForceSystemStatus", {"system_id": answer.json()["system"]["id"], "status": status})


def playbook_for(context, label, declared):
    """The fleet role when the collection has it, else puddle_system without waiting, then waits."""
    if (context.collection / "roles" / "fleet").is_dir():
        return PLAYBOOKS_DIR / "fleet.yml", {"declared_systems": declared}, None
    return PLAYBOOKS_DIR / "converge.yml", {"two_pass": True}, write_system_inventory(context, label, declared)


def changed_names(run):
    """Names of the systems a run changed: puddle_system loop items, or puddle_fleet's per-system results."""
    names = {r["result"]["item"]["name"] for r in run.results(action=convergence.SYSTEM_ACTION) if r["changed"]}
    for record in run.results(action=FLEET_MODULE_ACTION):
        names.update(entry["name"] for entry in record["result"].get("systems", []) if entry.get("changed"))
    return sorted(names)


def mine(systems, names):
    return [system for system in systems if system["name"] in names]


def run(context):
    sim = Simulator(context, "crash", speed=SPEED)
    context.simulators.append(sim)
    sim.start()
    figures = context.figures.setdefault("crash", {})
    figures["simulator_only"] = scenario(context, sim, "crash", kill_playbook=False)
    figures["simulator_and_playbook"] = scenario(context, sim, "power", kill_playbook=True)
    sim.stop()


def scenario(context, sim, prefix, kill_playbook):
    check = context.checks.check
    new, to_stop, to_start = declaration(prefix)
    declared = new + [to_stop, to_start]
    names = {d["name"] for d in declared}
    token = sim.login()
    existing_system(sim, token, to_stop, "started")
    existing_system(sim, token, to_start, "stopped")
    playbook, options, inventory = playbook_for(context, prefix, declared)
    extra = dict(context.connection_vars(sim), wait_timeout=180, poll_interval=1, **options)
    creates_before = sim.request_counts()["counts"].get("SystemService/CreateSystem", 0)
    sim.set_faults(latency_ms_min=CREATE_LATENCY_MS, latency_ms_max=CREATE_LATENCY_MS)
    converge = start_playbook(context, prefix + "-converge", playbook, extra, inventory=inventory)

    # Kill once the converge has created some systems but not all of them.
    deadline = time.monotonic() + 120
    while (sim.request_counts()["counts"].get("SystemService/CreateSystem", 0) - creates_before < 2
           and time.monotonic() < deadline):
        time.sleep(0.05)
    before = {system["id"]: system for system in mine(sim.all_systems(), names)}
    if kill_playbook:
        converge.kill()
    sim.kill()
    killed_at = time.monotonic()
    in_transition = sorted(s["name"] for s in before.values() if s["status"] in TRANSITIONAL)
    time.sleep(DOWNTIME_SECONDS)
    sim.start()
    sim.faults_off()
    downtime = time.monotonic() - killed_at
    after = {system["id"]: system for system in sim.all_systems()}
    lost = sorted(before[system_id]["name"] for system_id in before if system_id not in after)
    what = "the simulator and the playbook" if kill_playbook else "the simulator"
    check("%s: SIGKILL of %s came in the middle of the converge (%d of %d new systems created, in transition: %s)" % (
        prefix, what, len(before) - 2, len(new), ", ".join(in_transition) or "none"),
        len(before) - 2 < len(new) and in_transition, sorted(s["name"] for s in before.values()))
    check("%s: no system lost (%d before the kill, all there after a restart %.1f s later)" % (
        prefix, len(before), downtime), not lost and all(after[i]["name"] == before[i]["name"] for i in before), lost)

    if not kill_playbook:
        converge.wait(timeout=300)
        check("%s: the interrupted converge rode through the restart to its end (%.0f s)" % (prefix, converge.seconds),
              converge.rc == 0, converge.tail())
    settled = sim.wait_until_settled(list(before), 60)
    resumed = {before[i]["name"]: settled.get(i, {}).get("status") for i in before if before[i]["status"] in TRANSITIONAL}
    check("%s: transitions resumed after the restart (%s)" % (
        prefix, ", ".join("%s -> %s" % item for item in sorted(resumed.items()))),
        resumed and all(status not in TRANSITIONAL and status is not None for status in resumed.values()), resumed)

    live = convergence.live_by_name(sim.all_systems())
    work_left = sorted(d["name"] for d in declared if not live.get(d["name"])
                       or live[d["name"]][0]["status"] not in convergence.READY_STATUSES[d["state"]])
    rerun = run_playbook(context, prefix + "-rerun", playbook, extra, inventory=inventory)
    check("%s: the re-run changed exactly the systems whose work was left (%s)" % (prefix, ", ".join(work_left) or "none"),
          changed_names(rerun) == work_left and (work_left or not kill_playbook), (changed_names(rerun), work_left))
    final = mine(sim.all_systems(), names)
    live = convergence.live_by_name(final)
    check("%s: after the re-run every declared system is in its declared state" % prefix,
          rerun.rc == 0 and all(len(live.get(d["name"], [])) == 1
                                and live[d["name"]][0]["status"] in convergence.READY_STATUSES[d["state"]]
                                for d in declared),
          {name: [s["status"] for s in systems] for name, systems in live.items()})
    ever = collections.Counter(s["name"] for s in final)
    duplicated = convergence.duplicates(final) + sorted(name for name, count in ever.items() if count > 1)
    context.figures["duplicates_found"] += len(duplicated)
    check("%s: zero duplicate systems across the crash (%d systems ever for %d declared)" % (
        prefix, len(final), len(declared)), not duplicated and len(final) == len(declared), duplicated)
    return {"systems_before_kill": len(before), "in_transition_at_kill": in_transition,
            "downtime_seconds": round(downtime, 1), "work_left": work_left, "rerun_changed": changed_names(rerun)}
