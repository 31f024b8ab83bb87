"""Users see only their own systems: another user's system is not_found, never forbidden."""

import pytest

ID_METHODS = [
    "GetSystem",
    "StartSystem",
    "StopSystem",
    "RestartSystem",
    "FailSystem",
    "TerminateSystem",
    "RefreshIdleTimeout",
    "GetConfigToml",
]


@pytest.fixture(scope="module")
def demos_system(client, demo):
    return client.started_system(demo)


@pytest.mark.parametrize("rpc", ID_METHODS + ["UpdateConfigToml"])
def test_other_users_system_is_not_found(client, other, demos_system, rpc):
    body = {"id": demos_system["id"]}
    if rpc == "UpdateConfigToml":
        body["config_toml"] = "a = 1"
    answer = client.call("SystemService/" + rpc, body, other)
    assert (answer.status, answer.code) == (404, "not_found")


def test_other_user_cannot_list_or_find(client, demo, other, demos_system):
    assert demos_system["id"] not in [s["id"] for s in client.ok("SystemService/ListSystems", {}, other)["systems"]]
    assert client.ok("SystemService/FindSystemByName", {"name": demos_system["name"]}, other)["system"] is None
    # The owner's system is untouched by the attempts.
    system = client.get(demo, demos_system["id"])
    assert (system["status"], system["config_toml_status"]) == ("started", "none")


def test_names_are_unique_per_user_only(client, other, demos_system):
    theirs = client.create(other, name=demos_system["name"])
    assert theirs["owner"] == "user-other" and theirs["id"] != demos_system["id"]
