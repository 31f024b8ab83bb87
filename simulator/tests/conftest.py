import os
import sys

import pytest

# The helpers sit next to this file; make them importable whatever pytest's import mode.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from sim_helpers import FAULTS_OFF, TIMING_DEFAULTS, SimulatorProcess  # noqa: E402


@pytest.fixture(scope="session")
def sim(tmp_path_factory):
    """One simulator shared by the tests that need no special flags (speed 50, 1 s Puddle minutes)."""
    process = SimulatorProcess(tmp_path_factory.mktemp("shared-sim")).start()
    yield process
    process.stop()


@pytest.fixture(scope="session")
def client(sim):
    return sim.client()


@pytest.fixture(scope="session")
def demo(client):
    return client.login("demo")


@pytest.fixture(scope="session")
def other(client):
    return client.login("other")


@pytest.fixture(autouse=True)
def _clean_knobs(request):
    """Leave the shared simulator with no faults and default timing after every test."""
    yield
    if "sim" in request.fixturenames:
        client = request.getfixturevalue("client")
        client.control_ok("SetFaults", FAULTS_OFF)
        client.control_ok("SetTiming", TIMING_DEFAULTS)


@pytest.fixture
def start_sim(tmp_path):
    """Start extra simulators with their own flags; all are stopped after the test."""
    started = []

    def start(*args, **kwargs):
        process = SimulatorProcess(tmp_path / ("sim%d" % len(started)), *args, **kwargs)
        started.append(process)
        return process.start()

    yield start
    for process in started:
        process.stop()
