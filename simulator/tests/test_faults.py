"""Fault injection (docs/api.md §8): each knob, from SetFaults and from command-line flags."""

import time

import pytest
import requests

from sim_helpers import Client, unique_name


def test_unavailable_rate_one_fails_every_puddle_call_but_nothing_else(client, demo):
    client.control_ok("SetFaults", {"unavailable_rate": 1.0})
    for route, body in (("AuthService/Login", {}), ("SystemService/ListSystems", {}), ("SystemService/NoSuch", None)):
        if body is None:
            continue
        answer = client.call(route, body, demo)
        assert (answer.status, answer.code) == (503, "unavailable")
    assert client.post("/twirp/puddle.v2.SystemService/NoSuch", data=b"{}").json()["code"] == "bad_route"
    assert client.control("GetFaults").status == 200
    assert requests.get(client.url("/healthz"), timeout=10).status_code == 200
    client.control_ok("SetFaults", {"unavailable_rate": 0.0})
    assert client.call("SystemService/ListSystems", {}, demo).status == 200


def test_resource_exhausted_carries_retry_after(client, demo):
    client.control_ok("SetFaults", {"resource_exhausted_rate": 1.0, "retry_after_seconds": 7})
    answer = client.call("SystemService/ListSystems", {}, demo)
    assert (answer.status, answer.code, answer.headers["Retry-After"], answer.meta["retry_after"]) == (
        429,
        "resource_exhausted",
        "7",
        "7",
    )


def test_latency_is_added_to_puddle_calls_only(client, demo):
    client.control_ok("SetFaults", {"latency_ms_min": 300, "latency_ms_max": 400})
    started = time.monotonic()
    client.ok("SystemService/ListSystems", {}, demo)
    elapsed = time.monotonic() - started
    assert 0.3 <= elapsed < 2.0
    started = time.monotonic()
    client.control_ok("GetFaults")
    assert time.monotonic() - started < 0.25


def test_partial_rates_follow_the_seed(client, demo):
    def outcomes():
        client.control_ok("SetFaults", {"unavailable_rate": 0.5, "seed": 42})
        return [client.call("TagService/ListTags", {}, demo).status for _call in range(30)]

    first = outcomes()
    assert set(first) == {200, 503}
    assert outcomes() == first


def test_drop_closes_the_connection_before_handling(client, demo):
    client.control_ok("SetFaults", {"drop_rate": 1.0})
    client.control_ok("ResetRequestCounts")
    name = unique_name()
    body = {
        "name": name,
        "cloud": "aws",
        "image_id": "aws-dai-1.11.1",
        "instance_type_id": "aws-m5.xlarge",
        "tags": [{"name": "project", "value": "p"}],
    }
    with pytest.raises(requests.ConnectionError):
        Client(client.base_url).call("SystemService/CreateSystem", body, demo)
    client.control_ok("SetFaults", {"drop_rate": 0.0})
    assert client.ok("SystemService/FindSystemByName", {"name": name}, demo)["system"] is None
    counts = client.control_ok("GetRequestCounts")["counts"]
    assert counts["SystemService/CreateSystem"] == 1


def test_drop_after_commit_keeps_the_effect(client, demo):
    system = client.started_system(demo)
    client.control_ok("SetFaults", {"drop_after_commit_rate": 1.0})
    name = unique_name()
    body = {
        "name": name,
        "cloud": "aws",
        "image_id": "aws-dai-1.11.1",
        "instance_type_id": "aws-m5.xlarge",
        "tags": [{"name": "project", "value": "p"}],
    }
    with pytest.raises(requests.ConnectionError):
        Client(client.base_url).call("SystemService/CreateSystem", body, demo)
    with pytest.raises(requests.ConnectionError):
        Client(client.base_url).call("SystemService/StopSystem", {"id": system["id"]}, demo)
    client.control_ok("SetFaults", {"drop_after_commit_rate": 0.0})
    created = client.ok("SystemService/FindSystemByName", {"name": name}, demo)["system"]
    assert created is not None and created["status"] in ("provisioning", "started")
    assert [s["name"] for s in client.ok("SystemService/ListSystems", {}, demo)["systems"]].count(name) == 1
    assert client.get(demo, system["id"])["status"] in ("stopping", "stopped")


def test_provisioning_failure(client, demo):
    client.control_ok("SetFaults", {"provisioning_failure_rate": 1.0})
    system = client.create(demo)
    failed = client.wait_status(demo, system["id"], ("failed", "started"))
    assert (failed["status"], failed["vm_status"]) == ("failed", "failed")
    assert "provisioning" in failed["failure_reason"]
    assert failed["address"] is None


def test_start_failure(client, demo):
    system = client.started_system(demo)
    client.act(demo, "StopSystem", system["id"])
    client.wait_status(demo, system["id"], "stopped")
    client.control_ok("SetFaults", {"start_failure_rate": 1.0})
    client.act(demo, "StartSystem", system["id"])
    failed = client.wait_status(demo, system["id"], ("failed", "started"))
    assert failed["status"] == "failed" and "start" in failed["failure_reason"]


def test_counts_include_errors_and_faults(client, demo):
    client.control_ok("ResetRequestCounts")
    client.call("SystemService/GetSystem", {"id": "nope"}, demo)
    client.call("SystemService/GetSystem", {"id": 1}, demo)
    client.call("SystemService/ListSystems", {})
    client.control_ok("SetFaults", {"unavailable_rate": 1.0})
    client.call("SystemService/ListSystems", {}, demo)
    client.post("/twirp/puddle.v2.SystemService/Nope", data=b"{}")
    client.control_ok("SetFaults", {"unavailable_rate": 0.0})
    assert client.control_ok("GetRequestCounts") == {
        "counts": {"SystemService/GetSystem": 2, "SystemService/ListSystems": 2},
        "total": 4,
    }
    assert client.control_ok("ResetRequestCounts") == {}
    assert client.control_ok("GetRequestCounts") == {"counts": {}, "total": 0}


def test_faults_from_command_line_flags(start_sim):
    sim = start_sim(
        "--fault-unavailable-rate",
        "1.0",
        "--fault-retry-after-seconds",
        "4",
        "--fault-latency-ms-min",
        "5",
        "--fault-latency-ms-max",
        "9",
        "--fault-seed",
        "3",
        "--fault-start-failure-rate",
        "0.25",
    )
    client = sim.client()
    answer = client.call("AuthService/Login", {"api_key_id": "demo-key-id", "api_secret_key": "demo-secret-key"})
    assert answer.code == "unavailable"
    knobs = client.control_ok("GetFaults")
    assert knobs["unavailable_rate"] == 1.0 and knobs["retry_after_seconds"] == 4 and knobs["seed"] == 3
    assert (knobs["latency_ms_min"], knobs["latency_ms_max"], knobs["start_failure_rate"]) == (5, 9, 0.25)
    assert knobs["drop_rate"] == 0.0
