"""Images, instance types and tags: the built-in catalogue and one from YAML."""

import subprocess

import pytest

from sim_helpers import SimulatorProcess

CLOUD_TYPES = {
    "aws": {"m5.xlarge": (4, 16, 0, 2), "m5.4xlarge": (16, 64, 0, 8), "p3.2xlarge": (8, 61, 1, 16)},
    "azure": {
        "Standard_D4s_v3": (4, 16, 0, 2),
        "Standard_D16s_v3": (16, 64, 0, 8),
        "Standard_NC6s_v3": (6, 112, 1, 16),
    },
    "gcp": {"n1-standard-4": (4, 15, 0, 2), "n1-standard-16": (16, 60, 0, 8), "n1-standard-8-t4": (8, 30, 1, 16)},
}


@pytest.mark.parametrize("cloud", sorted(CLOUD_TYPES))
def test_builtin_images(client, demo, cloud):
    images = client.ok("ImageService/ListAvailableImages", {"cloud": cloud}, demo)["images"]
    by_id = {image["id"]: image for image in images}
    assert {image["cloud"] for image in images} == {cloud}
    for version, status in (("1.10.6", "active"), ("1.11.1", "active"), ("1.9.3", "deprecated")):
        image = by_id["%s-dai-%s" % (cloud, version)]
        assert (image["product"], image["version"], image["status"], image["name"]) == (
            "dai",
            version,
            status,
            "Driverless AI " + version,
        )
    h2o3 = by_id["%s-h2o3-3.46.0.1" % cloud]
    assert (h2o3["product"], h2o3["status"], h2o3["name"]) == ("h2o3", "active", "H2O-3 3.46.0.1")
    assert [image["status"] for image in images].count("failed") == 1


@pytest.mark.parametrize("cloud", sorted(CLOUD_TYPES))
def test_builtin_instance_types(client, demo, cloud):
    types = client.ok("InstanceTypeService/ListAvailableInstanceTypes", {"cloud": cloud}, demo)["instance_types"]
    found = {t["name"]: (t["cpu"], t["memory_gb"], t["gpu"], t["cu_per_hour"]) for t in types}
    assert found == CLOUD_TYPES[cloud]
    assert {t["id"] for t in types} == {"%s-%s" % (cloud, name) for name in CLOUD_TYPES[cloud]}


def test_builtin_tags(client, demo):
    tags = {tag["name"]: tag for tag in client.ok("TagService/ListTags", {}, demo)["tags"]}
    assert (tags["project"]["required"], tags["project"]["default_value"], tags["project"]["status"]) == (
        True,
        "",
        "active",
    )
    assert (tags["cost-center"]["required"], tags["cost-center"]["default_value"]) == (False, "rnd")
    assert tags["legacy"]["status"] == "disabled"


@pytest.mark.parametrize("body, rule", [({"cloud": "mars"}, "enum"), ({"cloud": 3}, "type"), ({}, "required")])
def test_cloud_is_validated(client, demo, body, rule):
    for route in ("ImageService/ListAvailableImages", "InstanceTypeService/ListAvailableInstanceTypes"):
        answer = client.call(route, body, demo)
        assert (answer.code, answer.meta["field"], answer.meta["rule"]) == ("invalid_argument", "cloud", rule)


def test_catalogue_from_yaml(start_sim, tmp_path):
    catalogue = tmp_path / "catalogue.yml"
    catalogue.write_text(
        "images:\n"
        "  - {cloud: aws, product: dai, version: 2.0.0}\n"
        "  - {cloud: aws, product: dai, version: 1.0.0, status: creating}\n"
        "instance_types:\n"
        "  - {cloud: aws, name: tiny, cpu: 1, memory_gb: 2, gpu: 0, cu_per_hour: 5}\n"
        "tags:\n"
        "  - {name: team, label: Team, required: false, default_value: core}\n"
        "cu_pool: 7\n"
    )
    sim = start_sim("--catalog", str(catalogue))
    client = sim.client()
    token = client.login()
    images = client.ok("ImageService/ListAvailableImages", {"cloud": "aws"}, token)["images"]
    assert [(i["id"], i["name"], i["status"]) for i in images] == [
        ("aws-dai-2.0.0", "Driverless AI 2.0.0", "active"),
        ("aws-dai-1.0.0", "Driverless AI 1.0.0", "creating"),
    ]
    assert client.ok("ImageService/ListAvailableImages", {"cloud": "gcp"}, token)["images"] == []
    types = client.ok("InstanceTypeService/ListAvailableInstanceTypes", {"cloud": "aws"}, token)["instance_types"]
    assert [(t["id"], t["cu_per_hour"]) for t in types] == [("aws-tiny", 5)]
    assert [t["name"] for t in client.ok("TagService/ListTags", {}, token)["tags"]] == ["team"]
    system = client.create(token, version="2.0.0", instance_type_name="tiny", tags=None)
    assert system["tags"] == [{"name": "team", "value": "core"}]
    # A 'creating' image cannot be used, and the 7-CU pool holds one 5-CU system only.
    answer = client.call(
        "SystemService/CreateSystem",
        {"name": "b", "cloud": "aws", "image_id": "aws-dai-1.0.0", "instance_type_id": "aws-tiny"},
        token,
    )
    assert (answer.meta["field"], answer.meta["rule"]) == ("image_id", "unknown")
    answer = client.call(
        "SystemService/CreateSystem",
        {"name": "b", "cloud": "aws", "image_id": "aws-dai-2.0.0", "instance_type_id": "aws-tiny"},
        token,
    )
    assert (answer.code, answer.meta["reason"], answer.meta["available_cu"]) == (
        "failed_precondition",
        "cu_pool_short",
        "2",
    )


def test_invalid_yaml_files_stop_the_simulator_with_a_message(tmp_path):
    bad = tmp_path / "users.yml"
    bad.write_text("users:\n  - {name: x}\n")
    result = subprocess.run(
        SimulatorProcess.command(["--users", str(bad), "--port", "0", "--db", str(tmp_path / "db")]),
        check=False,
        env=SimulatorProcess.environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "api_key_id must be a str" in result.stderr
