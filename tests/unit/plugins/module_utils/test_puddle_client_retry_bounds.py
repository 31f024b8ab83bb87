# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every wait is bounded by what the user set (issue 19, part 5; docs/reliability.md, "Retry bounds").

The time one request spends retrying is bounded by retry_timeout (and by the task's wait_timeout when the
module has one); a Retry-After beyond what is left fails at once, naming the bound and the last answer.
"""

import pytest

from ansible_collections.puddle.cloud.plugins.module_utils import puddle_client as pc
from ansible_collections.puddle.cloud.plugins.module_utils.puddle_pyclient import PythonClientAdapter
from ansible_collections.puddle.cloud.tests.unit.plugins.module_utils.fake_puddle import FakeClock


def test_the_example_a_retry_after_of_60_s_with_request_timeout_5_stops_within_retry_timeout(make_client, fake, clock):
    # Before: 429 with Retry-After: 60 made a task with request_timeout: 5 retry for 201 s (up to ~10 min).
    client = make_client(request_timeout=5)
    fake.fail_next('ListTags', 'rate_limited', times=50, retry_after=60)
    client.login()
    started = clock.now
    with pytest.raises(pc.RateLimitedError) as raised:
        client.list_tags()
    assert clock.now - started <= pc.DEFAULT_RETRY_TIMEOUT + 5
    assert clock.sleeps == [60.0]  # one retry fits in the 90 s of retry_timeout, a second does not
    assert fake.methods().count('ListTags') == 2
    message = raised.value.message
    assert message == ('TagService/ListTags: injected rate_limited (gave up after 2 attempts: Puddle asked to '
                       'retry after 60 s, and 30 s were left of the time this request may spend retrying, '
                       'retry_timeout=90 s)')
    assert raised.value.meta['retry_bound'] == 'retry_timeout=90 s'


@pytest.mark.parametrize('retry_timeout', [5, 30, 100])
def test_the_time_spent_retrying_never_passes_retry_timeout(make_client, fake, clock, retry_timeout):
    client = make_client(retry_timeout=retry_timeout, max_retries=1000)
    fake.fail_next('ListTags', 'unavailable', times=1000)
    client.login()
    with pytest.raises(pc.UnavailableError) as raised:
        client.list_tags()
    assert sum(clock.sleeps) < retry_timeout
    assert clock.sleeps  # retries were sent within the bound
    assert 'retry_timeout={0:g} s'.format(retry_timeout) in raised.value.message
    assert 'the next retry was due in' in raised.value.message


def test_a_retry_after_that_fits_in_the_budget_is_honoured(make_client, fake, clock):
    client = make_client(retry_timeout=30)
    fake.fail_next('ListTags', 'rate_limited', times=2, retry_after=10)
    assert client.list_tags()
    assert clock.sleeps == [10.0, 10.0]


def test_a_retry_lasts_at_most_what_is_left_of_the_budget(make_client, fake, clock):
    client = make_client(request_timeout=30, retry_timeout=12)
    fake.fail_next('ListTags', 'rate_limited', times=1, retry_after=10)
    client.list_tags()
    timeouts = [kwargs['timeout'] for name, body, headers, kwargs in fake.requests if name == 'ListTags']
    assert timeouts[0] == 30  # the first attempt has request_timeout
    assert timeouts[1] == pytest.approx(2.0)  # the retry may not end past the 12 s of retry_timeout


def test_the_task_deadline_of_wait_timeout_bounds_the_retries_and_is_named(make_client, fake, clock):
    # Before: a task with wait_timeout: 5 retried one request for 201 s.
    client = make_client()
    client.set_task_deadline(clock.now + 5, ('wait_timeout', 5))
    fake.fail_next('ListTags', 'rate_limited', times=50, retry_after=3)
    with pytest.raises(pc.RateLimitedError) as raised:
        client.list_tags()
    assert sum(clock.sleeps) <= 5
    assert clock.sleeps == [3.0]
    assert raised.value.message.endswith('may spend retrying, wait_timeout=5 s)')
    assert 'Puddle asked to retry after 3 s' in raised.value.message


def test_within_a_wait_retry_timeout_bounds_the_retries_of_each_poll(make_client, fake, clock):
    # Before: a poll of a wait retried until the wait's own deadline, past retry_timeout (a 429 with
    # Retry-After: 60 kept one GetSystem retrying for 600 s of a 1200 s wait_timeout). As the adapter of Puddle's
    # own client already did, retry_timeout bounds the retries of every request, a wait's polls included.
    client = make_client()
    system = fake.add_system('s', status='starting')
    client.login()
    fake.fail_next('GetSystem', 'rate_limited', times=50, retry_after=60)
    started = clock.now
    with pytest.raises(pc.RateLimitedError) as raised:
        client.wait_for_system_started(system['id'], timeout=1200, poll_interval=5, first_poll_delay=0)
    assert clock.sleeps == [60.0]  # one retry fits in the 90 s of retry_timeout, a second does not
    assert clock.now - started <= pc.DEFAULT_RETRY_TIMEOUT
    assert fake.methods().count('GetSystem') == 2
    assert raised.value.message.endswith('30 s were left of the time this request may spend retrying, '
                                         'retry_timeout=90 s)')
    assert raised.value.meta['retry_bound'] == 'retry_timeout=90 s'


def test_within_a_wait_a_retry_may_not_last_past_retry_timeout(make_client, fake, clock):
    client = make_client(request_timeout=30, retry_timeout=12)
    system = fake.add_system('s', status='started')
    client.login()
    fake.fail_next('GetSystem', 'rate_limited', times=1, retry_after=10)
    client.wait_for_system_started(system['id'], timeout=100, poll_interval=5, first_poll_delay=0)
    timeouts = [kwargs['timeout'] for name, body, headers, kwargs in fake.requests if name == 'GetSystem']
    assert timeouts == [30, pytest.approx(2.0)]


def test_within_a_wait_each_poll_has_its_own_retry_budget(make_client, fake, clock):
    # Polls that each fail for less than retry_timeout ride out a long outage within the wait.
    client = make_client(retry_timeout=5)
    system = fake.add_system('s', status='starting')
    fake.schedule(system['id'], clock.now + 40, 'started')
    client.login()
    fake.fail_next('GetSystem', 'rate_limited', times=2, retry_after=2)
    seen = client.wait_for_system_started(system['id'], timeout=100, poll_interval=5, first_poll_delay=0)
    assert seen['status'] == 'started'
    assert clock.sleeps[:2] == [2.0, 2.0]


def test_within_a_wait_the_wait_deadline_still_ends_the_wait_when_it_comes_first(make_client, fake, clock):
    client = make_client(retry_timeout=90)
    system = fake.add_system('s', status='starting')
    client.login()
    fake.fail_next('GetSystem', 'rate_limited', times=50, retry_after=15)
    started = clock.now
    with pytest.raises(pc.WaitTimeoutError):
        client.wait_for_system_started(system['id'], timeout=20, poll_interval=5, first_poll_delay=0)
    assert clock.now - started == pytest.approx(20)
    assert clock.sleeps == [15.0, 5.0]  # the second retry is cut to the wait's deadline, as before


def test_the_python_client_adapter_bounds_its_read_retries_by_retry_timeout():
    clock = FakeClock()
    calls = []

    class Refusing(object):
        def list(self):
            calls.append(clock.now)
            raise ConnectionError('connection refused')

    adapter = PythonClientAdapter.__new__(PythonClientAdapter)
    adapter.max_retries, adapter.backoff_base, adapter.backoff_max = 1000, 0.5, 10
    adapter.retry_timeout, adapter.task_deadline, adapter.task_deadline_option = 20.0, None, None
    adapter._sleep, adapter._monotonic, adapter.request_count = clock.sleep, clock.monotonic, 0
    adapter._random = type('One', (), {'random': staticmethod(lambda: 1.0)})()
    adapter.modules = {'errors': object(), 'authorizer': type('A', (), {'AuthError': type('E', (Exception,), {})})}
    adapter._api_secret_key = adapter.token = None
    with pytest.raises(pc.TransportError) as raised:
        adapter._read(Refusing().list)
    assert sum(clock.sleeps) < 20
    assert raised.value.message.endswith('may spend retrying, retry_timeout=20 s)')
    adapter.set_task_deadline(clock.now + 3, ('wait_timeout', 3))
    clock.sleeps[:] = []
    with pytest.raises(pc.TransportError) as raised:
        adapter._read(Refusing().list)
    assert sum(clock.sleeps) < 3
    assert raised.value.message.endswith('wait_timeout=3 s)')
