"""Hostile input: refused with the right error, never a crash, never a change to stored data."""

import json

import pytest
import requests

from sim_helpers import SCHEMA, Client

BODY_LIMIT = 2 * 1024 * 1024


@pytest.fixture(scope="module")
def stopped_system(client, demo):
    system = client.started_system(demo)
    return client.force(system["id"], "stopped")


@pytest.fixture
def snapshot(client, stopped_system):
    """Every stable system as the control API lists it, before and after the test."""
    system = stopped_system

    def stable():
        return {
            s["id"]: s
            for s in client.control_ok("ListAllSystems")["systems"]
            if s["status"] in ("stopped", "failed", "terminated")
        }

    before = stable()
    yield system
    after = stable()
    assert {key: value for key, value in after.items() if key in before} == before
    assert requests.get(client.url("/healthz"), timeout=10).status_code == 200


MALFORMED_BODIES = [
    b"",
    b"not json",
    b"{",
    b"[]",
    b"[1, 2]",
    b'"text"',
    b"42",
    b"null",
    b"true",
    b"\xff\xfe\x00",
    b'{"id": NaN}',
    b'{"id": Infinity}',
    b'{"a": 1e999}',
    b'{"id": "\\ud800"}',
    b"[" * 50000 + b"]" * 50000,
    b'{"a":' * 50000,
]


@pytest.mark.parametrize("route", sorted(SCHEMA.methods))
def test_malformed_bodies(client, demo, snapshot, route):
    for body in MALFORMED_BODIES:
        answer = client.call(route, body, demo)
        assert (answer.status, answer.code) == (400, "malformed"), (body[:20], answer)


WRONG_TYPE_VALUES = [1, 1.5, True, [], {}, ["x"], "text"]
JSON_TYPE_OF = {bool: "boolean", int: "integer", float: "number", list: "array", dict: "object", str: "string"}


def valid_bodies(system_id):
    """For each method, requests that pass validation; each field appears in one of them."""
    create = {
        "name": "hostile-valid",
        "cloud": "aws",
        "tags": [{"name": "project", "value": "p"}],
        "disk_size_gb": 300,
        "idle_interval": 5,
    }
    bodies = {route: [{"id": system_id}] for route in SCHEMA.methods}
    bodies.update(
        {
            "AuthService/Login": [{"api_key_id": "demo-key-id", "api_secret_key": "demo-secret-key"}],
            "ImageService/ListAvailableImages": [{"cloud": "aws"}],
            "InstanceTypeService/ListAvailableInstanceTypes": [{"cloud": "aws"}],
            "SystemService/CreateSystem": [
                dict(create, image_id="aws-dai-1.11.1", instance_type_id="aws-m5.xlarge"),
                dict(create, product="dai", version="1.11.1", instance_type_name="m5.xlarge"),
            ],
            "SystemService/FindSystemByName": [{"name": "x"}],
            "SystemService/UpdateConfigToml": [{"id": system_id, "config_toml": "a = 1"}],
        }
    )
    for route in (
        "AuthService/Logout",
        "TagService/ListTags",
        "SystemService/ListSystems",
        "SystemService/GetCUConsumptionInfo",
    ):
        bodies[route] = [{}]
    return bodies


def request_properties(route):
    schema = SCHEMA.document["methods"][route]["request"]
    if "$ref" in schema:
        schema = SCHEMA.document["$defs"][schema["$ref"].split("/")[-1]]
    return schema.get("properties", {})


@pytest.mark.parametrize("route", sorted(SCHEMA.methods))
def test_wrong_types_and_unknown_fields(client, demo, snapshot, route):
    bases = valid_bodies(snapshot["id"])[route]
    for field, field_schema in request_properties(route).items():
        base = next((body for body in bases if field in body), bases[0])
        allowed = field_schema.get("type", "string")
        allowed = set(allowed if isinstance(allowed, list) else [allowed])
        for value in WRONG_TYPE_VALUES:
            if JSON_TYPE_OF[type(value)] in allowed:
                continue
            answer = client.call(route, dict(base, **{field: value}), demo)
            assert (answer.code, answer.meta.get("field"), answer.meta.get("rule")) == (
                "invalid_argument",
                field,
                "type",
            ), (field, value, answer)
    answer = client.call(route, dict(bases[0], surprise=1), demo)
    assert (answer.code, answer.meta["field"], answer.meta["rule"]) == ("invalid_argument", "surprise", "unknown_field")


def test_huge_body_with_content_length_is_refused_before_reading(client, demo, snapshot):
    response = client.post(
        "/twirp/puddle.v2.SystemService/ListSystems", data=b"x" * (BODY_LIMIT + 1), headers={"X-Puddle-Token": demo}
    )
    assert response.status_code == 413
    SCHEMA.check_answer("SystemService/ListSystems", response)


def test_huge_chunked_body_is_refused(client, demo, snapshot):
    def chunks():
        for _attempt in range(40):
            yield b" " * 65536

    response = client.post(
        "/twirp/puddle.v2.SystemService/CreateSystem", data=chunks(), headers={"X-Puddle-Token": demo}
    )
    assert response.status_code == 400
    assert response.json()["meta"] == {"field": "body", "rule": "max_size"}


def test_body_just_under_the_limit_is_read(client, demo, snapshot):
    padding = BODY_LIMIT - len(json.dumps({"id": ""})) - 100
    answer = client.call("SystemService/GetSystem", json.dumps({"id": "x" * padding}).encode(), demo)
    assert answer.code == "not_found"


def test_hostile_strings_in_valid_positions(client, demo, snapshot):
    for name in ("a\x00b", "a" * 100000, "ä", "a\nb", "../../etc/passwd", "'; DROP TABLE systems; --"):
        answer = client.call("SystemService/CreateSystem", {"name": name, "cloud": "aws"}, demo)
        assert answer.code == "invalid_argument" and answer.meta["field"] == "name"
        assert client.ok("SystemService/FindSystemByName", {"name": name}, demo)["system"] is None
        assert client.call("SystemService/GetSystem", {"id": name}, demo).code == "not_found"


def test_unknown_method_and_garbage_paths(client, demo, snapshot):
    for path in ("/twirp/puddle.v2.SystemService/DropTables", "/twirp/%00", "/twirp/puddle.v2." + "A" * 5000 + "/B"):
        response = Client(client.base_url).post(path, data=b"{}", headers={"X-Puddle-Token": demo})
        assert (response.status_code, response.json()["code"]) == (404, "bad_route")


def test_wrong_content_type_and_headers_do_not_crash(client, demo, snapshot):
    answer = client.call("SystemService/ListSystems", b"{}", demo, headers={"Content-Type": "text/plain"})
    assert answer.status == 200
    answer = client.call("SystemService/ListSystems", b"{}", "x" * 4000)
    assert answer.code == "unauthenticated"
