"""CreateSystem (docs/api.md §4): every rule, the order they are checked in, and what is stored."""

import pytest

from sim_helpers import unique_name

ROUTE = "SystemService/CreateSystem"


def valid_body(**changes):
    body = {
        "name": unique_name("valid"),
        "cloud": "aws",
        "image_id": "aws-dai-1.11.1",
        "instance_type_id": "aws-m5.xlarge",
        "tags": [{"name": "project", "value": "p"}],
    }
    body.update(changes)
    return {key: value for key, value in body.items() if value is not None}


def without(body, *keys):
    return {key: value for key, value in body.items() if key not in keys}


RULE_CASES = [
    # (request body, field, rule)
    (without(valid_body(), "name"), "name", "required"),
    (valid_body(name=7), "name", "type"),
    (valid_body(name="Upper"), "name", "pattern"),
    (valid_body(name="-leading-dash"), "name", "pattern"),
    (valid_body(name="under_score"), "name", "pattern"),
    (valid_body(name=""), "name", "pattern"),
    (valid_body(name="a" * 65), "name", "max_length"),
    (without(valid_body(), "cloud"), "cloud", "required"),
    (valid_body(cloud="AWS"), "cloud", "enum"),
    (valid_body(cloud=["aws"]), "cloud", "type"),
    (without(valid_body(), "image_id"), "image_id", "required"),
    (valid_body(product="dai", version="1.11.1"), "image_id", "exclusive"),
    (valid_body(version="1.11.1"), "image_id", "exclusive"),
    (valid_body(image_id=11), "image_id", "type"),
    (valid_body(image_id="aws-dai-0.0.1"), "image_id", "unknown"),
    (valid_body(image_id="azure-dai-1.11.1"), "image_id", "unknown"),
    (valid_body(image_id="aws-dai-1.8.9"), "image_id", "unknown"),
    (without(valid_body(product="dai"), "image_id"), "version", "required_together"),
    (without(valid_body(version="1.11.1"), "image_id"), "product", "required_together"),
    (without(valid_body(product="spark", version="1"), "image_id"), "product", "enum"),
    (without(valid_body(product="dai", version="9.9.9"), "image_id"), "version", "unknown"),
    (without(valid_body(product="h2o3", version="1.11.1"), "image_id"), "version", "unknown"),
    (without(valid_body(product="dai", version="1.8.9"), "image_id"), "version", "unknown"),
    (without(valid_body(product="dai", version=1.11), "image_id"), "version", "type"),
    (without(valid_body(), "instance_type_id"), "instance_type_id", "required"),
    (valid_body(instance_type_name="m5.xlarge"), "instance_type_id", "exclusive"),
    (valid_body(instance_type_id="aws-huge"), "instance_type_id", "unknown"),
    (valid_body(instance_type_id="gcp-n1-standard-4"), "instance_type_id", "unknown"),
    (without(valid_body(instance_type_name="Standard_D4s_v3"), "instance_type_id"), "instance_type_name", "unknown"),
    (without(valid_body(instance_type_name=4), "instance_type_id"), "instance_type_name", "type"),
    (valid_body(disk_size_gb=255), "disk_size_gb", "range"),
    (valid_body(disk_size_gb=1025), "disk_size_gb", "range"),
    (valid_body(disk_size_gb="300"), "disk_size_gb", "type"),
    (valid_body(disk_size_gb=300.5), "disk_size_gb", "type"),
    (valid_body(disk_size_gb=True), "disk_size_gb", "type"),
    (valid_body(idle_interval=0), "idle_interval", "range"),
    (valid_body(idle_interval=241), "idle_interval", "range"),
    (valid_body(idle_interval=[]), "idle_interval", "type"),
    (valid_body(tags={"project": "p"}), "tags", "type"),
    (valid_body(tags=["project"]), "tags.0", "type"),
    (valid_body(tags=[{"name": "project"}]), "tags.0.value", "required"),
    (valid_body(tags=[{"name": "project", "value": 1}]), "tags.0.value", "type"),
    (valid_body(tags=[{"name": "project", "value": "p", "colour": "red"}]), "tags.0.colour", "unknown_field"),
    (
        valid_body(tags=[{"name": "project", "value": "p"}, {"name": "owner", "value": "me"}]),
        "tags.owner",
        "unknown_tag",
    ),
    (
        valid_body(tags=[{"name": "project", "value": "p"}, {"name": "legacy", "value": "x"}]),
        "tags.legacy",
        "disabled_tag",
    ),
    (
        valid_body(tags=[{"name": "project", "value": "p"}, {"name": "project", "value": "q"}]),
        "tags.project",
        "duplicate",
    ),
    (valid_body(tags=[{"name": "project", "value": "x" * 257}]), "tags.project", "max_length"),
    (valid_body(tags=[]), "tags.project", "required"),
    (valid_body(tags=[{"name": "project", "value": ""}]), "tags.project", "required"),
    (valid_body(colour="red"), "colour", "unknown_field"),
]


@pytest.mark.parametrize("body, field, rule", RULE_CASES, ids=["%s-%s" % (case[1], case[2]) for case in RULE_CASES])
def test_each_rule(client, demo, body, field, rule):
    before = {s["id"] for s in client.ok("SystemService/ListSystems", {}, demo)["systems"]}
    answer = client.call(ROUTE, body, demo)
    assert (answer.status, answer.code, answer.meta.get("field"), answer.meta.get("rule")) == (
        400,
        "invalid_argument",
        field,
        rule,
    )
    assert {s["id"] for s in client.ok("SystemService/ListSystems", {}, demo)["systems"]} <= before


ORDER_CASES = [
    # Several rules broken at once: the first in table order is reported.
    ({"name": "BAD", "cloud": "mars"}, "name", "pattern"),
    ({"name": "ok", "cloud": "mars", "disk_size_gb": 1}, "cloud", "enum"),
    ({"name": "ok", "cloud": "aws", "disk_size_gb": 1}, "image_id", "required"),
    ({"name": "ok", "cloud": "aws", "image_id": "nope", "instance_type_id": "nope"}, "image_id", "unknown"),
    (
        {"name": "ok", "cloud": "aws", "image_id": "aws-dai-1.11.1", "idle_interval": 0, "disk_size_gb": 1},
        "instance_type_id",
        "required",
    ),
    (
        {
            "name": "ok",
            "cloud": "aws",
            "image_id": "aws-dai-1.11.1",
            "instance_type_id": "aws-m5.xlarge",
            "idle_interval": 0,
            "disk_size_gb": 1,
        },
        "disk_size_gb",
        "range",
    ),
    (
        {
            "name": "ok",
            "cloud": "aws",
            "image_id": "aws-dai-1.11.1",
            "instance_type_id": "aws-m5.xlarge",
            "idle_interval": 0,
            "tags": [{"name": "x", "value": "y"}],
        },
        "idle_interval",
        "range",
    ),
    ({"name": "BAD", "cloud": "aws", "unknown": 1}, "unknown", "unknown_field"),
]


@pytest.mark.parametrize("body, field, rule", ORDER_CASES)
def test_first_broken_rule_in_table_order_is_reported(client, demo, body, field, rule):
    answer = client.call(ROUTE, body, demo)
    assert (answer.code, answer.meta["field"], answer.meta["rule"]) == ("invalid_argument", field, rule)


def test_defaults_and_what_is_stored(client, demo):
    name = unique_name()
    system = client.create(
        demo, name=name, cloud="azure", product="dai", version="1.9.3", instance_type_name="Standard_D16s_v3"
    )
    assert system["status"] == "provisioning"
    assert (system["vm_status"], system["product_status"], system["config_toml_status"]) == (
        "provisioning",
        "none",
        "none",
    )
    assert (system["name"], system["cloud"], system["owner"]) == (name, "azure", "user-demo")
    assert (system["product"], system["version"], system["image_id"], system["image_name"]) == (
        "dai",
        "1.9.3",
        "azure-dai-1.9.3",
        "Driverless AI 1.9.3",
    )
    assert (system["instance_type"], system["instance_type_id"], system["cu_per_hour"]) == (
        "Standard_D16s_v3",
        "azure-Standard_D16s_v3",
        8,
    )
    assert (system["disk_size_gb"], system["idle_interval"]) == (256, 60)
    assert system["tags"] == [{"name": "cost-center", "value": "rnd"}, {"name": "project", "value": "tests"}]
    assert (system["idle_deadline"], system["address"], system["failure_reason"]) == (None, None, None)
    assert system["url"] == client.base_url + "/product/%s/" % system["id"]
    assert system["created"] == system["updated"]
    assert client.get(demo, system["id"]) == system


def test_explicit_values_and_nulls(client, demo):
    system = client.ok(
        ROUTE,
        {
            "name": unique_name(),
            "cloud": "gcp",
            "image_id": "gcp-h2o3-3.46.0.1",
            "product": None,
            "version": None,
            "instance_type_id": "gcp-n1-standard-8-t4",
            "instance_type_name": None,
            "disk_size_gb": 1024,
            "idle_interval": 240,
            "tags": [{"name": "project", "value": "p"}, {"name": "cost-center", "value": "ops"}],
        },
        demo,
    )["system"]
    assert (system["product"], system["version"], system["disk_size_gb"], system["idle_interval"]) == (
        "h2o3",
        "3.46.0.1",
        1024,
        240,
    )
    assert system["tags"] == [{"name": "cost-center", "value": "ops"}, {"name": "project", "value": "p"}]


def test_name_length_limits_accepted(client, demo):
    longest = (unique_name("n") + "-" + "0" * 64)[:64]
    for name in ("z", longest):
        system = client.create(demo, name=name)
        assert system["name"] == name
        client.wait_status(demo, system["id"], "started")
        assert client.act(demo, "TerminateSystem", system["id"]).status == 200


def test_name_is_unique_among_live_systems(client, demo):
    system = client.create(demo)
    answer = client.call(ROUTE, valid_body(name=system["name"]), demo)
    assert (answer.status, answer.code, answer.meta["field"], answer.meta["system_id"]) == (
        409,
        "already_exists",
        "name",
        system["id"],
    )
    # Uniqueness is checked after the field rules: a bad field still wins.
    answer = client.call(ROUTE, valid_body(name=system["name"], disk_size_gb=1), demo)
    assert answer.meta["rule"] == "range"


def test_a_terminated_name_can_be_reused(client, demo):
    first = client.create(demo)
    client.wait_status(demo, first["id"], "started")
    client.act(demo, "TerminateSystem", first["id"])
    client.wait_status(demo, first["id"], "terminated")
    second = client.create(demo, name=first["name"])
    assert second["id"] != first["id"]
    assert client.ok("SystemService/FindSystemByName", {"name": first["name"]}, demo)["system"]["id"] == second["id"]
    assert client.get(demo, first["id"])["status"] == "terminated"
