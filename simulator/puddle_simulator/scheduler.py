"""The background thread that moves systems through their transitions when they fall due."""

import logging
import threading

LOG = logging.getLogger(__name__)
# Wake at least this often, so a changed clock or timing is noticed without a wake-up call.
MAX_SLEEP_SECONDS = 1.0
MIN_SLEEP_SECONDS = 0.005


class Scheduler:
    def __init__(self, advance, clock):
        self._advance = advance
        self._clock = clock
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="puddle-scheduler", daemon=True)

    def start(self):
        self._thread.start()

    def stop(self):
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=5)

    def wake(self):
        self._wake.set()

    def _run(self):
        while not self._stop.is_set():
            self._wake.clear()
            try:
                next_due = self._advance()
            except Exception:  # a bad row or a locked database must not stop the clock
                LOG.exception("scheduler step failed")
                next_due = None
            delay = MAX_SLEEP_SECONDS if next_due is None else next_due - self._clock()
            self._wake.wait(min(MAX_SLEEP_SECONDS, max(MIN_SLEEP_SECONDS, delay)))
