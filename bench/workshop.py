"""Figure 7: a workshop fleet (200 systems by default) with puddle_fleet, beside the fleet role as it was before
the module and a loop of puddle_system; the module process's peak memory with 1,000 declared systems."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time

from common import API_KEY_ID, API_SECRET_KEY, Figure, PuddleClient
from playbook import run_playbook
from simulator import Simulator

TARGET_RATIO = 1.1
TARGET_CONVERGED_REQUESTS = 3
TARGET_COST_RATIO = 2.0
TARGET_MEMORY_MB = 100
SPEED = 20.0
POLL_INTERVAL = 1
NAME_FORMAT = "bench-ws-%03d"
MEMORY_NAME_FORMAT = "bench-mem-%04d"
DEFAULTS = {"cloud": "aws", "image": "aws-h2o3-3.46.0.1", "instance_type": "m5.xlarge", "tags": {"project": "bench-fleet"}}
# The fleet role as it was before puddle_fleet (a puddle_system task per system, a wait that includes itself).
ROLE_BEFORE_REVISION = "66c43ec"
COST_ROUNDS = 10
# The module process runs under this parent, which prints the child's peak resident set size in KiB.
PEAK_RSS_PROBE = """
import resource, subprocess, sys
with open(sys.argv[3], 'w') as out:
    status = subprocess.call([sys.executable, sys.argv[1], sys.argv[2]], stdout=out)
print(status, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def extract_role_before(root, workdir):
    """The roles/fleet of ROLE_BEFORE_REVISION, written under workdir; its path."""
    target = os.path.join(workdir, "role-before", "fleet")
    shutil.rmtree(target, ignore_errors=True)
    listing = subprocess.check_output(["git", "-C", root, "ls-tree", "-r", "--name-only", ROLE_BEFORE_REVISION, "roles/fleet"],
                                      text=True).split()
    for path in listing:
        content = subprocess.check_output(["git", "-C", root, "show", "%s:%s" % (ROLE_BEFORE_REVISION, path)])
        destination = os.path.join(target, os.path.relpath(path, "roles/fleet"))
        os.makedirs(os.path.dirname(destination), exist_ok=True)
        with open(destination, "wb") as stream:
            stream.write(content)
    return target


def module_peak_memory(context, sim, module, args, label):
    """Run one module process directly (its arguments from a file); returns (peak RSS in MB, result)."""
    args_file = os.path.join(context.workdir, label + ".args.json")
    output_file = os.path.join(context.workdir, label + ".out.json")
    with open(args_file, "w", encoding="utf-8") as stream:
        json.dump({"ANSIBLE_MODULE_ARGS": dict(args, server_address=sim.url, api_key_id=API_KEY_ID,
                                               api_secret_key=API_SECRET_KEY)}, stream)
    path = os.path.join(context.root, "plugins", "modules", module + ".py")
    status, peak_kib = subprocess.check_output([sys.executable, "-c", PEAK_RSS_PROBE, path, args_file, output_file],
                                               text=True).split()
    with open(output_file, encoding="utf-8") as stream:
        result = json.load(stream)
    if int(status) != 0 or result.get("failed"):
        raise RuntimeError("%s failed: %s" % (label, result.get("msg")))
    return int(peak_kib) / 1024.0, result


def measure(context):
    provisioning = context.options.fleet_provisioning
    size = context.options.workshop_size
    naive_size = context.options.naive_systems
    memory_size = context.options.memory_systems
    figure = Figure(7, "Workshop fleet: %d new systems to started, provisioning P = %g s" % (size, provisioning),
                    ["run", "seconds", "requests", "(run - converged) / P", "target"])
    role_before = extract_role_before(context.root, context.workdir)
    names = [NAME_FORMAT % index for index in range(1, size + 1)]
    with Simulator(context.workdir, name="workshop", speed=SPEED) as sim:
        sim.control("SetTiming", {"provisioning_seconds": provisioning * SPEED})
        sim.control("SetCUPool", {"size": 100000})
        client = PuddleClient(sim.url, API_KEY_ID, API_SECRET_KEY)
        common = dict(server_address=sim.url, api_key_id=API_KEY_ID, api_secret_key=API_SECRET_KEY,
                      poll_interval=POLL_INTERVAL, fleet_defaults=DEFAULTS, name_format=NAME_FORMAT, count=size)

        def timed(playbook, label, **extra):
            results_file = os.path.join(context.workdir, label + ".json")
            sim.reset_counts()
            run_playbook(playbook, context.workdir, dict(common, results_file=results_file, **extra), label)
            with open(results_file, encoding="utf-8") as stream:
                seconds = json.load(stream)["seconds"]
            return seconds, sum(sim.counts().values())

        def terminate_all():
            systems = client.list_systems()
            for system in systems:
                if system["status"] in ("started", "stopped", "failed"):
                    client.terminate_system(system["id"])
            remaining = 1
            while remaining:
                remaining = len(client.list_systems())
                if remaining:
                    time.sleep(0.5)

        module_fresh, module_fresh_requests = timed("workshop_module.yml", "ws-module-fresh")
        module_converged, module_converged_requests = min(
            timed("workshop_module.yml", "ws-module-converged-%d" % run) for run in (1, 2))

        # One no-op puddle_system task against one converged puddle_fleet task, interleaved in one play.
        _wall, times = run_playbook("workshop_costs.yml", context.workdir, dict(common, rounds=COST_ROUNDS), "ws-costs")
        noop = [record["seconds"] for record in times if record["name"] == "noop system" and record["status"] == "ok"]
        fleet = [record["seconds"] for record in times if record["name"] == "converged fleet" and record["status"] == "ok"]
        if len(noop) != COST_ROUNDS or len(fleet) != COST_ROUNDS:
            raise RuntimeError("ws-costs: %d and %d of %d tasks succeeded" % (len(noop), len(fleet), COST_ROUNDS))
        cost_ratio = statistics.median(fleet) / statistics.median(noop)

        role_systems = [{"name": name} for name in names]
        role_converged, role_converged_requests = timed("workshop_role.yml", "ws-role-before-converged",
                                                        role_path_to_run=role_before, fleet_systems=role_systems)
        loop_converged, loop_converged_requests = timed("naive.yml", "ws-loop-converged", fleet_systems=role_systems)
        terminate_all()
        role_fresh, role_fresh_requests = timed("workshop_role.yml", "ws-role-before-fresh",
                                                role_path_to_run=role_before, fleet_systems=role_systems)
        terminate_all()
        naive_systems = [{"name": "bench-ws-naive-%02d" % index} for index in range(1, naive_size + 1)]
        loop_fresh, loop_fresh_requests = timed("naive.yml", "ws-loop-fresh", fleet_systems=naive_systems)
        terminate_all()

        # Peak memory of the module process with many declared systems: created (fast provisioning), then converged.
        sim.control("SetTiming", {"provisioning_seconds": 2 * SPEED})
        memory_args = dict(name_format=MEMORY_NAME_FORMAT, count=memory_size, defaults=DEFAULTS, poll_interval=0.5,
                           wait_timeout=600)
        memory_fresh, fresh_result = module_peak_memory(context, sim, "puddle_fleet", memory_args, "ws-memory-fresh")
        memory_converged, _result = module_peak_memory(context, sim, "puddle_fleet", memory_args, "ws-memory-converged")
        memory_system, _result = module_peak_memory(
            context, sim, "puddle_system", dict(DEFAULTS, name=MEMORY_NAME_FORMAT % 1), "ws-memory-system")
        if fresh_result["summary"]["converged"] != memory_size:
            raise RuntimeError("ws-memory-fresh converged %s of %d" % (fresh_result["summary"], memory_size))
        terminate_all()

    ratio = (module_fresh - module_converged) / provisioning
    figure.add("puddle_fleet, %d new systems" % size, module_fresh, module_fresh_requests, ratio,
               "<= %.1f" % TARGET_RATIO, check=ratio <= TARGET_RATIO)
    figure.add("puddle_fleet, converged (shorter of 2 runs)", module_converged, module_converged_requests, 0.0,
               "requests <= %d" % TARGET_CONVERGED_REQUESTS, check=module_converged_requests <= TARGET_CONVERGED_REQUESTS)
    figure.add("fleet role before puddle_fleet, %d new systems" % size, role_fresh, role_fresh_requests,
               (role_fresh - role_converged) / provisioning, "-")
    figure.add("fleet role before puddle_fleet, converged", role_converged, role_converged_requests, 0.0, "-")
    loop_scaled = loop_fresh * size / naive_size
    figure.add("loop of puddle_system (wait: true), %d systems" % naive_size, loop_fresh, loop_fresh_requests,
               (loop_fresh - loop_converged * naive_size / size) / provisioning, "-")
    figure.add("the same loop scaled to %d systems" % size, loop_scaled, loop_fresh_requests * size // naive_size,
               (loop_scaled - loop_converged) / provisioning, "-")
    figure.add("loop of puddle_system, converged", loop_converged, loop_converged_requests, 0.0, "-")
    figure.note("converged puddle_fleet task / no-op puddle_system task (medians of %d each, interleaved): %.2f "
                "(%.2f s / %.2f s), target <= %.1f" % (COST_ROUNDS, cost_ratio, statistics.median(fleet),
                                                       statistics.median(noop), TARGET_COST_RATIO))
    figure.checks.append(("converged fleet task / no-op system task", cost_ratio <= TARGET_COST_RATIO))
    figure.note("peak memory of the module process (resident set): puddle_fleet with %d declared systems %.1f MB creating "
                "them, %.1f MB converged; one no-op puddle_system %.1f MB; target <= %d MB"
                % (memory_size, memory_fresh, memory_converged, memory_system, TARGET_MEMORY_MB))
    figure.checks.append(("peak memory", max(memory_fresh, memory_converged) <= TARGET_MEMORY_MB))
    figure.note("every run logs in once through the puddle_token lookup (counted in the requests); polls every "
                "%d s. The role before puddle_fleet is roles/fleet of %s, run by path. The loop is measured on %d "
                "systems and scaled linearly." % (POLL_INTERVAL, ROLE_BEFORE_REVISION, naive_size))
    return figure
