"""The product URL (docs/api.md §7) answers only while its system is started."""

import requests


def test_product_url_follows_the_system(client, demo):
    system = client.create(demo)
    url = system["url"]
    assert requests.get(url, timeout=10).status_code == 503
    started = client.wait_status(demo, system["id"], "started")
    assert started["url"] == url
    response = requests.get(url, timeout=10)
    assert response.status_code == 200
    assert response.json() == {
        "product": "dai",
        "version": "1.11.1",
        "system": system["name"],
        "config_toml_applied": False,
    }
    client.act(demo, "StopSystem", system["id"])
    assert requests.get(url, timeout=10).status_code == 503
    assert client.wait_status(demo, system["id"], "stopped")["url"] == url
    assert requests.get(url, timeout=10).status_code == 503


def test_product_url_reports_an_applied_config(client, demo):
    system = client.started_system(demo)
    client.ok("SystemService/UpdateConfigToml", {"id": system["id"], "config_toml": "x = 1"}, demo)
    client.wait_config_status(demo, system["id"], "uploaded")
    assert requests.get(system["url"], timeout=10).json()["config_toml_applied"] is False
    client.act(demo, "RestartSystem", system["id"])
    assert requests.get(system["url"], timeout=10).status_code == 503
    client.wait_status(demo, system["id"], "started")
    assert requests.get(system["url"], timeout=10).json()["config_toml_applied"] is True


def test_unknown_product_url_is_404(client):
    assert requests.get(client.url("/product/sys-nope/"), timeout=10).status_code == 404


def test_product_url_is_not_counted(client, demo):
    system = client.started_system(demo)
    client.control_ok("ResetRequestCounts")
    requests.get(system["url"], timeout=10)
    requests.get(client.url("/healthz"), timeout=10)
    assert client.control_ok("GetRequestCounts") == {"counts": {}, "total": 0}
