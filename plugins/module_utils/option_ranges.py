# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The range of every option that is a number of seconds: plain Python, no Ansible import.

One rule for every face (modules, inventory, lookup, event source), checked before any request
(docs/reliability.md, "Retry bounds"): a time bound is a finite number. ``nan`` and ``inf`` would
disable the bound (every comparison with nan is false), a negative one means nothing, and one of more
than a year (MAX_SECONDS) cannot be waited for on every platform.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math

# Option -> whether 0 is allowed. request_timeout 0 would give up on every answer before it comes, and a poll
# interval of 0 would poll without pause; 0 is a valid bound for a wait or for retrying (do not wait, do not retry).
SECONDS_OPTIONS = {
    'request_timeout': False,
    'retry_timeout': True,
    'wait_timeout': True,
    'poll_interval': False,
}

RULE = 'range'

# The most any of them may be: a year. Far beyond it, a finite bound overflows what the platform can wait for
# (socket.settimeout, time.sleep and lock timeouts raise OverflowError above about 9.2e9 s with a 64-bit time_t,
# sooner with a 32-bit one), and would only fail once the task had begun sending.
MAX_SECONDS = 365 * 24 * 3600


def seconds_rule(option):
    """The rule of a seconds option, as text."""
    if SECONDS_OPTIONS.get(option, True):
        return 'a finite number of seconds, 0 or more'
    return 'a finite number of seconds, more than 0'


def seconds_problem(option, value):
    """Why value cannot be option's number of seconds, as a message naming the option and the rule; None if fine.

    None (the option not given) is fine: its default applies.
    """
    if value is None:
        return None
    zero_allowed = SECONDS_OPTIONS.get(option, True)
    number = value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    if number is None or not math.isfinite(number) or number < 0 or (number == 0 and not zero_allowed):
        shown = '%g' % number if number is not None else repr(value)
        return '{0} must be {1}, got {2}'.format(option, seconds_rule(option), shown)
    if number > MAX_SECONDS:
        return '{0} must be a finite number of seconds, at most {1} ({2} days), got {3:g}'.format(
            option, MAX_SECONDS, MAX_SECONDS // 86400, number)
    return None


def first_seconds_problem(options):
    """(option, message) for the first seconds option of the dict options that breaks its rule, or None."""
    for option in sorted(SECONDS_OPTIONS):
        if option in options:
            message = seconds_problem(option, options[option])
            if message is not None:
                return option, message
    return None
