"""The simulator's dashboard (docs/api.md §8): the page, its JSON state, and who may see them.

"Remote" viewers are simulated the way a local reverse proxy announces them: uvicorn takes the
client address from X-Forwarded-For when the connection comes from loopback.
"""

import json

import requests

from sim_helpers import CONTROL_TOKEN, SCHEMA, USERS

STATE = "/dashboard/state"
REMOTE = {"X-Forwarded-For": "203.0.113.7"}


def get(client, path, **kwargs):
    kwargs.setdefault("timeout", 10)
    return requests.get(client.url(path), **kwargs)


def state(client, **kwargs):
    response = get(client, STATE, **kwargs)
    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    return response.json()


def systems_by_user(body):
    return {user["name"]: {system["id"]: system for system in user["systems"]} for user in body["users"]}


def shown(client, system_id):
    for user in state(client)["users"]:
        for system in user["systems"]:
            if system["id"] == system_id:
                return user["name"], system
    return None, None


def test_page_and_its_assets_are_served(client):
    page = get(client, "/dashboard")
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert '<script src="/dashboard/assets/dashboard.js"' in page.text
    assert get(client, "/dashboard/").text == page.text
    for name, media_type in (("dashboard.js", "text/javascript"), ("dashboard.css", "text/css")):
        asset = get(client, "/dashboard/assets/" + name)
        assert (asset.status_code, asset.headers["Content-Type"].split(";")[0]) == (200, media_type)
        assert len(asset.content) > 500
    assert get(client, "/dashboard/assets/index.html").status_code == 404
    assert get(client, "/dashboard/assets/..%2Fdashboard.py").status_code == 404


def test_the_root_leads_to_the_dashboard(client):
    response = get(client, "/", allow_redirects=False)
    assert (response.status_code, response.headers["Location"]) == (307, "/dashboard")


def test_the_dashboard_is_no_puddle_api(client):
    paths = get(client, "/openapi.json").json()["paths"]
    assert not [path for path in paths if path.startswith("/dashboard") or path == "/"]
    response = client.post(STATE, data=b"{}")
    assert (response.status_code, response.json()["code"]) == (404, "bad_route")


def test_state_groups_every_users_live_systems(client, demo, other):
    mine = client.create(demo)
    theirs = client.create(other)
    gone = client.create(other)
    client.force(gone["id"], "terminated")
    body = state(client)
    grouped = systems_by_user(body)
    assert [(user["id"], user["name"], user["email"]) for user in body["users"]][:2] == [
        ("user-demo", "demo", "demo@example.com"),
        ("user-other", "other", "other@example.com"),
    ]
    assert mine["id"] in grouped["demo"] and mine["id"] not in grouped["other"]
    assert theirs["id"] in grouped["other"] and theirs["id"] not in grouped["demo"]
    assert gone["id"] not in grouped["other"]
    # Each system is the System object of the contract, as its owner's GetSystem shows it.
    validator = SCHEMA.validator("/$defs/System")
    for systems in grouped.values():
        for system in systems.values():
            validator.validate(system)
    fresh = client.get(demo, mine["id"])
    assert {key: grouped["demo"][mine["id"]][key] for key in ("name", "owner", "instance_type", "url", "created")} == {
        key: fresh[key] for key in ("name", "owner", "instance_type", "url", "created")
    }
    assert grouped["demo"][mine["id"]]["url"] == client.url("/product/%s/" % mine["id"])


def test_state_follows_status_changes(client, demo):
    system = client.started_system(demo)
    owner, shown_system = shown(client, system["id"])
    assert owner == "demo"
    assert (shown_system["status"], shown_system["vm_status"], shown_system["product_status"]) == (
        "started",
        "running",
        "running",
    )
    assert shown_system["idle_deadline"] is not None
    client.force(system["id"], "stopped")
    shown_system = shown(client, system["id"])[1]
    assert (shown_system["status"], shown_system["vm_status"], shown_system["product_status"]) == (
        "stopped",
        "stopped",
        "stopped",
    )
    assert shown_system["idle_deadline"] is None
    client.act(demo, "TerminateSystem", system["id"])
    client.wait_status(demo, system["id"], "terminated")
    assert shown(client, system["id"]) == (None, None)


def test_cu_pool_and_consumption(start_sim):
    sim = start_sim()
    client = sim.client()
    demo = client.login("demo")
    client.control_ok("SetCUPool", {"size": 50})
    big = client.create(demo, instance_type_name="m5.4xlarge")
    small = client.create(demo)
    client.force(small["id"], "stopped")
    body = state(client)
    assert body["cu_pool"] == {"size": 50, "available": 42, "consumed": 8}
    info = client.ok("SystemService/GetCUConsumptionInfo", {}, demo)
    assert (info["available_cu"], info["consumed_cu"]) == (42, 8)
    consumed = {user["name"]: user["consumed_cu"] for user in body["users"]}
    assert consumed == {"demo": 8, "other": 0}
    assert body["timing"] == {"speed": 50.0, "minute_seconds": 1.0}
    assert set(systems_by_user(body)["demo"]) == {big["id"], small["id"]}


def test_no_secret_is_ever_shown(client, demo):
    system = client.started_system(demo)
    marker = "secret-marker-7f3a"
    client.ok("SystemService/UpdateConfigToml", {"id": system["id"], "config_toml": 'password = "%s"\n' % marker}, demo)
    client.wait_config_status(demo, system["id"], "uploaded")
    text = get(client, STATE).text + get(client, "/dashboard").text
    assert system["id"] in text
    secrets = [value for pair in USERS.values() for value in pair] + [CONTROL_TOKEN, demo, marker]
    assert [secret for secret in secrets if secret in text] == []


def test_dashboard_is_neither_counted_nor_faulted(client, demo):
    client.control_ok("ResetRequestCounts")
    client.control_ok(
        "SetFaults", {"drop_rate": 1.0, "unavailable_rate": 1.0, "latency_ms_min": 2000, "latency_ms_max": 2000}
    )
    for path in ("/dashboard", STATE, "/dashboard/assets/dashboard.js"):
        assert get(client, path, timeout=1.5).status_code == 200
    assert client.control_ok("GetRequestCounts") == {"counts": {}, "total": 0}


def test_remote_viewers_need_the_control_token(client):
    page = get(client, "/dashboard", headers=REMOTE)
    assert page.status_code == 401
    assert "control token" in page.text and CONTROL_TOKEN not in page.text
    assert get(client, STATE, headers=REMOTE).status_code == 401
    wrong = dict(REMOTE, **{"X-Simulator-Control-Token": "not-the-token"})
    assert get(client, STATE, headers=wrong).status_code == 401
    right = dict(REMOTE, **{"X-Simulator-Control-Token": CONTROL_TOKEN})
    assert "users" in state(client, headers=right)


def test_pages_naming_a_foreign_host_need_the_token(client):
    # A web page that rebinds its own name to 127.0.0.1 still sends its name as Host.
    port = client.base_url.rsplit(":", 1)[1]
    for host in ("attacker.example:%s" % port, "127.0.0.1.attacker.example", "10.0.0.1:%s" % port):
        assert get(client, STATE, headers={"Host": host}).status_code == 401, host
    for host in ("localhost:%s" % port, "127.0.0.1:%s" % port, "[::1]:%s" % port, "app.localhost"):
        assert get(client, STATE, headers={"Host": host}).status_code == 200, host


def test_the_token_link_leaves_a_dashboard_only_cookie(client):
    viewer = requests.Session()
    viewer.headers.update(REMOTE)
    denied = viewer.get(client.url("/dashboard?token=not-the-token"), allow_redirects=False, timeout=10)
    assert denied.status_code == 401 and "Set-Cookie" not in denied.headers
    answer = viewer.get(client.url("/dashboard?token=%s" % CONTROL_TOKEN), allow_redirects=False, timeout=10)
    assert (answer.status_code, answer.headers["Location"]) == (303, "/dashboard")
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/dashboard" in cookie
    assert CONTROL_TOKEN not in cookie
    assert viewer.get(client.url("/dashboard"), timeout=10).status_code == 200
    assert "users" in viewer.get(client.url(STATE), timeout=10).json()
    # The cookie opens the dashboard only, not the control API.
    (value,) = viewer.cookies.values()
    control = client.post(
        "/twirp/puddle.sim.v1.Control/GetFaults",
        data=b"{}",
        headers={"Content-Type": "application/json", "X-Simulator-Control-Token": value},
    )
    assert control.status_code == 401
    forged = requests.get(client.url(STATE), headers=REMOTE, cookies={"puddle_sim_dashboard": "0" * 64}, timeout=10)
    assert forged.status_code == 401


def test_state_is_plain_json_of_public_fields(client, demo):
    system = client.create(demo, tags=[{"name": "project", "value": "<script>alert(1)</script>"}])
    raw = get(client, STATE).text
    body = json.loads(raw)
    assert set(body) == {"server_time", "cu_pool", "timing", "users"}
    assert set(body["users"][0]) == {"id", "name", "email", "consumed_cu", "systems"}
    shown_system = shown(client, system["id"])[1]
    assert shown_system["tags"][1] == {"name": "project", "value": "<script>alert(1)</script>"}
