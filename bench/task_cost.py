"""Figure 3: the cost of an info module task and of a no-op puddle_system task against ansible.builtin.ping,
beside the floor (ping plus one loopback request), 50 tasks each, interleaved in one play."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys

from common import API_KEY_ID, API_SECRET_KEY, Figure
from playbook import run_playbook
from simulator import Simulator

TARGET_RATIO = 1.25
# A no-op puddle_system task (api_token: one request) against ping; the floor, ping plus that one
# request (bench/library/bench_ping_request.py), is printed beside it (issue 22, part 5).
TARGET_NOOP_RATIO = 1.10
NOOP_SYSTEM = "bench-noop"
KINDS = {
    "ping": "      ansible.builtin.ping:\n",
    "info_key": ("      puddle.cloud.puddle_images_info:\n        cloud: aws\n"
                 "        api_key_id: \"{{ api_key_id }}\"\n        api_secret_key: \"{{ api_secret_key }}\"\n"),
    "info_token": "      puddle.cloud.puddle_images_info:\n        cloud: aws\n        api_token: \"{{ token }}\"\n",
    # Puddle's own Python client (here its double, tests/puddle_client_double), for comparison only.
    "info_pyclient": ("      puddle.cloud.puddle_images_info:\n        cloud: aws\n        api_client: puddle_client\n"
                      "        api_key_id: \"{{ api_key_id }}\"\n        api_secret_key: \"{{ api_secret_key }}\"\n"
                      "      environment:\n        PYTHONPATH: \"{{ puddle_client_path }}\"\n"),
    "noop_system": ("      puddle.cloud.puddle_system:\n        name: %s\n        state: started\n"
                    "        api_token: \"{{ token }}\"\n" % NOOP_SYSTEM),
    "floor": ("      bench_ping_request:\n        server_address: \"{{ server_address }}\"\n"
              "        api_token: \"{{ token }}\"\n        name: %s\n" % NOOP_SYSTEM),
}
# Kinds measured for information, without a target.
UNTARGETED = ("ping", "info_pyclient", "floor")
TARGETS = {"noop_system": TARGET_NOOP_RATIO}
LABELS = {
    "ping": "ansible.builtin.ping",
    "info_key": "puddle_images_info, API key",
    "info_token": "puddle_images_info, api_token",
    "info_pyclient": "puddle_images_info, api_client=puddle_client (double)",
    "noop_system": "puddle_system no-op, api_token (1 request)",
    "floor": "floor: ping + 1 loopback request",
}
IMPORT_PROBE = """
import sys
import time
import ansible.module_utils.basic
started = time.perf_counter()
exec(sys.argv[1])
print(time.perf_counter() - started)
"""
# What a module process imports to talk to Puddle directly, and what requests would add instead.
IMPORTS = {
    "the client with its http.client transport":
        "import ansible_collections.puddle.cloud.plugins.module_utils.puddle_client, http.client, ssl",
    "requests": "import requests",
}


def write_playbook(path, count):
    """count tasks of each kind; the order rotates every round so that no kind always runs first."""
    kinds = list(KINDS)
    tasks = []
    for round_index in range(count):
        shift = round_index % len(kinds)
        for kind in kinds[shift:] + kinds[:shift]:
            tasks.append("    - name: %s %d\n%s" % (kind, round_index, KINDS[kind]))
    with open(path, "w", encoding="utf-8") as stream:
        stream.write(
            "---\n- name: Per-task cost\n  hosts: localhost\n  gather_facts: false\n"
            "  module_defaults:\n    group/puddle.cloud.puddle:\n      server_address: \"{{ server_address }}\"\n"
            "  tasks:\n"
            "    - name: Log in once\n      ansible.builtin.set_fact:\n"
            "        token: \"{{ lookup('puddle.cloud.puddle_token', server_address=server_address, "
            "api_key_id=api_key_id, api_secret_key=api_secret_key) }}\"\n      no_log: true\n"
            "    - name: The system the no-op tasks find started\n      puddle.cloud.puddle_system:\n"
            "        name: %s\n        cloud: aws\n        product: dai\n        version: 1.11.1\n"
            "        instance_type: m5.xlarge\n        tags:\n          project: bench\n        state: started\n"
            "        api_token: \"{{ token }}\"\n"
            % NOOP_SYSTEM
            + "".join(tasks))


def import_seconds(statement, runs=7):
    """Median time to run an import statement after ansible.module_utils.basic, in a fresh interpreter."""
    samples = [float(subprocess.check_output([sys.executable, "-c", IMPORT_PROBE, statement], text=True))
               for _run in range(runs)]
    return statistics.median(samples)


def measure(context):
    count = context.options.task_count
    figure = Figure(3, "Per-task cost: %d tasks of each kind, interleaved in one play" % count,
                    ["task", "tasks", "mean s/task", "ratio to ping", "target", "median ratio"])
    playbook = os.path.join(context.workdir, "task_cost.yml")
    write_playbook(playbook, count)
    # The floor's module, found by ansible-playbook in library/ beside the playbook.
    os.makedirs(os.path.join(context.workdir, "library"), exist_ok=True)
    shutil.copy(os.path.join(context.root, "bench", "library", "bench_ping_request.py"), os.path.join(context.workdir, "library"))
    with Simulator(context.workdir, name="task_cost") as sim:
        _wall, times = run_playbook(playbook, context.workdir, dict(
            server_address=sim.url, api_key_id=API_KEY_ID, api_secret_key=API_SECRET_KEY,
            puddle_client_path=os.path.join(context.root, "tests", "puddle_client_double")), "task_cost")
    seconds = dict((kind, []) for kind in KINDS)
    for record in times:
        kind = record["name"].split(" ")[0]
        if kind in seconds and record["status"] == "ok":
            seconds[kind].append(record["seconds"])
    ping_total = sum(seconds["ping"])
    for kind, values in seconds.items():
        if len(values) != count:
            raise RuntimeError("%s: %d of %d tasks succeeded" % (kind, len(values), count))
        ratio = sum(values) / ping_total
        median_ratio = statistics.median(values) / statistics.median(seconds["ping"])
        if kind in UNTARGETED:
            figure.add(LABELS[kind], len(values), sum(values) / len(values), ratio, "-", median_ratio)
        else:
            target = TARGETS.get(kind, TARGET_RATIO)
            figure.add(LABELS[kind], len(values), sum(values) / len(values), ratio, "<= %.2f" % target, median_ratio,
                       check=ratio <= target)
    ping_mean = ping_total / count
    floor = sum(seconds["floor"]) / ping_total
    figure.note("no-op puddle_system / ping: %.2f, beside the floor (ping + 1 loopback request) / ping: %.2f; "
                "what the collection adds above the floor: %.0f ms per task."
                % (sum(seconds["noop_system"]) / ping_total, floor,
                   1000 * (sum(seconds["noop_system"]) - sum(seconds["floor"])) / count))
    figure.note("ratio to ping = total time of the kind / total time of the ping tasks (the target's measure); "
                "median ratio = the same with medians, less sensitive to a task that another process delayed.")
    for label, statement in IMPORTS.items():
        importing = import_seconds(statement)
        figure.note("importing %s in a fresh interpreter: %.0f ms (median of 7), %.0f%% of a ping task."
                    % (label, importing * 1000, 100 * importing / ping_mean))
    return figure
