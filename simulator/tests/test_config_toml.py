"""config.toml (docs/api.md §6): asynchronous upload, applied by a restart."""

from sim_helpers import unique_name


def config_of(client, token, system_id):
    return client.ok("SystemService/GetConfigToml", {"id": system_id}, token)


def test_upload_then_restart_applies(client, demo):
    system = client.started_system(demo)
    assert config_of(client, demo, system["id"]) == {
        "config_toml": "",
        "applied_config_toml": "",
        "config_toml_status": "none",
    }
    text = 'max_runtime_minutes = 60\n[section]\nname = "x"\n'
    client.control_ok("SetTiming", {"config_upload_seconds": 20.0})  # 0.4 s at speed 50
    updated = client.ok("SystemService/UpdateConfigToml", {"id": system["id"], "config_toml": text}, demo)["system"]
    assert updated["config_toml_status"] == "uploading"
    assert config_of(client, demo, system["id"])["config_toml_status"] == "uploading"
    waited = client.wait_config_status(demo, system["id"], "uploaded")
    assert (waited["config_toml"], waited["applied_config_toml"]) == (text, "")
    client.act(demo, "RestartSystem", system["id"])
    client.wait_status(demo, system["id"], "started")
    assert config_of(client, demo, system["id"]) == {
        "config_toml": text,
        "applied_config_toml": text,
        "config_toml_status": "applied",
    }
    assert client.get(demo, system["id"])["config_toml_status"] == "applied"


def test_stop_and_start_do_not_apply(client, demo):
    system = client.started_system(demo)
    client.ok("SystemService/UpdateConfigToml", {"id": system["id"], "config_toml": "a = 1"}, demo)
    client.wait_config_status(demo, system["id"], "uploaded")
    client.act(demo, "StopSystem", system["id"])
    client.wait_status(demo, system["id"], "stopped")
    client.act(demo, "StartSystem", system["id"])
    client.wait_status(demo, system["id"], "started")
    assert config_of(client, demo, system["id"])["config_toml_status"] == "uploaded"


def test_config_toml_rules(client, demo):
    system = client.started_system(demo)
    cases = [
        ({"id": system["id"], "config_toml": "a = "}, "config_toml", "toml_syntax"),
        ({"id": system["id"], "config_toml": "[[[x"}, "config_toml", "toml_syntax"),
        ({"id": system["id"], "config_toml": "a = '" + "é" * (512 * 1024) + "'"}, "config_toml", "max_size"),
        ({"id": system["id"], "config_toml": 5}, "config_toml", "type"),
        ({"id": system["id"]}, "config_toml", "required"),
        ({"id": system["id"], "config_toml": "a = 1", "apply": True}, "apply", "unknown_field"),
    ]
    for body, field, rule in cases:
        answer = client.call("SystemService/UpdateConfigToml", body, demo)
        assert (answer.code, answer.meta["field"], answer.meta["rule"]) == (
            "invalid_argument",
            field,
            rule,
        ), body.keys()
    assert config_of(client, demo, system["id"])["config_toml_status"] == "none"
    # Exactly 1 MiB of UTF-8 is accepted, one byte more is not.
    limit = "a = '" + "x" * (1024 * 1024 - 6) + "'"
    assert len(limit.encode()) == 1024 * 1024
    over = client.call("SystemService/UpdateConfigToml", {"id": system["id"], "config_toml": limit + " "}, demo)
    assert (over.meta["field"], over.meta["rule"]) == ("config_toml", "max_size")
    assert client.call("SystemService/UpdateConfigToml", {"id": system["id"], "config_toml": limit}, demo).status == 200


def test_get_config_toml_needs_a_live_dai_system(client, demo):
    h2o3 = client.create(demo, product="h2o3", version="3.46.0.1")
    answer = client.call("SystemService/GetConfigToml", {"id": h2o3["id"]}, demo)
    assert (answer.code, answer.meta["action"]) == ("failed_precondition", "get_config_toml")
    dai = client.create(demo, name=unique_name())
    assert config_of(client, demo, dai["id"])["config_toml_status"] == "none"
    client.force(dai["id"], "terminated")
    answer = client.call("SystemService/GetConfigToml", {"id": dai["id"]}, demo)
    assert (answer.code, answer.meta["status"]) == ("failed_precondition", "terminated")


def test_upload_failure_fault(client, demo):
    system = client.started_system(demo)
    client.control_ok("SetFaults", {"config_upload_failure_rate": 1.0})
    client.ok("SystemService/UpdateConfigToml", {"id": system["id"], "config_toml": "a = 1"}, demo)
    failed = client.wait_config_status(demo, system["id"], "failed")
    assert failed["applied_config_toml"] == ""
    client.act(demo, "RestartSystem", system["id"])
    client.wait_status(demo, system["id"], "started")
    assert config_of(client, demo, system["id"])["config_toml_status"] == "failed"
