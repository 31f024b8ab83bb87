"""Figure 2: polls during a wait against ceil(wait / poll_interval) + 2, and how late a reached state is noticed.

The waits are the collection's client (the modules wait through it) on its own http.client transport,
recording each request's send time; the polls are read from the simulator's counters.
"""

from __future__ import annotations

import math
import time

from ansible_collections.puddle.cloud.plugins.module_utils.puddle_http import HttpClientTransport
from common import API_KEY_ID, API_SECRET_KEY, Figure, PuddleClient
from simulator import Simulator

GET_SYSTEM = "SystemService/GetSystem"


class RecordingTransport(HttpClientTransport):
    """The client's transport, noting (monotonic time, method) of every request it sends."""

    def __init__(self):
        super().__init__()
        self.sent = []

    def post(self, url, body, headers, timeout):
        self.sent.append((time.monotonic(), url.rsplit("/", 1)[-1]))
        return super().post(url, body, headers, timeout)


def polls_after(transport, index):
    return [moment for moment, method in transport.sent[index:] if method == "GetSystem"]


def measure(context):
    figure = Figure(2, "Waiting: polls and detection latency (client waits, simulator counters)",
                    ["wait", "polls", "bound", "polls/bound", "1st poll/P", "latency/P", "target"])
    speed = 20.0
    with Simulator(context.workdir, name="waiting", speed=speed) as sim:
        transport = RecordingTransport()
        client = PuddleClient(sim.url, API_KEY_ID, API_SECRET_KEY, transport=transport)

        def set_seconds(**real_seconds):
            sim.control("SetTiming", dict((phase + "_seconds", seconds * speed) for phase, seconds in real_seconds.items()))

        set_seconds(provisioning=2.5, starting=1)
        created = client.create_system("bench-wait", "aws", image_id="aws-h2o3-3.46.0.1", instance_type_id="aws-m5.xlarge",
                                       tags={"project": "bench"})
        system_id = created["id"]
        # The creation above was the action: measure its wait.
        began_creation = transport.sent[-1][0]

        def run(label, poll_interval, act, reached_after, timeout=120, expect_timeout=False):
            """act() sends the request (or forces a status) and returns when the change began."""
            sim.reset_counts()
            began = act()
            reached_at = began + reached_after
            mark = len(transport.sent)
            wait_began = time.monotonic()
            try:
                system = client.wait_for_system_started(system_id, timeout=timeout, poll_interval=poll_interval)
                assert system["status"] == "started"
                assert not expect_timeout, "expected a timeout"
            except Exception as error:  # pylint: disable=broad-except
                if not expect_timeout or getattr(error, "code", None) != "timeout":
                    raise
            ended = time.monotonic()
            polls = sim.counts().get(GET_SYSTEM, 0)
            poll_times = polls_after(transport, mark)
            bound = math.ceil((ended - wait_began) / poll_interval) + 2
            first = (poll_times[0] - began) / poll_interval if poll_times else float("nan")
            latency = float("nan") if expect_timeout else max(0.0, poll_times[-1] - reached_at) / poll_interval
            met = polls <= bound and (math.isnan(first) or first >= 0.95) and (expect_timeout or latency <= 1.0)
            figure.add(label, polls, bound, polls / bound, first, latency,
                       "polls<=bound, 1st>=1, latency<=1", check=met)

        run("create, provisioning 2.5 s, P=1 s", 1.0, lambda: began_creation, 2.5)

        client.stop_system(system_id)
        client.wait_for_system_stopped(system_id, timeout=60, poll_interval=0.2)

        def start():
            client.start_system(system_id)
            return transport.sent[-1][0]

        run("start, starting 1 s, P=3 s", 3.0, start, 1.0)

        def hold(seconds):
            def act():
                sim.control("ForceSystemStatus", {"system_id": system_id, "status": "starting", "hold_seconds": seconds})
                moment = time.monotonic()
                client.get_system(system_id)  # what a module's lookup does before it waits
                return moment
            return act

        run("held 5 s + starting 1 s, P=2.5 s", 2.5, hold(5), 6.0)
        set_seconds(starting=11.5)
        run("starting 11.5 s, P=1 s", 1.0, hold(0), 11.5)
        set_seconds(starting=1)
        run("held 60 s, timeout 5 s, P=1 s", 1.0, hold(60), 61.0, timeout=5, expect_timeout=True)
        sim.control("ForceSystemStatus", {"system_id": system_id, "status": "started"})
        client.terminate_system(system_id)
    figure.note("bound = ceil(wait / P) + 2 polls; 1st poll/P = delay of the first poll after the action, in poll intervals "
                "(target >= 1: not before the server can have moved); latency/P = how late the reached state was "
                "noticed, in poll intervals (target <= 1).")
    return figure
