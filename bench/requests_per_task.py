"""Figure 1: requests per no-change task of every module, with the API key and with a token."""

from __future__ import annotations

import json
import os

from common import API_KEY_ID, API_SECRET_KEY, Figure, PuddleClient
from playbook import run_playbook
from simulator import Simulator

SYSTEM_NAME = "bench-steady"
CONFIG_TOML = "# bench\n[server]\nmax_runtime_minutes = 60\n"
# The documented requests of each no-change task, without the login (docs/performance.md).
OWN_REQUESTS = {
    "lookup puddle_token": 1,
    "puddle_login": 1,
    "puddle_system (converged)": 1,
    "puddle_system_info (name)": 1,
    "puddle_system_info (list)": 1,
    "puddle_images_info": 1,
    "puddle_instance_types_info": 1,
    "puddle_tags_info": 1,
    "puddle_config_toml (unchanged)": 2,
}
LOGIN_ONLY = ("lookup puddle_token", "puddle_login")


def measure(context):
    figure = Figure(1, "Requests per no-change task (simulator counters)",
                    ["task", "with API key", "target", "with api_token", "target", "key/token", "methods (token)"])
    with Simulator(context.workdir, name="requests") as sim:
        client = PuddleClient(sim.url, API_KEY_ID, API_SECRET_KEY)
        system = client.create_system(SYSTEM_NAME, "aws", image_id="aws-dai-1.11.1", instance_type_id="aws-m5.xlarge",
                                      tags={"project": "bench"})
        client.wait_for_system_started(system["id"], timeout=120, poll_interval=0.2)
        client.update_config_toml(system["id"], CONFIG_TOML)
        client.wait_for_config_toml_uploaded(system["id"], timeout=60, poll_interval=0.2)
        results_file = os.path.join(context.workdir, "requests.json")
        run_playbook("requests.yml", context.workdir, dict(
            server_address=sim.url, control_url=sim.url + "/twirp/puddle.sim.v1.Control", control_token=sim.control_token,
            api_key_id=API_KEY_ID, api_secret_key=API_SECRET_KEY, system_name=SYSTEM_NAME, config_toml=CONFIG_TOML,
            results_file=results_file), "requests")
        with open(results_file, encoding="utf-8") as stream:
            measured = json.load(stream)
    by_task = {}
    for entry in measured:
        by_task.setdefault(entry["task"], {})[entry["auth"]] = entry["counts"]
    for task, own in OWN_REQUESTS.items():
        counts = by_task.get(task, {})
        with_key = sum(counts.get("key", {}).values()) if "key" in counts else None
        if task in LOGIN_ONLY:
            figure.add(task, with_key, own, "-", "-", "-", ", ".join(sorted(counts.get("key", {}))),
                       check=with_key == own)
            continue
        with_token = sum(counts.get("token", {}).values())
        figure.add(task, with_key, own + 1, with_token, own, "%d/%d" % (with_key, with_token),
                   ", ".join(sorted(counts.get("token", {}))), check=with_key == own + 1 and with_token == own)
    figure.note("target: the documented count, login included with the API key; with api_token no login is sent.")
    return figure
