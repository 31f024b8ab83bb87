# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""puddle_system: one wait_timeout shared by every wait of a task, the required options, and
statuses as they arrive from Puddle (decoded JSON)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import WaitTimeoutError
from ansible_collections.puddle.cloud.plugins.modules import puddle_system
from ansible_collections.puddle.cloud.tests.unit.plugins.modules.fake_systems_client import (
    FakeSystemsClient,
    make_system,
)

CREATE = dict(name='sys', cloud='aws', product='dai', version='1.11.1', instance_type='m5.xlarge', tags={'project': 'demo'})


class FakeClock(object):
    """time for puddle_system: monotonic() moves on by `step` seconds at each reading."""

    def __init__(self, start=1000.0, step=0.0):
        self.now = start
        self.step = step

    def monotonic(self):
        value = self.now
        self.now += self.step
        return value


class TimedFake(FakeSystemsClient):
    """Records the timeout and poll interval the module gives each wait."""

    def __init__(self, systems=None):
        super(TimedFake, self).__init__(systems)
        self.waits = []

    def wait_for_system_started(self, system_id, timeout=None, poll_interval=None, stop_on_stable=False):
        self.waits.append(('started', timeout, poll_interval))
        return super(TimedFake, self).wait_for_system_started(system_id, stop_on_stable=stop_on_stable)

    def wait_for_system_stopped(self, system_id, timeout=None, poll_interval=None, stop_on_stable=False):
        self.waits.append(('stopped', timeout, poll_interval))
        return super(TimedFake, self).wait_for_system_stopped(system_id, stop_on_stable=stop_on_stable)


@pytest.fixture
def run(run_module, monkeypatch):
    def run_system(client, clock, **args):
        monkeypatch.setattr(puddle_system, 'time', clock)
        return run_module(puddle_system.main, client, args)[0]
    return run_system


def test_each_wait_gets_what_is_left_of_the_default_wait_timeout(run):
    # Every reading of the clock is 10 s later: the deadline is taken first, then one reading per wait.
    fake = TimedFake([make_system('sys', 'stopped')])
    result = run(fake, FakeClock(step=10.0), state='failed', **CREATE)
    assert result['actions'] == ['start', 'stop', 'fail']
    assert fake.waits == [('started', 1200 - 10, 5.0)]


def test_waits_share_one_wait_timeout(run):
    fake = TimedFake([make_system('sys', 'stopping')])
    result = run(fake, FakeClock(step=25.0), wait_timeout=100, poll_interval=2, **CREATE)
    assert result['actions'] == ['start']
    assert fake.waits == [('stopped', 75.0, 2.0), ('started', 50.0, 2.0)]


def test_a_wait_after_the_deadline_gets_no_time_at_all(run):
    fake = TimedFake([make_system('sys', 'stopping')])
    run(fake, FakeClock(step=60.0), wait_timeout=100, **CREATE)
    assert fake.waits == [('stopped', 40.0, 5.0), ('started', 0, 5.0)]


def test_name_is_required_before_any_request(run):
    fake = TimedFake()
    result = run(fake, FakeClock(), state='absent')
    assert result['failed'] is True
    assert 'name' in result['msg'] and 'required' in result['msg']
    assert fake.calls == []


def test_the_idle_timeout_of_a_system_decoded_from_json_is_refreshed(run):
    # Puddle's statuses are decoded JSON, not the module's own string constants.
    fake = TimedFake([json.loads(json.dumps(make_system('sys', 'started')))])
    result = run(fake, FakeClock(), refresh_idle_timeout=True, **CREATE)
    assert result['actions'] == ['refresh_idle_timeout']


def test_a_system_terminated_by_someone_else_during_the_wait_is_not_terminated_again(run):
    # starting -> absent: wait_stable, terminate, wait_terminated; another task terminates it meanwhile.
    fake = TimedFake([make_system('sys', 'starting')])
    fake.outcomes['starting'] = 'terminating'
    result = run(fake, FakeClock(), name='sys', state='absent')
    assert fake.mutating_methods() == []
    assert result['changed'] is False
    assert result['system'] is None


def test_the_idle_timeout_of_a_failed_system_is_not_refreshed(run):
    fake = TimedFake([make_system('sys', 'failed')])
    result = run(fake, FakeClock(), state='failed', refresh_idle_timeout=True, **CREATE)
    assert fake.mutating_methods() == []
    assert result['changed'] is False


class LateTimeoutFake(TimedFake):
    """The wait for started times out; by then Puddle shows the machine booting."""

    def wait_for_system_started(self, system_id, timeout=None, poll_interval=None, stop_on_stable=False):
        system = dict(self.systems[system_id], status='starting', vm_status='booting')
        raise WaitTimeoutError('timed out', system=system)


def test_a_timed_out_wait_returns_the_system_as_the_wait_last_saw_it(run):
    fake = LateTimeoutFake([make_system('sys', 'stopped', vm_status='stopped')])
    result = run(fake, FakeClock(), wait_timeout=30, **CREATE)
    assert result['failed'] is True
    assert result['system']['vm_status'] == 'booting'
    assert result['msg'] == ('Timed out after 30 s (wait_timeout) waiting for system sys to be started; '
                             'its last status was starting')
