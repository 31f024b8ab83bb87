# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Waiting: outcomes, errors, and how many polls it costs."""

import math

import pytest

from ansible_collections.puddle.cloud.plugins.module_utils import puddle_client as pc
from ansible_collections.puddle.cloud.tests.unit.plugins.module_utils.fake_puddle import (
    SERVER,
    FakeClock,
    FakePuddle,
    FixedRandom,
)


def poll_times(fake):
    return [kwargs['time'] for kwargs in fake.poll_log]


def record_times(fake, clock, log_name, routes):
    """fake, which now appends {'time': clock.now} to fake.<log_name> at each request to one of routes."""
    log = []
    setattr(fake, log_name, log)
    original_post = fake.post

    def post(url, *args):
        if url.endswith(routes):
            log.append({'time': clock.now})
        return original_post(url, *args)
    fake.post = post
    return fake


@pytest.fixture
def timed_fake(fake, clock):
    """Record the clock time of each GetSystem / GetConfigToml."""
    return record_times(fake, clock, 'poll_log', ('/GetSystem', '/GetConfigToml'))


def test_wait_returns_the_system_once_started(client, timed_fake, clock):
    system = timed_fake.add_system(status='provisioning')
    timed_fake.schedule(system['id'], clock.now + 12, 'started')
    result = client.wait_for_system_started(system['id'], poll_interval=5, first_poll_delay=0)
    assert result['status'] == 'started'
    start = timed_fake.poll_log[0]['time']
    assert poll_times(timed_fake) == [start, start + 5, start + 10, start + 15]


def test_a_reached_state_is_noticed_within_one_poll_interval(client, timed_fake, clock):
    system = timed_fake.add_system(status='starting')
    reached_at = clock.now + 23.7
    timed_fake.schedule(system['id'], reached_at, 'started')
    client.wait_for_status(system['id'], 'started', timeout=100, poll_interval=4, first_poll_delay=0)
    assert reached_at <= poll_times(timed_fake)[-1] <= reached_at + 4


def test_polls_keep_their_pace_when_requests_are_slow(client, timed_fake, clock):
    timed_fake.latency = 1.5
    system = timed_fake.add_system(status='starting')
    client.login()
    with pytest.raises(pc.WaitTimeoutError):
        client.wait_for_status(system['id'], 'started', timeout=30, poll_interval=5, first_poll_delay=0)
    gaps = [later - earlier for earlier, later in zip(poll_times(timed_fake), poll_times(timed_fake)[1:])]
    assert all(gap == pytest.approx(5) for gap in gaps[:-1])


def test_the_first_poll_waits_a_poll_interval_after_we_acted(client, timed_fake, clock):
    system = timed_fake.add_system(status='stopped')
    client.start_system(system['id'])
    acted_at = clock.now
    timed_fake.schedule(system['id'], acted_at + 1, 'started')
    client.wait_for_system_started(system['id'], poll_interval=5)
    assert poll_times(timed_fake) == [acted_at + 5]


def test_the_first_poll_counts_time_already_spent_since_we_acted(client, timed_fake, clock):
    system = timed_fake.add_system(status='stopped')
    client.start_system(system['id'])
    acted_at = clock.now
    clock.sleep(3)
    timed_fake.schedule(system['id'], acted_at, 'started')
    client.wait_for_system_started(system['id'], poll_interval=5)
    assert poll_times(timed_fake) == [acted_at + 5]


def test_without_a_recent_action_the_first_poll_is_immediate(client, timed_fake, clock):
    system = timed_fake.add_system(status='started')
    client.login()
    before = clock.now
    assert client.wait_for_system_started(system['id'])['status'] == 'started'
    assert poll_times(timed_fake) == [before]
    assert clock.sleeps == []


def test_an_explicit_first_poll_delay_is_respected(client, timed_fake, clock):
    system = timed_fake.add_system(status='started')
    client.login()
    before = clock.now
    client.wait_for_system_started(system['id'], first_poll_delay=7)
    assert poll_times(timed_fake) == [before + 7]


def test_failed_while_waiting_for_another_status_raises_at_once(client, timed_fake, clock):
    system = timed_fake.add_system(status='provisioning', failure_reason='no capacity')
    timed_fake.schedule(system['id'], clock.now + 6, 'failed')
    with pytest.raises(pc.SystemFailedError) as caught:
        client.wait_for_system_started(system['id'], poll_interval=5, first_poll_delay=0)
    error = caught.value
    assert error.code == 'system_failed'
    assert error.system['status'] == 'failed'
    assert error.status == 'failed'
    assert 'no capacity' in error.message
    assert len(timed_fake.poll_log) == 3  # t+0 provisioning, t+5 provisioning, t+10 failed


def test_waiting_for_failed_returns_it(client, timed_fake):
    system = timed_fake.add_system(status='failed')
    assert client.wait_for_system_failed(system['id'], first_poll_delay=0)['status'] == 'failed'


def test_fail_on_failed_false_keeps_waiting(client, timed_fake, clock):
    system = timed_fake.add_system(status='failed')
    timed_fake.schedule(system['id'], clock.now + 2, 'stopping')
    timed_fake.schedule(system['id'], clock.now + 4, 'stopped')
    result = client.wait_for_status(system['id'], 'stopped', poll_interval=3, fail_on_failed=False,
                                    first_poll_delay=0)
    assert result['status'] == 'stopped'


@pytest.mark.parametrize('timeout, poll_interval, first_delay', [
    (60, 5, 0), (60, 7, 0), (61, 5, 5), (10, 3, 2), (1200, 5, 5), (4, 5, 0), (0, 5, 0), (9, 5, 20),
])
def test_timeout_reports_the_last_system_and_bounds_polls_and_sleep(client, timed_fake, clock, timeout,
                                                                    poll_interval, first_delay):
    system = timed_fake.add_system(status='stopping')
    client.login()
    start = clock.now
    with pytest.raises(pc.WaitTimeoutError) as caught:
        client.wait_for_system_stopped(system['id'], timeout=timeout, poll_interval=poll_interval,
                                       first_poll_delay=first_delay)
    error = caught.value
    assert error.code == 'timeout'
    assert error.awaited == ('stopped',)
    assert error.system['status'] == 'stopping'
    assert error.status == 'stopping'
    assert 'still stopping' in error.message
    polls = len(timed_fake.poll_log)
    assert 1 <= polls <= math.ceil(timeout / poll_interval) + 2
    assert clock.now <= start + timeout  # never slept past the deadline
    assert poll_times(timed_fake)[-1] == start + timeout  # one last look at the deadline
    assert poll_times(timed_fake)[0] >= start + min(first_delay, timeout)


def test_terminated_ends_the_wait_when_the_system_is_gone(client, timed_fake, clock):
    system = timed_fake.add_system(status='terminating')
    timed_fake.schedule(system['id'], clock.now + 3, 'gone')
    result = client.wait_for_system_terminated(system['id'], poll_interval=5, first_poll_delay=0)
    assert result['status'] == 'terminated'
    assert result['name'] == system['name']  # what was last seen, with its final status
    assert len(timed_fake.poll_log) == 2


def test_a_vanished_system_is_not_found_when_waiting_for_something_else(client, timed_fake):
    with pytest.raises(pc.NotFoundError):
        client.wait_for_system_started('sys-404', first_poll_delay=0)


def test_a_terminated_system_ends_a_wait_for_started(client, timed_fake):
    system = timed_fake.add_system(status='terminated')
    with pytest.raises(pc.PreconditionFailedError, match='terminated'):
        client.wait_for_system_started(system['id'], first_poll_delay=0)


def test_a_stable_status_not_awaited_ends_the_wait_at_once_when_asked(client, timed_fake, clock):
    # Someone else stops the system before this wait ever sees it started: it would never become started.
    system = timed_fake.add_system(status='provisioning')
    timed_fake.schedule(system['id'], clock.now + 4, 'started')
    timed_fake.schedule(system['id'], clock.now + 4.5, 'stopping')
    timed_fake.schedule(system['id'], clock.now + 8, 'stopped')
    with pytest.raises(pc.StatusChangedError, match='became stopped while waiting for it to be started') as caught:
        client.wait_for_system_started(system['id'], timeout=600, poll_interval=5, first_poll_delay=0,
                                       stop_on_stable=True)
    assert caught.value.system['status'] == 'stopped'
    assert caught.value.status == 'stopped'
    assert len(timed_fake.poll_log) == 3  # 0 s provisioning, 5 s stopping, 10 s stopped: no waiting until 600 s


@pytest.mark.parametrize('awaited, status', [('stopped', 'started'), ('terminated', 'stopped')])
def test_stop_on_stable_applies_to_every_awaited_status(client, timed_fake, awaited, status):
    system = timed_fake.add_system(status=status)
    with pytest.raises(pc.StatusChangedError):
        client.wait_for_status(system['id'], awaited, timeout=60, first_poll_delay=0, stop_on_stable=True)


def test_without_stop_on_stable_a_wait_keeps_waiting_through_other_stable_statuses(client, timed_fake, clock):
    # The default is unchanged for other callers: a stopped system may still be started by someone.
    system = timed_fake.add_system(status='stopped')
    timed_fake.schedule(system['id'], clock.now + 12, 'started')
    assert client.wait_for_system_started(system['id'], timeout=60, poll_interval=5,
                                          first_poll_delay=0)['status'] == 'started'


def test_stop_on_stable_still_returns_the_awaited_status_and_fails_on_failed(client, timed_fake, clock):
    system = timed_fake.add_system(status='starting')
    timed_fake.schedule(system['id'], clock.now + 6, 'started')
    assert client.wait_for_system_started(system['id'], poll_interval=5, first_poll_delay=0,
                                          stop_on_stable=True)['status'] == 'started'
    other = timed_fake.add_system(status='starting')
    timed_fake.schedule(other['id'], clock.now + 6, 'failed')
    with pytest.raises(pc.SystemFailedError):
        client.wait_for_system_started(other['id'], poll_interval=5, first_poll_delay=0, stop_on_stable=True)


@pytest.mark.parametrize('status', ['started', 'stopped', 'failed', 'terminated'])
def test_wait_until_stable_returns_any_stable_status_without_raising(client, timed_fake, clock, status):
    system = timed_fake.add_system(status='stopping')
    timed_fake.schedule(system['id'], clock.now + 4, status)
    assert client.wait_until_stable(system['id'], poll_interval=5, first_poll_delay=0)['status'] == status


def test_on_poll_sees_every_polled_system(client, timed_fake, clock):
    system = timed_fake.add_system(status='starting')
    timed_fake.schedule(system['id'], clock.now + 8, 'started')
    seen = []
    client.wait_for_system_started(system['id'], poll_interval=5, first_poll_delay=0,
                                   on_poll=lambda polled: seen.append(polled['status']))
    assert seen == ['starting', 'starting', 'started']


def test_poll_interval_must_be_positive(client, timed_fake):
    system = timed_fake.add_system()
    with pytest.raises(pc.ConfigurationError):
        client.wait_for_system_started(system['id'], poll_interval=0)


def test_config_toml_upload_is_awaited(client, timed_fake):
    system = timed_fake.add_system(status='started')
    client.update_config_toml(system['id'], 'a = 1')
    timed_fake.config_status_script[system['id']].extend(['uploading', 'uploaded'])
    config = client.wait_for_config_toml_uploaded(system['id'], poll_interval=2)
    assert config['config_toml_status'] == 'uploaded'
    assert config['config_toml'] == 'a = 1'
    assert len(timed_fake.poll_log) == 2


def test_a_failed_config_toml_upload_raises(client, timed_fake):
    system = timed_fake.add_system(status='started')
    client.update_config_toml(system['id'], 'a = 1')
    timed_fake.config_status_script[system['id']].extend(['uploading', 'failed'])
    with pytest.raises(pc.ConfigTomlUploadFailedError) as caught:
        client.wait_for_config_toml_uploaded(system['id'], poll_interval=2)
    assert caught.value.code == 'config_toml_failed'


def test_a_config_toml_upload_that_never_ends_times_out(client, timed_fake, clock):
    system = timed_fake.add_system(status='started')
    client.update_config_toml(system['id'], 'a = 1')
    start = clock.now
    with pytest.raises(pc.WaitTimeoutError, match='still uploading'):
        client.wait_for_config_toml_uploaded(system['id'], timeout=20, poll_interval=5)
    assert clock.now == start + 20
    assert len(timed_fake.poll_log) <= math.ceil(20 / 5) + 2


def test_retries_during_a_wait_never_sleep_past_its_deadline(client, timed_fake, clock):
    system = timed_fake.add_system(status='starting')
    client.login()
    start = clock.now

    def rate_limit_after_the_first_poll(polled):
        if not timed_fake.faults:
            timed_fake.fail_next('GetSystem', 'rate_limited', times=100, retry_after=50)
    with pytest.raises(pc.WaitTimeoutError) as caught:
        client.wait_for_system_started(system['id'], timeout=20, poll_interval=5, first_poll_delay=0,
                                       on_poll=rate_limit_after_the_first_poll)
    assert clock.now == start + 20
    assert max(clock.sleeps) <= 20
    assert caught.value.system['status'] == 'starting'  # the last system seen before the failing polls


def test_a_server_unavailable_until_the_deadline_ends_the_wait_as_a_timeout(make_client, timed_fake, clock):
    client = make_client(max_retries=50)
    system = timed_fake.add_system(status='starting')
    client.login()
    start = clock.now
    timed_fake.fail_next('GetSystem', 'unavailable', times=1000)
    with pytest.raises(pc.WaitTimeoutError) as caught:
        client.wait_for_system_started(system['id'], timeout=30, poll_interval=5)
    assert clock.now == start + 30
    assert caught.value.system is None
    assert 'still unknown' in caught.value.message


def test_a_wait_keeps_retrying_within_its_time(make_client, timed_fake, clock):
    client = make_client(max_retries=2)
    system = timed_fake.add_system(status='started')
    timed_fake.fail_next('GetSystem', 'unavailable', times=2)
    assert client.wait_for_system_started(system['id'], first_poll_delay=0)['status'] == 'started'
    assert len(timed_fake.calls('GetSystem')) == 3


def test_retries_exhausted_before_the_deadline_raise_the_error(make_client, timed_fake):
    client = make_client(max_retries=2)
    system = timed_fake.add_system(status='starting')
    timed_fake.fail_next('GetSystem', 'unavailable', times=3)
    with pytest.raises(pc.UnavailableError):
        client.wait_for_system_started(system['id'], first_poll_delay=0)


# -- poll_systems: one listing per round, for the fleet -------------------------------------------

def listing_times(fake):
    return [kwargs['time'] for kwargs in fake.list_log]


@pytest.fixture
def listing_fake(fake, clock):
    return record_times(fake, clock, 'list_log', ('/ListSystems',))


def test_poll_systems_lists_once_per_round_until_done(client, listing_fake, clock):
    system = listing_fake.add_system(status='provisioning')
    listing_fake.schedule(system['id'], clock.now + 7, 'started')
    seen = []

    def on_listing(systems):
        seen.append([item['status'] for item in systems])
        return systems[0]['status'] == 'started'

    rounds = client.poll_systems(on_listing, timeout=60, poll_interval=2, first_poll_delay=2)
    assert rounds == 4 == len(seen)
    assert seen[-1] == ['started'] and seen[0] == ['provisioning']
    start = listing_times(listing_fake)[0]
    assert listing_times(listing_fake) == [start, start + 2, start + 4, start + 6]


def test_poll_systems_times_out_within_the_bound(client, listing_fake, clock):
    listing_fake.add_system(status='provisioning')
    with pytest.raises(pc.WaitTimeoutError) as caught:
        client.poll_systems(lambda systems: False, timeout=10, poll_interval=3, first_poll_delay=0)
    assert caught.value.meta['rounds'] == len(listing_fake.list_log) <= math.ceil(10 / 3) + 2
    assert listing_times(listing_fake)[-1] == pytest.approx(listing_times(listing_fake)[0] + 10)


def test_poll_systems_runs_thousands_of_rounds_in_a_loop(client, listing_fake, clock):
    rounds = client.poll_systems(lambda systems: len(listing_fake.list_log) >= 2500, timeout=100, poll_interval=0.01)
    assert rounds == 2500


# -- the deadline's edges: a poll failing at, just before or just past the deadline -------------------

def fail_polls_from_the_third(fake, latency=0.0):
    """on_poll: after the second poll, the next GetSystem answers 503 (after `latency` seconds)."""
    def on_poll(polled):
        if len(fake.poll_log) == 2:
            fake.fail_next('GetSystem', 'unavailable')
            fake.latency = latency
    return on_poll


def test_a_poll_failing_exactly_at_the_deadline_ends_the_wait_without_a_retry(client, timed_fake, clock):
    system = timed_fake.add_system(status='starting')
    client.login()
    start = clock.now
    timed_fake.schedule(system['id'], start + 10, 'started')  # a retry at the deadline would see it
    with pytest.raises(pc.WaitTimeoutError) as caught:
        client.wait_for_system_started(system['id'], timeout=10, poll_interval=5, first_poll_delay=0,
                                       on_poll=fail_polls_from_the_third(timed_fake))
    assert poll_times(timed_fake) == [start, start + 5, start + 10]
    assert clock.now == start + 10
    assert caught.value.system['status'] == 'starting'


def test_a_poll_failing_before_the_deadline_is_retried_no_later_than_the_deadline(make_client, timed_fake, clock):
    client = make_client(backoff_base=2)  # a first backoff of 2 s, cut to the 0.5 s left
    system = timed_fake.add_system(status='starting')
    client.login()
    start = clock.now
    timed_fake.schedule(system['id'], start + 10.5, 'started')
    result = client.wait_for_system_started(system['id'], timeout=10.5, poll_interval=5, first_poll_delay=0,
                                            on_poll=fail_polls_from_the_third(timed_fake))
    assert result['status'] == 'started'
    assert poll_times(timed_fake) == [start, start + 5, start + 10, start + 10.5]
    assert clock.sleeps[-1] == 0.5


def test_a_poll_failing_past_the_deadline_is_a_timeout_without_a_retry(client, timed_fake, clock):
    system = timed_fake.add_system(status='starting')
    client.login()
    start = clock.now
    timed_fake.schedule(system['id'], start + 10, 'started')
    with pytest.raises(pc.WaitTimeoutError) as caught:
        client.wait_for_system_started(system['id'], timeout=10, poll_interval=5, first_poll_delay=0,
                                       on_poll=fail_polls_from_the_third(timed_fake, latency=0.5))
    assert poll_times(timed_fake) == [start, start + 5, start + 10]  # its answer came at start + 10.5
    assert clock.now == start + 10.5
    assert caught.value.system['status'] == 'starting'


# -- the clock: its origin is arbitrary, and it moves between two readings ----------------------------

def client_on(clock):
    fake = record_times(FakePuddle(clock), clock, 'poll_log', ('/GetSystem',))
    client = pc.PuddleClient(SERVER, api_key_id='demo-key-id', api_secret_key='demo-secret-key', transport=fake,
                             sleep=clock.sleep, monotonic=clock.monotonic, random=FixedRandom(1.0))
    return client, fake


def test_polls_keep_their_grid_when_the_monotonic_clock_reads_little():
    # time.monotonic() counts from an arbitrary point, e.g. the boot 2 s ago: the grid does not depend on it.
    booted = FakeClock(start=2.0)
    client, fake = client_on(booted)
    system = fake.add_system(status='starting')
    fake.schedule(system['id'], 14.0, 'started')
    assert client.wait_for_system_started(system['id'], first_poll_delay=0)['status'] == 'started'
    assert poll_times(fake) == [2.0, 7.0, 12.0, 17.0]


def test_a_retry_during_a_wait_sleeps_its_retry_after_when_the_monotonic_clock_reads_little():
    booted = FakeClock(start=2.0)
    client, fake = client_on(booted)
    system = fake.add_system(status='started')
    fake.fail_next('GetSystem', 'rate_limited', retry_after=7)
    assert client.wait_for_system_started(system['id'], first_poll_delay=0)['status'] == 'started'
    assert booted.sleeps == [7.0]
    assert poll_times(fake) == [2.0, 9.0]


class TickingClock(FakeClock):
    """A clock that moves by a millisecond at every reading, as a real one does."""

    def monotonic(self):
        self.now += 0.001
        return self.now


def test_a_wait_never_sleeps_a_negative_time_when_the_clock_moves_between_readings():
    # time.sleep() refuses a negative time; FakeClock.sleep() asserts it.
    ticking = TickingClock()
    client, fake = client_on(ticking)
    system = fake.add_system(status='starting')
    fake.schedule(system['id'], ticking.now + 7, 'started')
    assert client.wait_for_system_started(system['id'], poll_interval=5, first_poll_delay=0)['status'] == 'started'
    assert len(fake.poll_log) == 3
    assert all(delay >= 0 for delay in ticking.sleeps)


# -- a first poll delay at or below zero: the grid starts at the call ------------------------------------

def test_a_negative_first_poll_delay_means_at_once_and_the_grid_starts_then(client, timed_fake, clock):
    system = timed_fake.add_system(status='starting')
    client.login()
    start = clock.now
    timed_fake.schedule(system['id'], start + 10, 'started')
    client.wait_for_system_started(system['id'], poll_interval=5, first_poll_delay=-3)
    assert poll_times(timed_fake) == [start, start + 5, start + 10]


def test_a_system_touched_long_ago_is_polled_at_once_then_every_poll_interval(client, timed_fake, clock):
    system = timed_fake.add_system(status='stopped')
    client.start_system(system['id'])
    clock.sleep(30)  # the module did something else meanwhile
    start = clock.now
    timed_fake.schedule(system['id'], start + 10, 'started')
    client.wait_for_system_started(system['id'], poll_interval=5)
    assert poll_times(timed_fake) == [start, start + 5, start + 10]


def test_poll_systems_lists_at_once_by_default_then_every_poll_interval(client, listing_fake, clock):
    system = listing_fake.add_system(status='provisioning')
    client.login()
    start = clock.now
    listing_fake.schedule(system['id'], start + 10, 'started')
    rounds = client.poll_systems(lambda systems: systems[0]['status'] == 'started', timeout=60, poll_interval=5)
    assert rounds == 3
    assert listing_times(listing_fake) == [start, start + 5, start + 10]


# -- statuses and messages -------------------------------------------------------------------------------

def test_a_status_this_client_does_not_know_is_waited_out(client, timed_fake, clock):
    # A newer Puddle may add a transitional status; one sorting before 'failed' is not taken for failed.
    system = timed_fake.add_system(status='booting')
    timed_fake.schedule(system['id'], clock.now + 5, 'started')
    assert client.wait_for_system_started(system['id'], poll_interval=5, first_poll_delay=0)['status'] == 'started'
    assert len(timed_fake.poll_log) == 2


@pytest.mark.parametrize('name, shown', [('web', 'web'), (None, 'sys-1')])
def test_a_terminated_system_is_named_by_its_name_else_its_id(client, timed_fake, name, shown):
    system = timed_fake.add_system(name=name, status='terminated')
    assert system['id'] == 'sys-1'
    with pytest.raises(pc.PreconditionFailedError) as caught:
        client.wait_for_system_started(system['id'], first_poll_delay=0)
    assert caught.value.message == 'System {0} is terminated and will never be started'.format(shown)


@pytest.mark.parametrize('name, shown', [('web', 'web'), (None, 'sys-1')])
def test_a_system_stable_elsewhere_is_named_by_its_name_else_its_id(client, timed_fake, name, shown):
    system = timed_fake.add_system(name=name, status='stopped')
    with pytest.raises(pc.StatusChangedError) as caught:
        client.wait_for_system_started(system['id'], first_poll_delay=0, stop_on_stable=True)
    assert caught.value.message == 'System {0} became stopped while waiting for it to be started'.format(shown)
