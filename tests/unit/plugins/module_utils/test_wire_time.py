# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Time from the wire is read in UTC (docs/reliability.md, "Time zones"): every date or timestamp Puddle
sends means the same instant under any TZ. Each test runs under three zones far apart."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import time
from email.utils import formatdate

import pytest

from ansible_collections.puddle.cloud.extensions.eda.plugins.event_source import puddle_systems
from ansible_collections.puddle.cloud.plugins.module_utils import puddle_client as pc
from ansible_collections.puddle.cloud.plugins.module_utils import puddle_pyclient, wire_time

# Zone -> its offset from UTC in December (the tests check that the zone really is in force).
ZONES = {'UTC': '+0000', 'Pacific/Kiritimati': '+1400', 'America/Adak': '-1000'}
NOW = 1796040000.0  # 2026-11-30T12:00:00Z


@pytest.fixture(params=sorted(ZONES), autouse=True)
def zone(request, monkeypatch):
    monkeypatch.setenv('TZ', request.param)
    time.tzset()
    assert time.strftime('%z', time.localtime(NOW)) == ZONES[request.param]
    yield request.param
    monkeypatch.undo()
    time.tzset()


def imf_fixdate(seconds):
    return formatdate(seconds, usegmt=True)  # Mon, 30 Nov 2026 12:00:05 GMT


def rfc850(seconds):
    return time.strftime('%A, %d-%b-%y %H:%M:%S GMT', time.gmtime(seconds))  # Monday, 30-Nov-26 12:00:05 GMT


def asctime(seconds):
    return time.asctime(time.gmtime(seconds))  # Mon Nov 30 12:00:05 2026


HTTP_DATE_FORMS = [imf_fixdate, rfc850, asctime]


@pytest.mark.parametrize('form', HTTP_DATE_FORMS, ids=lambda form: form.__name__)
def test_a_retry_after_date_five_seconds_ahead_is_five_seconds_in_every_zone(form):
    assert pc.parse_retry_after(form(NOW + 5), now=NOW) == 5.0
    assert wire_time.http_date(form(NOW + 5)) == datetime.datetime(2026, 11, 30, 12, 0, 5, tzinfo=wire_time.UTC)


def test_the_forms_read_as_their_texts_say():
    assert (imf_fixdate(NOW), rfc850(NOW), asctime(NOW)) == (
        'Mon, 30 Nov 2026 12:00:00 GMT', 'Monday, 30-Nov-26 12:00:00 GMT', 'Mon Nov 30 12:00:00 2026')
    assert pc.parse_retry_after('Mon Nov 30 11:59:00 2026', now=NOW) == 0.0  # in the past: no wait


@pytest.mark.parametrize('form', HTTP_DATE_FORMS, ids=lambda form: form.__name__)
def test_a_task_waits_what_a_retry_after_date_says(make_client, fake, clock, form):
    # The example: 5 s ahead waited 4 s under UTC, 0 s under Kiritimati, 60 s (the cap) under Adak.
    # The header is built from the real clock, as Puddle would send it; a whole-second date is 4 to 6 s ahead.
    client = make_client()
    ahead = int(time.time()) + 6
    fake.fail_next('ListTags', 'rate_limited', retry_after=form(ahead))
    client.list_tags()
    assert len(clock.sleeps) == 1
    assert 4.0 <= clock.sleeps[0] <= 6.0


@pytest.mark.parametrize('text', [
    '2026-11-30T12:00:05Z', '2026-11-30T12:00:05z', '2026-11-30T12:00:05+00:00', '2026-11-30T14:00:05+02:00',
    '2026-11-30T02:00:05-10:00', '2026-11-30T12:00:05',
])
def test_an_rfc3339_timestamp_is_one_instant_in_every_zone(text):
    assert wire_time.rfc3339_timestamp(text) == NOW + 5
    assert puddle_systems.parse_timestamp(text) == NOW + 5


@pytest.mark.parametrize('value', [
    '2026-11-30',                 # a bare date (datetime.fromisoformat reads it as midnight)
    '2026-11-30T12',              # hour only
    '2026-11-30T12:00',           # no seconds
    '20261130T120005Z',           # ISO 8601 basic format
    '2026-W48-1T12:00:05Z',       # a week date
    '2026-334T12:00:05Z',         # an ordinal date
    '2026-11-30T12:00:05+0200',   # an offset without its colon
    '2026-11-30T12:00:05+02',     # an offset without minutes
    '2026-11-30T12:00:05.Z',      # a point without a fraction
    '2026-11-31T12:00:05Z',       # no such day
    '2026-11-30T24:00:05Z',       # no such hour
    '2026-11-30T12:00:05+24:00',  # no such offset
    '2026-11-30T12:00:05Z trailing',
    '\u0662\u0660\u0662\u0666-11-30T12:00:05Z',  # Arabic-Indic digits: RFC 3339's DIGIT is ASCII 0-9 only
    '2026-11-30T12:00:05\uff0e5Z',  # a fullwidth point
    '\uff12\uff10\uff12\uff16-11-30T12:00:05Z',  # fullwidth digits
    '9999-12-31T23:59:59-23:59',  # a valid text whose instant is after year 9999 in UTC
    '0001-01-01T00:00:00+00:01',  # and one before year 1
])
def test_what_is_not_rfc_3339_is_refused(value):
    assert wire_time.rfc3339(value) is None
    assert wire_time.rfc3339_timestamp(value) is None


@pytest.mark.parametrize('text, expected', [
    ('2026-11-30t12:00:05.5Z', NOW + 5.5),
    ('2026-11-30 12:00:05.250+00:00', NOW + 5.25),
    ('2026-11-30T12:00:05.123456789Z', NOW + 5.123456),  # more digits than microseconds: cut
])
def test_rfc_3339_forms_with_fractions_and_separators_are_read(text, expected):
    assert wire_time.rfc3339_timestamp(text) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize('value', [None, '', 'soon', 42, '30 Nov 2026'])
def test_what_is_no_timestamp_is_none(value):
    assert wire_time.rfc3339_timestamp(value) is None
    assert wire_time.http_date_timestamp(value if isinstance(value, str) else None) is None


@pytest.mark.parametrize('value', [
    datetime.datetime(2026, 11, 30, 12, 0, 5),  # naive: Puddle's client means UTC, not the local time
    datetime.datetime(2026, 11, 30, 12, 0, 5, 600000, tzinfo=wire_time.UTC),
    datetime.datetime(2026, 11, 30, 2, 0, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=-10))),
    NOW + 5,
    '2026-11-30T12:00:05Z',
    '2026-11-30T12:00:05',
    '2026-11-30T13:00:05+01:00',
])
def test_the_python_client_conversion_gives_utc_text(value):
    assert puddle_pyclient.timestamp(value) == '2026-11-30T12:00:05Z'


@pytest.mark.parametrize('value', [
    float('nan'), float('inf'), -float('inf'), 1e20, -1e20,
    datetime.datetime(9999, 12, 31, 23, 0, 0, tzinfo=datetime.timezone(-datetime.timedelta(hours=23))),
])
def test_a_python_client_time_that_is_no_instant_is_unknown(value):
    """A Unix time or an aware datetime that no UTC instant can hold: the field is unknown (left out, named in
    unknown_attributes), never a crash of the task nor a value."""
    with pytest.raises(puddle_pyclient.UnknownValue):
        puddle_pyclient.timestamp(value)
    converted = puddle_pyclient.convert(puddle_pyclient.SYSTEM_FIELDS, dict(id='s1', name='a', created=value))
    assert 'created' not in converted
    assert converted['name'] == 'a'


def test_the_python_client_conversion_keeps_text_that_is_no_timestamp():
    assert puddle_pyclient.timestamp('tomorrow') == 'tomorrow'
    assert puddle_pyclient.timestamp(None) is None


def test_the_idle_warning_of_the_event_source_is_the_same_in_every_zone():
    watcher = puddle_systems.SystemsWatcher(idle_warning_minutes=10)
    system = {'id': 'a', 'name': 'a', 'status': 'started', 'tags': [], 'idle_deadline': '2026-11-30T12:05:00'}
    events = watcher.update([system], now=NOW)
    near = [event['puddle'] for event in events if event['puddle']['event'] == 'idle_deadline_near']
    assert [item['minutes_left'] for item in near] == [5.0]
