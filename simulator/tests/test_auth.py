"""Login, tokens, logout, expiry, and users from a YAML file."""

import datetime
import time

import pytest

from sim_helpers import USERS


def test_login_returns_token_expiry_and_user(client):
    key_id, secret = USERS["demo"]
    body = client.ok("AuthService/Login", {"api_key_id": key_id, "api_secret_key": secret})
    assert body["user"] == {"id": "user-demo", "name": "demo", "email": "demo@example.com"}
    expires = datetime.datetime.strptime(body["expires_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    remaining = (expires - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
    assert 3500 < remaining <= 3601
    assert client.ok("TagService/ListTags", token=body["token"])["tags"]


def test_each_login_gets_a_new_token(client):
    assert client.login() != client.login()


@pytest.mark.parametrize(
    "credentials",
    [
        ("demo-key-id", "other-secret-key"),
        ("no-such-key", "demo-secret-key"),
        ("other-key-id", "demo-secret-key"),
        ("", ""),
    ],
)
def test_wrong_credentials_are_unauthenticated(client, credentials):
    answer = client.call("AuthService/Login", {"api_key_id": credentials[0], "api_secret_key": credentials[1]})
    assert (answer.status, answer.code, answer.meta["reason"]) == (401, "unauthenticated", "invalid_credentials")
    if credentials[1]:
        assert credentials[1] not in str(answer.body), "the secret is never echoed"


def test_login_validates_its_fields(client):
    answer = client.call("AuthService/Login", {"api_key_id": "demo-key-id"})
    assert (answer.code, answer.meta["field"], answer.meta["rule"]) == (
        "invalid_argument",
        "api_secret_key",
        "required",
    )
    answer = client.call("AuthService/Login", {"api_key_id": 1, "api_secret_key": "x"})
    assert (answer.meta["field"], answer.meta["rule"]) == ("api_key_id", "type")


def test_missing_and_unknown_tokens(client):
    answer = client.call("SystemService/ListSystems", {})
    assert (answer.status, answer.code, answer.meta["reason"]) == (401, "unauthenticated", "missing_token")
    answer = client.call("SystemService/ListSystems", {}, token="not-a-token")
    assert (answer.code, answer.meta["reason"]) == ("unauthenticated", "invalid_token")


def test_logout_revokes_only_the_token_sent(client):
    first, second = client.login(), client.login()
    assert client.ok("AuthService/Logout", {}, token=first) == {}
    answer = client.call("SystemService/ListSystems", {}, token=first)
    assert (answer.code, answer.meta["reason"]) == ("unauthenticated", "invalid_token")
    assert client.call("SystemService/ListSystems", {}, token=second).status == 200


def test_tokens_expire_and_users_come_from_yaml(start_sim, tmp_path):
    users_file = tmp_path / "users.yml"
    users_file.write_text(
        "users:\n"
        "  - {name: alice, api_key_id: alice-id, api_secret_key: alice-secret, email: alice@example.org}\n"
        "  - {name: bob, api_key_id: bob-id, api_secret_key: bob-secret, email: bob@example.org}\n"
    )
    sim = start_sim("--users", str(users_file), "--token-ttl", "1")
    client = sim.client()
    assert (
        client.call("AuthService/Login", {"api_key_id": "demo-key-id", "api_secret_key": "demo-secret-key"}).code
        == "unauthenticated"
    )
    body = client.ok("AuthService/Login", {"api_key_id": "alice-id", "api_secret_key": "alice-secret"})
    assert body["user"] == {"id": "user-alice", "name": "alice", "email": "alice@example.org"}
    assert client.call("SystemService/ListSystems", {}, token=body["token"]).status == 200
    time.sleep(1.2)
    answer = client.call("SystemService/ListSystems", {}, token=body["token"])
    assert (answer.status, answer.code, answer.meta["reason"]) == (401, "unauthenticated", "token_expired")
    # Logging in again renews.
    renewed = client.ok("AuthService/Login", {"api_key_id": "alice-id", "api_secret_key": "alice-secret"})["token"]
    assert client.call("SystemService/ListSystems", {}, token=renewed).status == 200
