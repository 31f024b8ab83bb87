"""Figure 4: the fleet role bringing N new systems to started, against its converged run and the naive loop."""

from __future__ import annotations

import json
import os

from common import API_KEY_ID, API_SECRET_KEY, Figure, PuddleClient
from playbook import run_playbook
from simulator import Simulator

TARGET_RATIO = 1.3
SPEED = 20.0
POLL_INTERVAL = 2


def measure(context):
    provisioning = context.options.fleet_provisioning
    size = context.options.fleet_size
    naive_size = context.options.naive_systems
    figure = Figure(4, "Fleet: %d new systems to started, provisioning P = %g s" % (size, provisioning),
                    ["run", "seconds", "requests", "(run - converged) / P", "target"])
    with Simulator(context.workdir, name="fleet", speed=SPEED) as sim:
        sim.control("SetTiming", {"provisioning_seconds": provisioning * SPEED})
        client = PuddleClient(sim.url, API_KEY_ID, API_SECRET_KEY)
        common = dict(server_address=sim.url, api_key_id=API_KEY_ID, api_secret_key=API_SECRET_KEY,
                      poll_interval=POLL_INTERVAL)

        def timed(playbook, label, names):
            results_file = os.path.join(context.workdir, label + ".json")
            sim.reset_counts()
            run_playbook(playbook, context.workdir, dict(common, results_file=results_file,
                                                         fleet_systems=[{"name": name} for name in names]), label)
            with open(results_file, encoding="utf-8") as stream:
                seconds = json.load(stream)["seconds"]
            return seconds, sum(sim.counts().values())

        def terminate_all():
            systems = client.list_systems()
            for system in systems:
                client.terminate_system(system["id"])
            for system in systems:
                client.wait_for_system_terminated(system["id"], timeout=120, poll_interval=0.5)

        names = ["bench-fleet-%02d" % index for index in range(1, size + 1)]
        fresh, fresh_requests = timed("fleet.yml", "fleet-fresh", names)
        # The shortest of two converged runs: a run slowed by another process would flatter the figure.
        converged, converged_requests = min(timed("fleet.yml", "fleet-converged-%d" % run, names) for run in (1, 2))
        terminate_all()
        naive_names = ["bench-naive-%02d" % index for index in range(1, naive_size + 1)]
        naive, naive_requests = timed("naive.yml", "fleet-naive", naive_names)
        terminate_all()
    ratio = (fresh - converged) / provisioning
    figure.add("fleet role, %d new systems" % size, fresh, fresh_requests, ratio, "<= %.1f" % TARGET_RATIO,
               check=ratio <= TARGET_RATIO)
    figure.add("fleet role, converged (shorter of 2 runs)", converged, converged_requests, 0.0, "-")
    naive_scaled = naive * size / naive_size
    figure.add("naive loop (wait: true), %d systems" % naive_size, naive, naive_requests,
               (naive - converged * naive_size / size) / provisioning, "-")
    figure.add("naive loop scaled to %d systems" % size, naive_scaled, naive_requests * size // naive_size,
               (naive_scaled - converged) / provisioning, "-")
    figure.note("both fleet runs use the token from the puddle_token lookup; the role polls every %d s. The naive loop "
                "is measured on %d systems and scaled linearly (each system waits out its own provisioning)."
                % (POLL_INTERVAL, naive_size))
    return figure
