"""The state machine of docs/api.md §3: automatic transitions, user actions, preconditions."""

import time

import pytest

from sim_helpers import unique_name

ACTIONS = {
    # RPC: (action name in meta, statuses it is allowed from, status it leads to)
    "StartSystem": ("start", {"stopped"}, "starting"),
    "StopSystem": ("stop", {"started", "failed"}, "stopping"),
    "RestartSystem": ("restart", {"started"}, "restarting"),
    "FailSystem": ("fail", {"provisioning", "stopping"}, "failed"),
    "TerminateSystem": ("terminate", {"started", "stopped", "failed"}, "terminating"),
    "RefreshIdleTimeout": ("refresh_idle_timeout", {"started"}, "started"),
    "UpdateConfigToml": ("update_config_toml", {"started"}, "started"),
}
FLAGS = {
    "StartSystem": "can_start",
    "StopSystem": "can_stop",
    "RestartSystem": "can_restart",
    "FailSystem": "can_fail",
    "TerminateSystem": "can_terminate",
    "RefreshIdleTimeout": "can_refresh_idle_timeout",
    "UpdateConfigToml": "can_update_config_toml",
}
ALL_STATUSES = [
    "provisioning",
    "starting",
    "started",
    "stopping",
    "stopped",
    "restarting",
    "failed",
    "terminating",
    "terminated",
]
SUB_STATUSES = {
    "provisioning": ("provisioning", "none"),
    "starting": ("starting", "starting"),
    "started": ("running", "running"),
    "stopping": ("stopping", "stopping"),
    "stopped": ("stopped", "stopped"),
    "restarting": ("running", "restarting"),
    "failed": ("failed", "failed"),
    "terminating": ("terminating", "none"),
    "terminated": ("terminated", "none"),
}


def action_body(rpc, system_id):
    return {"id": system_id, "config_toml": "a = 1"} if rpc == "UpdateConfigToml" else {"id": system_id}


@pytest.fixture(scope="module")
def held_system(client, demo):
    """A DAI system the precondition tests put in each status in turn."""
    return client.create(demo)


@pytest.mark.parametrize("status", ALL_STATUSES)
def test_forced_statuses_have_consistent_sub_statuses_and_flags(client, demo, held_system, status):
    system = client.force(held_system["id"], status, hold_seconds=60)
    assert (system["vm_status"], system["product_status"]) == SUB_STATUSES[status]
    for rpc, flag in FLAGS.items():
        assert system[flag] == (status in ACTIONS[rpc][1]), flag
    assert (system["idle_deadline"] is not None) == (status == "started")
    assert (system["url"] is None) == (status == "terminated")
    assert client.get(demo, held_system["id"]) == system


@pytest.mark.parametrize("rpc", sorted(ACTIONS))
@pytest.mark.parametrize("status", ALL_STATUSES)
def test_every_precondition_of_every_action(client, demo, held_system, rpc, status):
    client.force(held_system["id"], status, hold_seconds=60)
    action, allowed_from, leads_to = ACTIONS[rpc]
    answer = client.call("SystemService/" + rpc, action_body(rpc, held_system["id"]), demo)
    if status in allowed_from:
        assert answer.status == 200, answer
        assert answer.body["system"]["status"] == leads_to
    else:
        assert (answer.status, answer.code) == (412, "failed_precondition")
        assert answer.meta == {"status": status, "action": action}
        assert client.get(demo, held_system["id"])["status"] == status


def test_update_config_toml_needs_a_dai_system(client, demo):
    system = client.started_system(demo, product="h2o3", version="3.46.0.1")
    assert system["can_update_config_toml"] is False
    answer = client.call("SystemService/UpdateConfigToml", {"id": system["id"], "config_toml": "a = 1"}, demo)
    assert (answer.code, answer.meta["status"], answer.meta["action"]) == (
        "failed_precondition",
        "started",
        "update_config_toml",
    )


def test_provisioning_then_started_on_its_own(client, demo):
    system = client.create(demo)
    started = client.wait_status(demo, system["id"], "started")
    assert (started["vm_status"], started["product_status"]) == ("running", "running")
    assert started["address"] and started["idle_deadline"]
    assert started["updated"] >= system["updated"]
    assert [started[flag] for flag in ("can_stop", "can_restart", "can_terminate", "can_refresh_idle_timeout")] == [
        True
    ] * 4


def test_stop_start_restart_terminate(client, demo):
    system = client.started_system(demo)
    address = system["address"]
    stopping = client.act(demo, "StopSystem", system["id"]).body["system"]
    assert (stopping["status"], stopping["idle_deadline"]) == ("stopping", None)
    stopped = client.wait_status(demo, system["id"], "stopped")
    assert stopped["address"] == address, "the VM keeps its address while it exists"
    assert client.act(demo, "StartSystem", system["id"]).body["system"]["status"] == "starting"
    client.wait_status(demo, system["id"], "started")
    assert client.act(demo, "RestartSystem", system["id"]).body["system"]["status"] == "restarting"
    client.wait_status(demo, system["id"], "started")
    assert client.act(demo, "TerminateSystem", system["id"]).body["system"]["status"] == "terminating"
    terminated = client.wait_status(demo, system["id"], "terminated")
    assert (terminated["vm_status"], terminated["address"], terminated["url"]) == ("terminated", None, None)
    assert not any(terminated[flag] for flag in FLAGS.values())
    names = [s["name"] for s in client.ok("SystemService/ListSystems", {}, demo)["systems"]]
    assert system["name"] not in names
    assert client.ok("SystemService/FindSystemByName", {"name": system["name"]}, demo)["system"] is None


def test_fail_while_provisioning_and_stop_a_failed_system(client, demo):
    system = client.create(demo)
    failed = client.act(demo, "FailSystem", system["id"]).body["system"]
    assert (failed["status"], failed["vm_status"], failed["failure_reason"]) == (
        "failed",
        "failed",
        "marked as failed by the user",
    )
    assert (failed["can_stop"], failed["can_terminate"], failed["can_start"]) == (True, True, False)
    client.act(demo, "StopSystem", system["id"])
    stopped = client.wait_status(demo, system["id"], "stopped")
    assert stopped["failure_reason"] is None


def test_refresh_idle_timeout_moves_the_deadline(client, demo):
    system = client.started_system(demo, idle_interval=120)
    client.ok("SystemService/RefreshIdleTimeout", {"id": system["id"]}, demo)
    time.sleep(1.1)
    refreshed = client.act(demo, "RefreshIdleTimeout", system["id"]).body["system"]
    assert refreshed["idle_deadline"] > system["idle_deadline"]
    assert refreshed["status"] == "started"


def test_list_systems_oldest_first_and_find_by_name(client):
    token = client.login("other")
    names = [unique_name("order") for _index in range(3)]
    created = [client.create(token, name=name) for name in names]
    listed = [s["id"] for s in client.ok("SystemService/ListSystems", {}, token)["systems"]]
    positions = [listed.index(system["id"]) for system in created]
    assert positions == sorted(positions)
    assert client.ok("SystemService/FindSystemByName", {"name": names[1]}, token)["system"]["id"] == created[1]["id"]
    assert client.ok("SystemService/FindSystemByName", {"name": "no-such-system"}, token) == {"system": None}


@pytest.mark.parametrize("rpc", sorted(ACTIONS) + ["GetSystem", "GetConfigToml"])
def test_unknown_ids_are_not_found(client, demo, rpc):
    answer = client.call("SystemService/" + rpc, action_body(rpc, "sys-does-not-exist"), demo)
    assert (answer.status, answer.code) == (404, "not_found")


@pytest.mark.parametrize("rpc", sorted(ACTIONS) + ["GetSystem", "GetConfigToml"])
def test_id_must_be_a_string(client, demo, rpc):
    answer = client.call("SystemService/" + rpc, dict(action_body(rpc, "x"), id=12), demo)
    assert (answer.code, answer.meta["field"], answer.meta["rule"]) == ("invalid_argument", "id", "type")
    answer = client.call(
        "SystemService/" + rpc, {key: value for key, value in action_body(rpc, "x").items() if key != "id"}, demo
    )
    assert (answer.code, answer.meta["field"], answer.meta["rule"]) == ("invalid_argument", "id", "required")


def test_forced_hold_delays_the_automatic_transition(client, demo):
    system = client.create(demo)
    client.force(system["id"], "provisioning", hold_seconds=1.0)
    time.sleep(0.8)
    assert client.get(demo, system["id"])["status"] == "provisioning"
    client.wait_status(demo, system["id"], "started", timeout=5)


def test_terminated_systems_stay_visible_for_a_day_of_puddle_minutes(client, demo):
    # 24 h are 1440 Puddle minutes; at 1 ms a minute that is 1.44 s.
    system = client.started_system(demo)
    client.control_ok("SetTiming", {"minute_seconds": 0.001})
    client.force(system["id"], "terminated")
    assert client.get(demo, system["id"])["status"] == "terminated"
    time.sleep(1.6)
    assert client.call("SystemService/GetSystem", {"id": system["id"]}, demo).code == "not_found"
    listed = {s["id"]: s for s in client.control_ok("ListAllSystems")["systems"]}
    assert listed[system["id"]]["status"] == "terminated"
