"""The CU pool (docs/api.md §3) on a simulator of its own, so no other test moves its numbers."""

import concurrent.futures

import pytest

from sim_helpers import Client, SimulatorProcess, unique_name


@pytest.fixture(scope="module")
def cu_sim(tmp_path_factory):
    process = SimulatorProcess(tmp_path_factory.mktemp("cu-sim")).start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def client(cu_sim):
    return cu_sim.client()


@pytest.fixture(scope="module")
def demo(client):
    return client.login("demo")


@pytest.fixture(scope="module")
def other(client):
    return client.login("other")


def test_cu_consumption_info(client, demo):
    before = client.ok("SystemService/GetCUConsumptionInfo", {}, demo)
    system = client.create(demo, instance_type_name="m5.4xlarge")
    during = client.ok("SystemService/GetCUConsumptionInfo", {}, demo)
    assert during["consumed_cu"] - before["consumed_cu"] == 8
    assert during["available_cu"] + during["consumed_cu"] == before["available_cu"] + before["consumed_cu"]
    mine = {info["system_id"]: info for info in during["systems_consumption_info"]}
    assert mine[system["id"]] == {
        "system_id": system["id"],
        "system_name": system["name"],
        "status": "provisioning",
        "cu_per_hour": 8,
    }
    client.wait_status(demo, system["id"], "started")
    client.act(demo, "StopSystem", system["id"])
    client.wait_status(demo, system["id"], "stopped")
    after = client.ok("SystemService/GetCUConsumptionInfo", {}, demo)
    assert system["id"] not in {info["system_id"] for info in after["systems_consumption_info"]}


def test_consumption_lists_only_my_systems(client, demo, other):
    mine = client.create(demo)
    theirs = client.ok("SystemService/GetCUConsumptionInfo", {}, other)["systems_consumption_info"]
    assert mine["id"] not in {info["system_id"] for info in theirs}


def test_create_and_start_refused_when_the_pool_is_short(client, demo):
    system = client.started_system(demo, instance_type_name="p3.2xlarge")
    client.act(demo, "StopSystem", system["id"])
    client.wait_status(demo, system["id"], "stopped")
    consumed = client.control_ok("SetCUPool", {"size": 0})["consumed_cu"]
    pool = client.control_ok("SetCUPool", {"size": consumed + 10})
    assert pool["available_cu"] == 10
    try:
        body = {
            "name": unique_name(),
            "cloud": "aws",
            "image_id": "aws-dai-1.11.1",
            "instance_type_name": "p3.2xlarge",
            "tags": [{"name": "project", "value": "p"}],
        }
        answer = client.call("SystemService/CreateSystem", body, demo)
        assert (answer.status, answer.code) == (412, "failed_precondition")
        assert answer.meta == {"reason": "cu_pool_short", "required_cu": "16", "available_cu": "10", "short_by": "6"}
        assert client.ok("SystemService/FindSystemByName", {"name": body["name"]}, demo)["system"] is None
        answer = client.act(demo, "StartSystem", system["id"])
        assert (answer.code, answer.meta["reason"], answer.meta["short_by"]) == (
            "failed_precondition",
            "cu_pool_short",
            "6",
        )
        assert client.get(demo, system["id"])["status"] == "stopped"
        # A smaller system still fits.
        assert client.create(demo, instance_type_name="m5.xlarge")["cu_per_hour"] == 2
    finally:
        client.control_ok("SetCUPool", {"size": 1000})


def test_concurrent_creates_never_overdraw_the_pool(client, demo):
    consumed = client.control_ok("SetCUPool", {"size": 0})["consumed_cu"]
    client.control_ok("SetCUPool", {"size": consumed + 8 * 5})
    try:

        def create(index):
            body = {
                "name": unique_name("cu%d" % index),
                "cloud": "aws",
                "image_id": "aws-dai-1.11.1",
                "instance_type_id": "aws-m5.4xlarge",
                "tags": [{"name": "project", "value": "p"}],
            }
            return Client(client.base_url).call("SystemService/CreateSystem", body, demo)

        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(create, range(16)))
        assert sorted(answer.status for answer in answers) == [200] * 5 + [412] * 11
        assert client.control_ok("SetCUPool", {"size": consumed + 40})["available_cu"] >= 0
    finally:
        client.control_ok("SetCUPool", {"size": 1000})
