"""Per-method counts of puddle.v2 calls, for the control API."""

import collections
import threading


class RequestCounter:
    def __init__(self):
        self._lock = threading.Lock()
        self._counts = collections.Counter()

    def add(self, route):
        with self._lock:
            self._counts[route] += 1

    def snapshot(self):
        with self._lock:
            return dict(self._counts), sum(self._counts.values())

    def reset(self):
        with self._lock:
            self._counts.clear()
