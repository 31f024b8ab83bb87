"""A simulator and a headless Debian chromium, driven by Selenium, for the dashboard's browser test.

Run it on its own (see scripts/install-browser for what it needs):
    python -m pytest simulator/browser_tests   (with the simulator installed: pip install ./simulator)
It sits outside simulator/tests on purpose: `pytest simulator/tests` runs the HTTP tests only,
on machines without a browser too.
"""

import os
import sys

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

# sim_helpers sits in simulator/tests; this folder may be pytest's rootdir, so load it by path.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests"))

from sim_helpers import SimulatorProcess  # noqa: E402

BROWSER = os.environ.get("PUDDLE_CHROMIUM", "/usr/bin/chromium")
DRIVER = os.environ.get("PUDDLE_CHROMEDRIVER", "/usr/bin/chromedriver")
# Lifecycle at speed 10: provisioning 3 s, stopping 1 s, terminating 1 s.
BROWSER_TEST_SPEED = 10.0
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1360,900",
)


@pytest.fixture(scope="module")
def browser_sim(tmp_path_factory):
    process = SimulatorProcess(tmp_path_factory.mktemp("browser-sim"), speed=BROWSER_TEST_SPEED).start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """Debian's chromium through Debian's chromedriver. With the driver's path given, Selenium
    skips Selenium Manager, so nothing is downloaded."""
    workdir = tmp_path_factory.mktemp("chromium")
    options = webdriver.ChromeOptions()
    options.binary_location = BROWSER
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument("--user-data-dir=%s" % (workdir / "profile"))
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=DRIVER, log_output=str(workdir / "chromedriver.log"))
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()
