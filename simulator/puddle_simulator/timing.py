"""How long things take: lifecycle durations (divided by speed) and the length of a Puddle minute."""

import threading

# Seconds at speed 1, per docs/api.md and the team brief.
DEFAULT_DURATIONS = {
    "provisioning": 30.0,
    "starting": 15.0,
    "stopping": 10.0,
    "restarting": 20.0,
    "terminating": 10.0,
    "config_upload": 2.0,
}
# A terminated system stays visible to GetSystem for 24 Puddle hours.
TERMINATED_RETENTION_MINUTES = 24 * 60


class Timing:
    def __init__(self, speed=1.0, minute_seconds=60.0, durations=None):
        self._lock = threading.Lock()
        self.speed = float(speed)
        self.minute_seconds = float(minute_seconds)
        self.durations = dict(DEFAULT_DURATIONS, **(durations or {}))

    def seconds(self, phase):
        """Real seconds that the phase (a transitional status or `config_upload`) lasts now."""
        with self._lock:
            return self.durations[phase] / self.speed

    def minutes(self, count):
        with self._lock:
            return count * self.minute_seconds

    def as_dict(self):
        with self._lock:
            values = {"speed": self.speed, "minute_seconds": self.minute_seconds}
            values.update({phase + "_seconds": seconds for phase, seconds in self.durations.items()})
            return values

    def update(self, values):
        """Apply `{"speed": .., "minute_seconds": .., "<phase>_seconds": ..}` (any subset)."""
        with self._lock:
            for key, value in values.items():
                if key in ("speed", "minute_seconds"):
                    setattr(self, key, float(value))
                else:
                    self.durations[key[: -len("_seconds")]] = float(value)
