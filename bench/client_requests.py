"""Figure 6: requests per task with each api_client (builtin, and puddle_client through its double)."""

from __future__ import annotations

import json
import os

from common import API_KEY_ID, API_SECRET_KEY, Figure
from playbook import run_playbook
from simulator import Simulator

TASKS = (
    "puddle_images_info",
    "puddle_system_info (list)",
    "puddle_system (create and wait)",
    "puddle_system (converged)",
    "puddle_system (stop and wait)",
    "puddle_system (start and wait)",
    "puddle_system (absent and wait)",
)
CLIENTS = ("builtin", "puddle_client")


def methods(counts):
    return ", ".join("%s %d" % (method.split("/")[-1], count) for method, count in sorted(counts.items()))


def measure(context):
    figure = Figure(6, "Requests per task by api_client (simulator counters; waits poll every 0.2 s)",
                    ["task", "builtin", "puddle_client", "builtin methods", "puddle_client methods"])
    results_file = os.path.join(context.workdir, "client_requests.json")
    with Simulator(context.workdir, name="client_requests") as sim:
        run_playbook("requests_clients.yml", context.workdir, dict(
            server_address=sim.url, control_url=sim.url + "/twirp/puddle.sim.v1.Control", control_token=sim.control_token,
            api_key_id=API_KEY_ID, api_secret_key=API_SECRET_KEY, results_file=results_file,
            puddle_client_path=os.path.join(context.root, "tests", "puddle_client_double")), "client_requests")
    with open(results_file, encoding="utf-8") as stream:
        measured = json.load(stream)
    by_task = {}
    for entry in measured:
        by_task.setdefault(entry["task"], {})[entry["auth"]] = entry["counts"]
    for task in TASKS:
        counts = by_task.get(task, {})
        figure.add(task, *[sum(counts.get(client, {}).values()) for client in CLIENTS],
                   *[methods(counts.get(client, {})) for client in CLIENTS])
    figure.note("puddle_client: Puddle's own Python client, here its double (tests/puddle_client_double); a real client "
                "may send other requests. Each action and each wait is followed by one GetSystem; a wait's polls "
                "depend on timing.")
    return figure
