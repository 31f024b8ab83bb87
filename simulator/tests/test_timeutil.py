"""The simulator sends its times as RFC 3339 UTC whatever the TZ it runs under (docs/reliability.md, "Time zones")."""

import calendar
import time

import pytest

from puddle_simulator import timeutil

# Zone -> its offset from UTC in late November (checked, so the zone really is in force).
ZONES = {"UTC": "+0000", "Pacific/Kiritimati": "+1400", "America/Adak": "-1000"}
MOMENT = 1796040005.0  # 2026-11-30T12:00:05Z


@pytest.fixture(params=sorted(ZONES))
def zone(request, monkeypatch):
    monkeypatch.setenv("TZ", request.param)
    time.tzset()
    assert time.strftime("%z", time.localtime(MOMENT)) == ZONES[request.param]
    yield request.param
    monkeypatch.undo()
    time.tzset()


def test_timestamps_are_utc_text_in_every_zone(zone):
    assert timeutil.rfc3339(MOMENT) == "2026-11-30T12:00:05Z"
    assert timeutil.rfc3339(MOMENT + 0.9) == "2026-11-30T12:00:05Z"
    assert timeutil.rfc3339(None) is None


def test_the_text_reads_back_as_the_same_instant(zone):
    text = timeutil.rfc3339(MOMENT)
    assert calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ")) == int(MOMENT)
