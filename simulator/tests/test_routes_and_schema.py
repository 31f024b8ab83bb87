"""Routing and the machine-readable contract: the served methods are exactly the schema's."""

import json

import jsonschema
import pytest

from sim_helpers import SCHEMA


def served_puddle_methods(client):
    paths = client.session.get(client.url("/openapi.json")).json()["paths"]
    prefix = "/twirp/puddle.v2."
    return {path.replace(prefix, "", 1) for path in paths if path.startswith(prefix)}


def test_schema_document_is_valid_draft_2020_12():
    jsonschema.Draft202012Validator.check_schema(SCHEMA.document)
    assert SCHEMA.document["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_served_methods_equal_schema_methods(client):
    assert served_puddle_methods(client) == SCHEMA.methods


@pytest.mark.parametrize("route", sorted(SCHEMA.methods))
def test_every_schema_method_is_routed(client, route):
    # No token: every method but Login answers unauthenticated, never bad_route.
    answer = client.call(route, {})
    expected = "invalid_argument" if route == "AuthService/Login" else "unauthenticated"
    assert answer.code == expected


@pytest.mark.parametrize(
    "path",
    [
        "/twirp/puddle.v2.SystemService/NoSuchMethod",
        "/twirp/puddle.v2.NoSuchService/GetSystem",
        "/twirp/puddle.v3.SystemService/GetSystem",
        "/twirp/puddle.sim.v1.Control/NoSuchMethod",
        "/twirp/puddle.v2.SystemService/GetSystem/",
        "/nothing/here",
    ],
)
def test_unknown_routes_are_bad_route(client, path):
    response = client.post(path, data=b"{}", headers={"Content-Type": "application/json"})
    assert response.status_code == 404
    body = response.json()
    SCHEMA.validator("/$defs/Error").validate(body)
    assert body["code"] == "bad_route"


@pytest.mark.parametrize("verb", ["GET", "PUT", "DELETE", "PATCH"])
def test_methods_other_than_post_are_bad_route(client, verb):
    response = client.session.request(verb, client.url("/twirp/puddle.v2.SystemService/ListSystems"), data=b"{}")
    assert response.status_code == 404
    assert response.json()["code"] == "bad_route"


def test_healthz(client):
    response = client.session.get(client.url("/healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_openapi_documents_request_bodies_and_twirp_errors(client):
    document = client.session.get(client.url("/openapi.json")).json()
    operation = document["paths"]["/twirp/puddle.v2.SystemService/CreateSystem"]["post"]
    reference = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    request_schema = document["components"]["schemas"][reference.split("/")[-1]]
    assert list(request_schema["properties"])[:2] == ["name", "cloud"]
    assert request_schema["additionalProperties"] is False
    assert "412" in operation["responses"]
    error_reference = operation["responses"]["412"]["content"]["application/json"]["schema"]["$ref"]
    assert set(document["components"]["schemas"][error_reference.split("/")[-1]]["properties"]) == {
        "code",
        "msg",
        "meta",
    }


def test_requests_the_tests_send_follow_the_schema():
    # The request half of the schema accepts a typical CreateSystem and refuses an unknown field.
    body = {"name": "a-1", "cloud": "gcp", "image_id": "gcp-dai-1.10.6", "instance_type_id": "gcp-n1-standard-4"}
    SCHEMA.check_request("SystemService/CreateSystem", body)
    with pytest.raises(jsonschema.ValidationError):
        SCHEMA.check_request("SystemService/CreateSystem", dict(body, colour="red"))
    with pytest.raises(jsonschema.ValidationError):
        SCHEMA.check_request("SystemService/GetSystem", json.loads('{"id": 5}'))
