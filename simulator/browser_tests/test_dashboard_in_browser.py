"""End to end in a real headless browser: the dashboard shows systems created through the API and
follows their state changes without a reload (docs/api.md §8)."""

import struct

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from sim_helpers import unique_name

# The page polls every second; allow for a lifecycle step and a slow machine on top.
FOLLOW_SECONDS = 10

ROW_STATE = """
const row = document.querySelector('tr[data-system-id="' + arguments[0] + '"]');
if (!row) return null;
return {
  status: row.dataset.status,
  user: row.closest("section").dataset.user,
  text: row.innerText,
  colour: getComputedStyle(row.querySelector(".status")).backgroundColor,
};
"""


def row_state(browser, system_id):
    return browser.execute_script(ROW_STATE, system_id)


def wait_for_row(browser, system_id, predicate, what):
    seen = []

    def check(driver):
        state = row_state(driver, system_id)
        seen.append(state and state["status"])
        # until() waits for a truthy value; a row that is gone (None) may be what we wait for.
        return (state or True) if predicate(state) else False

    try:
        return WebDriverWait(browser, FOLLOW_SECONDS, poll_frequency=0.1).until(check)
    except Exception as error:
        raise AssertionError("the page did not show %s for %s; statuses seen: %s" % (what, system_id, seen)) from error


def text_of(browser, element_id):
    return browser.find_element(By.ID, element_id).text


def png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return len(data), width, height


def test_dashboard_follows_systems_live(browser, browser_sim, tmp_path):
    client = browser_sim.client()
    demo, other = client.login("demo"), client.login("other")
    browser.get(browser_sim.base_url + "/dashboard")
    WebDriverWait(browser, FOLLOW_SECONDS).until(
        lambda driver: driver.find_element(By.ID, "connection").get_attribute("data-state") == "live"
    )
    assert text_of(browser, "cu-size") == "1000" and text_of(browser, "cu-consumed") == "0"
    # A reload would drop this marker: every change below must arrive by polling.
    browser.execute_script("window.stillTheSamePage = true;")

    system = client.create(demo, name=unique_name("browser"), instance_type_name="m5.4xlarge")
    theirs = client.create(other, name=unique_name("theirs"))
    shown = wait_for_row(browser, system["id"], lambda state: state is not None, "the new system")
    assert shown["user"] == "demo" and system["name"] in shown["text"] and "m5.4xlarge" in shown["text"]
    assert wait_for_row(browser, theirs["id"], lambda state: state is not None, "the other user's system")["user"] == (
        "other"
    )

    started = wait_for_row(browser, system["id"], lambda state: state and state["status"] == "started", "started")
    assert "VM running" in started["text"] and "product running" in started["text"]
    assert "/product/%s/" % system["id"] in started["text"]
    assert text_of(browser, "cu-consumed") == "10"

    answer = client.act(demo, "StopSystem", system["id"])
    assert answer.status == 200, answer
    stopped = wait_for_row(browser, system["id"], lambda state: state and state["status"] == "stopped", "stopped")
    assert "VM stopped" in stopped["text"] and stopped["colour"] != started["colour"]
    assert text_of(browser, "cu-consumed") == "2"

    client.force(system["id"], "failed")
    failed = wait_for_row(browser, system["id"], lambda state: state and state["status"] == "failed", "failed")
    assert "forced to failed" in failed["text"]
    assert len({started["colour"], stopped["colour"], failed["colour"]}) == 3

    screenshot = tmp_path / "dashboard.png"
    assert browser.save_screenshot(str(screenshot))
    size, width, height = png_size(screenshot)
    assert size > 10000 and (width, height) == tuple(browser.execute_script("return [innerWidth, innerHeight]"))

    client.act(demo, "TerminateSystem", system["id"])
    wait_for_row(browser, system["id"], lambda state: state is None, "the terminated system gone")
    assert browser.execute_script("return window.stillTheSamePage === true")
    problems = [entry for entry in browser.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")]
    assert problems == []
