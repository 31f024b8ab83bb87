"""The simulator's own command line, with its request counter and fault dice observed.

`python -m reliability.counted_simulator --observations FILE <simulator flags>` runs
`puddle_simulator` unchanged, except that every counted puddle.v2 request and every fault that
fires (the dice of docs/api.md §8 that come up true) is also added to FILE, rewritten
atomically at each event. The control API's GetRequestCounts can be reset and has no fault
counts, and a simulator killed with SIGKILL cannot be asked anything: this file survives both.
Nothing the simulator decides or answers is changed.
"""

import json
import os
import sys
import tempfile
import threading

from puddle_simulator import cli, counters, faults


class Observations:
    def __init__(self, path):
        self.path = path
        self._lock = threading.Lock()
        self._data = {"requests": {}, "faults": {}}
        self._flush()

    def add(self, kind, key):
        with self._lock:
            bucket = self._data[kind]
            bucket[key] = bucket.get(key, 0) + 1
            self._flush()

    def _flush(self):
        directory = os.path.dirname(os.path.abspath(self.path))
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".observations-")
        with os.fdopen(handle, "w") as stream:
            json.dump(self._data, stream, sort_keys=True)
        os.replace(temporary, self.path)


def observe(observations):
    original_add = counters.RequestCounter.add
    original_fires = faults.Faults.fires

    def counted_add(self, route):
        original_add(self, route)
        observations.add("requests", route)

    def counted_fires(self, rate_knob):
        fired = original_fires(self, rate_knob)
        if fired:
            observations.add("faults", rate_knob)
        return fired

    counters.RequestCounter.add = counted_add
    faults.Faults.fires = counted_fires


def main(argv):
    if len(argv) < 2 or argv[0] != "--observations":
        sys.exit("usage: python -m reliability.counted_simulator --observations FILE <simulator flags>")
    observe(Observations(argv[1]))
    return cli.main(argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
