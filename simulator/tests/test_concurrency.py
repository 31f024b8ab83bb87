"""Sixteen clients at once: transactions keep names unique and actions consistent."""

import concurrent.futures

from sim_helpers import Client, unique_name

CLIENTS = 16


def in_parallel(function, count=CLIENTS):
    with concurrent.futures.ThreadPoolExecutor(count) as pool:
        return list(pool.map(function, range(count)))


def test_same_name_created_once(client, demo):
    name = unique_name("race")
    body = {
        "name": name,
        "cloud": "aws",
        "image_id": "aws-dai-1.11.1",
        "instance_type_id": "aws-m5.xlarge",
        "tags": [{"name": "project", "value": "p"}],
    }
    answers = in_parallel(lambda _: Client(client.base_url).call("SystemService/CreateSystem", body, demo))
    assert sorted(answer.status for answer in answers) == [200] + [409] * (CLIENTS - 1)
    winner = next(answer for answer in answers if answer.status == 200).body["system"]["id"]
    assert {answer.meta["system_id"] for answer in answers if answer.status == 409} == {winner}
    assert [s["name"] for s in client.ok("SystemService/ListSystems", {}, demo)["systems"]].count(name) == 1


def test_same_action_succeeds_once(client, demo):
    system = client.started_system(demo)
    answers = in_parallel(
        lambda _: Client(client.base_url).call("SystemService/StopSystem", {"id": system["id"]}, demo)
    )
    assert sorted(answer.status for answer in answers) == [200] + [412] * (CLIENTS - 1)


def test_many_clients_many_systems(client):
    def work(index):
        worker = Client(client.base_url)
        token = worker.login("demo" if index % 2 else "other")
        system = worker.create(token, name=unique_name("many%d" % index))
        worker.wait_status(token, system["id"], "started")
        worker.act(token, "TerminateSystem", system["id"])
        return system["id"]

    ids = in_parallel(work)
    assert len(set(ids)) == CLIENTS
    listed = {s["id"]: s for s in client.control_ok("ListAllSystems")["systems"]}
    assert all(listed[i]["status"] in ("terminating", "terminated") for i in ids)
