"""The control API's request log (docs/api.md §8): who did what, committed or not, answered or dropped."""

import hashlib

import pytest
import requests

from sim_helpers import USERS, unique_name


def log_after(client, after_seq=0):
    return client.control_ok("GetRequestLog", {"after_seq": after_seq})


def last_seq(client):
    entries = log_after(client)["entries"]
    return entries[-1]["seq"] if entries else 0


def token_id(token):
    return hashlib.sha256(token.encode()).hexdigest()[:16]


def test_each_call_is_logged_in_order_with_user_key_token_system_and_outcome(client, demo, other):
    start = last_seq(client)
    system = client.create(demo, name=unique_name())
    client.get(demo, system["id"])
    refused = client.act(demo, "StartSystem", system["id"])  # provisioning: not allowed
    assert refused.code == "failed_precondition"
    assert client.call("SystemService/GetSystem", {"id": system["id"]}, other).code == "not_found"
    entries = log_after(client, start)["entries"]
    assert [entry["seq"] for entry in entries] == list(range(start + 1, start + 5))
    assert [entry["time"] for entry in entries] == sorted(entry["time"] for entry in entries)
    shapes = [
        (e["method"], e["changing"], e["user"], e["key_id"], e["token_id"], e["system_id"], e["committed"], e["error"],
         e["fault"], e["answer"])
        for e in entries
    ]
    assert shapes == [
        ("SystemService/CreateSystem", True, "user-demo", "demo-key-id", token_id(demo), system["id"], True, None,
         None, "delivered"),
        ("SystemService/GetSystem", False, "user-demo", "demo-key-id", token_id(demo), system["id"], True, None,
         None, "delivered"),
        ("SystemService/StartSystem", True, "user-demo", "demo-key-id", token_id(demo), system["id"], False,
         "failed_precondition", None, "delivered"),
        ("SystemService/GetSystem", False, "user-other", "other-key-id", token_id(other), system["id"], False,
         "not_found", None, "delivered"),
    ]
    assert entries[0]["name"] == system["name"]


def test_login_names_the_key_and_the_token_it_issued_and_never_a_secret(client):
    start = last_seq(client)
    token = client.login("other")
    wrong = client.call("AuthService/Login", {"api_key_id": "other-key-id", "api_secret_key": "not-it"})
    assert wrong.code == "unauthenticated"
    entries = log_after(client, start)["entries"]
    assert [(e["method"], e["user"], e["key_id"], e["token_id"], e["committed"], e["error"]) for e in entries] == [
        ("AuthService/Login", "user-other", "other-key-id", token_id(token), True, None),
        ("AuthService/Login", None, None, None, False, "unauthenticated"),
    ]
    text = str(client.control_ok("GetRequestLog"))
    for secret in [pair[1] for pair in USERS.values()] + [token, "not-it"]:
        assert secret not in text


def test_injected_errors_and_dropped_answers_are_told_apart(client, demo):
    client.control_ok("SetFaults", {"unavailable_rate": 1.0})
    start = last_seq(client)
    assert client.call("SystemService/ListSystems", {}, demo).code == "unavailable"
    client.control_ok("SetFaults", {"unavailable_rate": 0.0, "resource_exhausted_rate": 1.0, "retry_after_seconds": 1})
    assert client.call("SystemService/ListSystems", {}, demo).code == "resource_exhausted"
    client.control_ok("SetFaults", {"resource_exhausted_rate": 0.0, "drop_rate": 1.0})
    name = unique_name()
    body = {"name": name, "cloud": "aws", "product": "dai", "version": "1.11.1", "instance_type_name": "m5.xlarge",
            "tags": [{"name": "project", "value": "tests"}]}
    with pytest.raises(requests.ConnectionError):
        client.post("/twirp/puddle.v2.SystemService/CreateSystem", data=__import__("json").dumps(body),
                    headers={"Content-Type": "application/json", "X-Puddle-Token": demo})
    client.control_ok("SetFaults", {"drop_rate": 0.0, "drop_after_commit_rate": 1.0})
    with pytest.raises(requests.ConnectionError):
        client.post("/twirp/puddle.v2.SystemService/CreateSystem", data=__import__("json").dumps(body),
                    headers={"Content-Type": "application/json", "X-Puddle-Token": demo})
    client.control_ok("SetFaults", {"drop_after_commit_rate": 0.0})
    created = client.ok("SystemService/FindSystemByName", {"name": name}, demo)["system"]
    entries = log_after(client, start)["entries"]
    assert [(e["method"], e["committed"], e["error"], e["fault"], e["answer"]) for e in entries] == [
        ("SystemService/ListSystems", False, "unavailable", "unavailable", "delivered"),
        ("SystemService/ListSystems", False, "resource_exhausted", "resource_exhausted", "delivered"),
        ("SystemService/CreateSystem", False, None, "drop", "dropped"),
        ("SystemService/CreateSystem", True, None, "drop_after_commit", "dropped"),
        ("SystemService/FindSystemByName", True, None, None, "delivered"),
    ]
    # The committed-then-dropped create names the system it made; the dropped one was never handled.
    assert entries[3]["system_id"] == created["id"] and entries[3]["user"] == "user-demo"
    assert entries[2]["system_id"] is None and entries[2]["token_id"] == token_id(demo)
    assert entries[4]["system_id"] == created["id"] and entries[4]["name"] == name


def test_control_calls_are_not_logged_and_clear_empties_the_log(client, demo):
    client.ok("TagService/ListTags", {}, demo)
    assert log_after(client)["entries"]
    client.control_ok("ClearRequestLog")
    client.control_ok("GetFaults")
    assert log_after(client) == {"entries": [], "size": 10000, "overwritten": 0}
    client.ok("TagService/ListTags", {}, demo)
    (entry,) = log_after(client)["entries"]
    assert entry["method"] == "TagService/ListTags"


def test_after_seq_reads_only_newer_entries_and_bad_requests_are_refused(client, demo):
    client.ok("TagService/ListTags", {}, demo)
    newest = last_seq(client)
    assert log_after(client, newest)["entries"] == []
    answer = client.control("GetRequestLog", {"after_seq": -1})
    assert (answer.status, answer.body["meta"]["field"], answer.body["meta"]["rule"]) == (400, "after_seq", "range")
    assert client.control("GetRequestLog", {"after": 1}).body["meta"]["rule"] == "unknown_field"
    assert client.control("GetRequestLog", {}, token="wrong").status == 401


def test_the_ring_keeps_the_newest_entries_and_counts_the_overwritten(start_sim):
    sim = start_sim("--request-log-size", "40")
    client = sim.client()
    token = client.login("demo")
    total = 40 + 25  # the login and the list calls
    for _call in range(total - 1):
        client.ok("TagService/ListTags", {}, token)
    log = log_after(client)
    assert (len(log["entries"]), log["size"], log["overwritten"]) == (40, 40, 25)
    assert (log["entries"][0]["seq"], log["entries"][-1]["seq"]) == (26, total)


def test_the_ring_size_flag_is_checked(start_sim):
    with pytest.raises(RuntimeError, match="--request-log-size must be 1 to 1000000"):
        start_sim("--request-log-size", "0")
