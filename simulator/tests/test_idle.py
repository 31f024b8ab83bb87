"""Idle timeouts really stop started systems; RefreshIdleTimeout keeps them running."""

import time


def test_idle_deadline_stops_a_started_system(client, demo):
    # idle_interval 1 Puddle minute = 1 s on the shared simulator.
    system = client.started_system(demo, idle_interval=1)
    assert system["idle_deadline"] is not None
    stopping_or_stopped = client.wait_status(demo, system["id"], ("stopping", "stopped"), timeout=5)
    assert stopping_or_stopped["idle_deadline"] is None
    client.wait_status(demo, system["id"], "stopped", timeout=5)


def test_refreshing_keeps_a_system_running(client, demo):
    system = client.started_system(demo, idle_interval=1)  # 1 s
    for _attempt in range(3):
        time.sleep(0.4)
        assert client.act(demo, "RefreshIdleTimeout", system["id"]).body["system"]["status"] == "started"
    client.wait_status(demo, system["id"], "stopped", timeout=5)
