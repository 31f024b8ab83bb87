"""Fault-injection knobs (docs/api.md §8) and the seeded dice that decide when they fire."""

import random
import threading

RATE_KNOBS = (
    "unavailable_rate",
    "resource_exhausted_rate",
    "drop_rate",
    "drop_after_commit_rate",
    "provisioning_failure_rate",
    "start_failure_rate",
    "config_upload_failure_rate",
)
KNOB_DEFAULTS = dict(
    {knob: 0.0 for knob in RATE_KNOBS},
    retry_after_seconds=0,
    latency_ms_min=0,
    latency_ms_max=0,
    seed=0,
)


class Faults:
    def __init__(self, **knobs):
        self._lock = threading.Lock()
        self._knobs = dict(KNOB_DEFAULTS)
        self._random = random.Random(KNOB_DEFAULTS["seed"])
        self.update(knobs)

    def as_dict(self):
        with self._lock:
            return dict(self._knobs)

    def update(self, knobs):
        with self._lock:
            unknown = set(knobs) - set(KNOB_DEFAULTS)
            if unknown:
                raise KeyError("unknown fault knobs: %s" % ", ".join(sorted(unknown)))
            self._knobs.update(knobs)
            if "seed" in knobs:
                self._random.seed(self._knobs["seed"])

    def __getitem__(self, knob):
        with self._lock:
            return self._knobs[knob]

    def fires(self, rate_knob):
        """True with the probability the knob holds (never for 0, always for 1)."""
        with self._lock:
            rate = self._knobs[rate_knob]
            return rate > 0 and self._random.random() < rate

    def latency_seconds(self):
        with self._lock:
            low, high = self._knobs["latency_ms_min"], self._knobs["latency_ms_max"]
            if high <= 0 and low <= 0:
                return 0.0
            return self._random.uniform(low, max(low, high)) / 1000.0
