"""State survives a SIGKILL in the middle of transitions; transitions resume on schedule."""

import time

from sim_helpers import SimulatorProcess, unique_name

IDENTITY = (
    "id",
    "name",
    "owner",
    "cloud",
    "product",
    "version",
    "image_id",
    "instance_type_id",
    "cu_per_hour",
    "disk_size_gb",
    "idle_interval",
    "tags",
    "created",
)


def identity(system):
    return {key: system[key] for key in IDENTITY}


def test_sigkill_mid_transition_then_restart(tmp_path):
    db = tmp_path / "state.sqlite"
    first = SimulatorProcess(tmp_path / "run1", db=db).start()
    try:
        client = first.client()
        token = client.login()
        held = client.create(token, name=unique_name("held"))
        stopping = client.started_system(token)
        configured = client.started_system(token)
        terminating = client.started_system(token)
        # From here on stopping, terminating and uploads take 2 s (100 s at speed 50).
        client.control_ok(
            "SetTiming", {"stopping_seconds": 100.0, "terminating_seconds": 100.0, "config_upload_seconds": 100.0}
        )
        client.act(token, "StopSystem", stopping["id"])
        client.act(token, "TerminateSystem", terminating["id"])
        client.ok("SystemService/UpdateConfigToml", {"id": configured["id"], "config_toml": "k = 'v'"}, token)
        # A hold long enough to outlast a restart on a busy machine.
        client.force(held["id"], "provisioning", hold_seconds=8.0)  # due in 8 s + 0.6 s
        forced_at = time.monotonic()
        before = {s["id"]: s for s in client.control_ok("ListAllSystems")["systems"]}
    finally:
        first.kill()  # SIGKILL: no shutdown of any kind

    assert (before[stopping["id"]]["status"], before[terminating["id"]]["status"]) == ("stopping", "terminating")
    second = SimulatorProcess(tmp_path / "run2", db=db).start()
    try:
        client = second.client()
        after = {s["id"]: s for s in client.control_ok("ListAllSystems")["systems"]}
        assert {i: identity(s) for i, s in after.items()} == {i: identity(s) for i, s in before.items()}
        # The first run's token is stored too; the held system waits for its stored due time.
        assert client.get(token, held["id"])["status"] == "provisioning"
        client.wait_status(token, held["id"], "started", timeout=15)
        assert time.monotonic() - forced_at >= 8.0, "the stored hold was honoured"
        client.wait_status(token, stopping["id"], "stopped", timeout=10)
        client.wait_status(token, terminating["id"], "terminated", timeout=10)
        deadline = time.monotonic() + 10
        while (
            client.ok("SystemService/GetConfigToml", {"id": configured["id"]}, token)["config_toml_status"]
            != "uploaded"
        ):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert len(client.control_ok("ListAllSystems")["systems"]) == 4
        live = sorted(s["id"] for s in client.ok("SystemService/ListSystems", {}, token)["systems"])
        assert live == sorted([held["id"], stopping["id"], configured["id"]])
    finally:
        second.stop()
