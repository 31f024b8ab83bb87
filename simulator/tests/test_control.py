"""The simulator's control API (docs/api.md §8)."""

import pytest

from sim_helpers import FAULTS_OFF


@pytest.mark.parametrize("token, reason", [(None, "missing_token"), ("wrong", "invalid_token")])
def test_control_needs_its_token(client, token, reason):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["X-Simulator-Control-Token"] = token
    response = client.post("/twirp/puddle.sim.v1.Control/GetFaults", data=b"{}", headers=headers)
    assert (response.status_code, response.json()["code"], response.json()["meta"]["reason"]) == (
        401,
        "unauthenticated",
        reason,
    )


def test_puddle_tokens_do_not_open_the_control_api(client, demo):
    response = client.post("/twirp/puddle.sim.v1.Control/GetFaults", data=b"{}", headers={"X-Puddle-Token": demo})
    assert response.status_code == 401


def test_get_and_set_faults(client):
    assert client.control_ok("GetFaults") == FAULTS_OFF
    changed = client.control_ok("SetFaults", {"drop_rate": 0.25, "latency_ms_max": 5})
    assert changed == dict(FAULTS_OFF, drop_rate=0.25, latency_ms_max=5)
    assert client.control_ok("GetFaults") == changed


@pytest.mark.parametrize(
    "body, field, rule",
    [
        ({"drop_rate": 1.5}, "drop_rate", "range"),
        ({"unavailable_rate": -0.1}, "unavailable_rate", "range"),
        ({"retry_after_seconds": "3"}, "retry_after_seconds", "type"),
        ({"seed": 1.5}, "seed", "type"),
        ({"loud": True}, "loud", "unknown_field"),
    ],
)
def test_set_faults_validates(client, body, field, rule):
    answer = client.control("SetFaults", body)
    assert (answer.status, answer.meta["field"], answer.meta["rule"]) == (400, field, rule)
    assert client.control_ok("GetFaults") == FAULTS_OFF


def test_set_timing(client, demo):
    values = client.control_ok("SetTiming", {})
    assert values["speed"] == 50.0 and values["provisioning_seconds"] == 30.0
    changed = client.control_ok("SetTiming", {"speed": 100.0, "starting_seconds": 1.0})
    assert (changed["speed"], changed["starting_seconds"], changed["minute_seconds"]) == (100.0, 1.0, 1.0)
    assert client.control("SetTiming", {"speed": 0}).meta == {"field": "speed", "rule": "range"}


def test_force_system_status_validates(client, demo):
    system = client.create(demo)
    assert client.control("ForceSystemStatus", {"system_id": system["id"], "status": "sleeping"}).meta["rule"] == "enum"
    assert (
        client.control("ForceSystemStatus", {"system_id": system["id"], "status": "stopped", "hold_seconds": -1}).meta[
            "rule"
        ]
        == "range"
    )
    assert client.control("ForceSystemStatus", {"system_id": "nope", "status": "stopped"}).body["code"] == "not_found"


def test_list_all_systems_spans_users_and_terminated(client, demo, other):
    mine = client.create(demo)
    theirs = client.create(other)
    client.force(theirs["id"], "terminated")
    listed = {s["id"]: s for s in client.control_ok("ListAllSystems")["systems"]}
    assert listed[mine["id"]]["owner"] == "user-demo"
    assert listed[theirs["id"]]["status"] == "terminated"


def test_set_cu_pool(client):
    consumed = client.control_ok("SetCUPool", {"size": 0})["consumed_cu"]
    assert client.control_ok("SetCUPool", {"size": consumed + 5}) == {"available_cu": 5, "consumed_cu": consumed}
    assert client.control("SetCUPool", {"size": -1}).meta["rule"] == "range"
    assert client.control_ok("SetCUPool", {"size": 1000})["available_cu"] == 1000 - consumed


def test_control_calls_are_never_counted_nor_faulted(client):
    client.control_ok("ResetRequestCounts")
    client.control_ok("SetFaults", {"unavailable_rate": 1.0, "drop_rate": 1.0})
    for _attempt in range(3):
        assert client.control("GetFaults").status == 200
    client.control_ok("SetFaults", FAULTS_OFF)
    assert client.control_ok("GetRequestCounts")["total"] == 0
