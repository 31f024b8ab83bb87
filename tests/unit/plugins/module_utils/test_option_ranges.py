# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""option_ranges: every number of seconds is finite and in its range, in every face, before any request."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.puddle.cloud.plugins.module_utils import client_factory
from ansible_collections.puddle.cloud.plugins.module_utils.option_ranges import first_seconds_problem, seconds_problem
from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import ValidationFailedError

NAN, INF = float('nan'), float('inf')


@pytest.mark.parametrize('option, value', [
    ('retry_timeout', 0), ('retry_timeout', 0.5), ('retry_timeout', 90), ('wait_timeout', 0), ('wait_timeout', 1200),
    ('request_timeout', 0.1), ('poll_interval', 5), ('retry_timeout', None),
])
def test_a_finite_value_in_range_is_accepted(option, value):
    assert seconds_problem(option, value) is None


@pytest.mark.parametrize('option, value, message', [
    ('retry_timeout', NAN, 'retry_timeout must be a finite number of seconds, 0 or more, got nan'),
    ('retry_timeout', INF, 'retry_timeout must be a finite number of seconds, 0 or more, got inf'),
    ('retry_timeout', -INF, 'retry_timeout must be a finite number of seconds, 0 or more, got -inf'),
    ('retry_timeout', -1.0, 'retry_timeout must be a finite number of seconds, 0 or more, got -1'),
    ('request_timeout', 0, 'request_timeout must be a finite number of seconds, more than 0, got 0'),
    ('request_timeout', NAN, 'request_timeout must be a finite number of seconds, more than 0, got nan'),
    ('wait_timeout', -1, 'wait_timeout must be a finite number of seconds, 0 or more, got -1'),
    ('poll_interval', INF, 'poll_interval must be a finite number of seconds, more than 0, got inf'),
    ('retry_timeout', True, 'retry_timeout must be a finite number of seconds, 0 or more, got True'),
    ('retry_timeout', '90', "retry_timeout must be a finite number of seconds, 0 or more, got '90'"),
])
def test_a_value_out_of_range_is_named_with_the_option_and_the_rule(option, value, message):
    assert seconds_problem(option, value) == message


@pytest.mark.parametrize('option', ['request_timeout', 'retry_timeout', 'wait_timeout', 'poll_interval'])
def test_a_year_is_the_longest_accepted(option):
    """Finite but huge: the socket timeout, sleep or lock of such a bound overflows the platform's time_t
    (OverflowError after the task began sending). A year is the most any of them may be."""
    assert seconds_problem(option, 365 * 24 * 3600) is None
    for value in (365 * 24 * 3600 + 1, 1e10, 1e20, 1e300, 10 ** 30):
        assert seconds_problem(option, value) == (
            '{0} must be a finite number of seconds, at most 31536000 (365 days), got {1:g}'.format(option, value))


def test_the_first_problem_in_option_order_is_given():
    assert first_seconds_problem(dict(retry_timeout=NAN, request_timeout=-1, other=NAN))[0] == 'request_timeout'
    assert first_seconds_problem(dict(retry_timeout=90, request_timeout=30, other=NAN)) is None


@pytest.mark.parametrize('api_client', ['builtin', 'puddle_client'])
@pytest.mark.parametrize('option, value', [('retry_timeout', NAN), ('retry_timeout', INF), ('retry_timeout', -1),
                                           ('request_timeout', NAN), ('request_timeout', 0),
                                           ('request_timeout', 1e20), ('retry_timeout', 1e300)])
def test_make_client_refuses_a_timeout_out_of_range_before_building_a_client(monkeypatch, api_client, option, value):
    """The inventory, the lookup and the event source build their client here: none gets a client to send with."""
    built = []
    monkeypatch.setitem(client_factory.CLIENT_CLASSES, api_client, lambda **options: built.append(options))
    with pytest.raises(ValidationFailedError) as raised:
        client_factory.make_client(api_client=api_client, server_address='http://127.0.0.1:1', **{option: value})
    assert (raised.value.field, raised.value.rule) == (option, 'range')
    assert raised.value.message.startswith(option + ' must be a finite number of seconds')
    assert built == []


@pytest.mark.parametrize('value', [1e10, 1e20])
def test_a_huge_request_timeout_never_reaches_a_socket(value):
    """The socket's settimeout(1e10) raises OverflowError: the builtin client would report it as a failed request."""
    with pytest.raises(ValidationFailedError, match='at most 31536000'):
        client_factory.make_client(server_address='http://127.0.0.1:1', request_timeout=value)
