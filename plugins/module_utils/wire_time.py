# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Dates and timestamps read from Puddle, always as UTC (docs/reliability.md, "Time zones").

Every time Puddle sends means one instant, whatever the TZ of the machine that reads it: the
HTTP dates of Retry-After (RFC 9110 section 5.6.7: IMF-fixdate, RFC 850 and asctime, all in GMT;
asctime carries no zone at all) and the RFC 3339 timestamps of docs/api.md (idle_deadline,
created, updated, expires_at). A form without a zone is read as UTC, never as local time:
local time is the reader's, not Puddle's. Results are seconds since the epoch (time.time()'s
scale) or aware UTC datetimes; nothing here calls time.mktime, datetime.timestamp() on a naive
value or anything else that consults the local zone.

No Ansible and no HTTP imports.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re

UTC = datetime.timezone.utc


def as_utc(moment):
    """An aware UTC datetime from a datetime; a naive one is taken as UTC (not local time)."""
    if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def http_date(value):
    """The aware UTC datetime of an HTTP date in any of its three forms; None if value is not one.

    parsedate_to_datetime reads all three forms but returns a naive datetime for asctime (and for a
    -0000 zone): HTTP dates are GMT, so a naive result is UTC.
    """
    if not isinstance(value, str):
        return None
    # Imported only for an HTTP date: email.utils (with calendar, base64 and email.charset) would
    # otherwise cost every task's process its import (only Retry-After carries HTTP dates).
    from email.utils import parsedate_to_datetime  # pylint: disable=import-outside-toplevel
    try:
        moment = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment is None:
        return None
    return as_utc(moment)


def http_date_timestamp(value):
    """Seconds since the epoch of an HTTP date (see http_date); None if value is not one."""
    moment = http_date(value)
    return None if moment is None else moment.timestamp()


# RFC 3339 section 5.6 date-time: full-date "T" full-time, with a "t" or a space allowed for the "T" (its note) and
# the offset optional (read as UTC, the idle deadlines some clients send). Nothing else: no bare date, no week or
# ordinal date, no basic format without separators, no hour-only or minute-only time, no leap second, and no digit
# but ASCII 0-9 (re.ASCII: Python's \d also matches Arabic-Indic or fullwidth digits, and int() reads them).
_RFC3339 = re.compile(
    r'^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))?$', re.ASCII)


def rfc3339(value):
    """The aware UTC datetime of an RFC 3339 timestamp ('Z', 'z' or an offset; none is read as UTC); None if not one.

    Only RFC 3339's date-time form is read (datetime.fromisoformat also takes bare dates and other ISO 8601
    forms that are not timestamps). Fractions of a second beyond microseconds are cut.
    """
    if not isinstance(value, str):
        return None
    match = _RFC3339.match(value.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zulu, sign, offset_hours, offset_minutes = match.groups()
    microsecond = int((fraction or '0')[:6].ljust(6, '0'))
    zone = UTC
    if sign is not None:
        if int(offset_hours) > 23 or int(offset_minutes) > 59:
            return None
        offset = datetime.timedelta(hours=int(offset_hours), minutes=int(offset_minutes))
        zone = datetime.timezone(offset if sign == '+' else -offset)
    try:
        moment = datetime.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), microsecond,
                                   tzinfo=zone)
    except ValueError:  # a day, hour, minute or second out of its range
        return None
    try:
        return as_utc(moment)
    except OverflowError:  # a valid text whose instant no datetime holds: after year 9999 or before year 1 in UTC
        return None


def rfc3339_timestamp(value):
    """Seconds since the epoch of an RFC 3339 timestamp (see rfc3339); None if value is not one."""
    moment = rfc3339(value)
    return None if moment is None else moment.timestamp()


def rfc3339_text(moment):
    """RFC 3339 UTC text ('...Z', whole seconds) of a datetime; a naive one is taken as UTC."""
    return as_utc(moment).replace(microsecond=0, tzinfo=None).isoformat() + 'Z'
