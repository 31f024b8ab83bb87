# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Another writer on the same system is normal (issue 19, part 2; docs/reliability.md, "Other writers").

A request refused because someone else moved the system after the task read it is planned again from the
system as read after the refusal, within wait_timeout; only a refusal that persists fails, with the status
read after it. puddle_system and puddle_fleet over the method-level fake, puddle_config_toml over the
builtin client and an in-memory Puddle, and the api_client=puddle_client adapter.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.puddle.cloud.plugins.module_utils import client_factory
from ansible_collections.puddle.cloud.plugins.module_utils import config_toml
from ansible_collections.puddle.cloud.plugins.module_utils.other_writers import MAX_MOVED_REPLANS, OtherWriters
from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import (
    PreconditionFailedError,
    PuddleClient,
    TransportError,
)
from ansible_collections.puddle.cloud.plugins.modules import puddle_config_toml, puddle_fleet, puddle_system
from ansible_collections.puddle.cloud.tests.unit.plugins.module_utils.fake_puddle import SERVER
from ansible_collections.puddle.cloud.tests.unit.plugins.modules.fake_systems_client import (
    FakeSystemsClient,
    make_system,
)
from ansible_collections.puddle.cloud.tests.unit.plugins.modules.config_puddle import ConfigPuddle, strict_json_loads

DEFAULTS = dict(cloud='aws', product='dai', version='1.11.1', instance_type='m5.xlarge', tags={'project': 'demo'})
ACTION_OF_METHOD = {
    'create_system': 'create', 'start_system': 'start', 'stop_system': 'stop', 'restart_system': 'restart',
    'fail_system': 'fail', 'terminate_system': 'terminate', 'refresh_idle_timeout': 'refresh_idle_timeout',
}
CONFIG = '{"max_runtime_minutes": 120}\n'
OTHER = '{"max_runtime_minutes": 60}\n'
THIRD = '{"max_runtime_minutes": 30}\n'


def sent(fake):
    return [ACTION_OF_METHOD[method] for method in fake.mutating_methods()]


@pytest.fixture
def run_system(run_module):
    def run(client, **args):
        return run_module(puddle_system.main, client, args)[0]
    return run


@pytest.fixture
def run_fleet(run_module):
    def run(client, **args):
        args.setdefault('poll_interval', 1)
        return run_module(puddle_fleet.main, client, args)[0]
    return run


# -- the shared step ---------------------------------------------------------------------------

def test_a_refusal_from_the_planned_status_persists_and_carries_the_system_read_after_it():
    fake = FakeSystemsClient([make_system('sys', 'started')])
    refusal = PreconditionFailedError('refused', meta={'status': 'started'})
    with pytest.raises(PreconditionFailedError) as raised:
        OtherWriters(fake).system_to_plan_from(refusal, dict(fake.systems['id-sys']))
    assert raised.value is refusal
    assert raised.value.system['status'] == 'started'
    assert fake.methods() == ['get_system']


def test_a_refusal_naming_another_status_is_a_move_even_when_the_system_is_back():
    # Someone else's restart was over by the time the task looked: the refusal still was theirs.
    fake = FakeSystemsClient([make_system('sys', 'started')])
    refusal = PreconditionFailedError('refused', meta={'status': 'restarting'})
    seen = OtherWriters(fake).system_to_plan_from(refusal, dict(fake.systems['id-sys']))
    assert seen['status'] == 'started'


def test_settle_waits_until_stable_and_the_moves_are_bounded():
    fake = FakeSystemsClient([make_system('sys', 'started')])
    writers = OtherWriters(fake)
    for count in range(MAX_MOVED_REPLANS):
        fake.systems['id-sys']['status'] = 'restarting'
        refusal = PreconditionFailedError('refused', meta={'status': 'restarting'})
        seen = writers.system_to_plan_from(refusal, make_system('sys', 'started'), settle=dict(timeout=10, poll_interval=1))
        assert seen['status'] == 'started'
    fake.systems['id-sys']['status'] = 'stopping'
    with pytest.raises(PreconditionFailedError) as raised:
        writers.system_to_plan_from(PreconditionFailedError('refused', meta={'status': 'stopping'}),
                                    make_system('sys', 'started'))
    assert raised.value.system['status'] == 'stopping'
    assert 'moved by someone else %d times' % (MAX_MOVED_REPLANS + 1) in raised.value.message


def test_a_read_after_the_refusal_that_fails_reports_the_status_of_the_refusal_not_the_older_one():
    fake = FakeSystemsClient([make_system('sys', 'started')])

    def unreachable(system_id):
        raise TransportError('no answer')
    fake.get_system = unreachable
    refusal = PreconditionFailedError('refused', meta={'status': 'restarting'})
    with pytest.raises(PreconditionFailedError):
        OtherWriters(fake).system_to_plan_from(refusal, make_system('sys', 'started'))
    assert refusal.system['status'] == 'restarting'


@pytest.mark.parametrize('error', [
    PreconditionFailedError('short', meta={'status': 'stopped', 'reason': 'cu_pool_short'}),
    TransportError('no answer'),
])
def test_other_errors_are_not_moves(error):
    fake = FakeSystemsClient([make_system('sys', 'stopped')])
    with pytest.raises(type(error)):
        OtherWriters(fake).system_to_plan_from(error, dict(fake.systems['id-sys']))
    assert fake.methods() == []


# -- puddle_system -----------------------------------------------------------------------------

@pytest.mark.parametrize('state, method, moved_to, final, actions', [
    ('stopped', 'stop_system', 'restarting', 'stopped', ['stop']),
    ('restarted', 'restart_system', 'stopping', 'started', ['start']),
    ('started', 'start_system', 'terminating', 'started', ['create']),
    ('absent', 'terminate_system', 'restarting', None, ['terminate']),
    ('failed', 'stop_system', 'restarting', 'failed', ['stop', 'fail']),
])
def test_a_request_refused_because_someone_else_moved_the_system_is_planned_again(
        run_system, state, method, moved_to, final, actions):
    fake = FakeSystemsClient([make_system('sys', 'stopped' if method == 'start_system' else 'started')])
    fake.moved_by_others[method] = [moved_to]
    result = run_system(fake, name='sys', state=state, **DEFAULTS)
    assert 'failed' not in result, result
    assert result['actions'] == actions
    assert result['changed'] is True
    assert (result['system'] or {}).get('status') == final
    refused_at = fake.methods().index(method)
    assert fake.methods()[refused_at + 1] == 'get_system'  # read again after the refusal, then planned again


def test_a_terminate_of_a_recreate_refused_by_someone_else_s_restart_is_waited_out(run_system):
    fake = FakeSystemsClient([make_system('sys', 'started', disk_size_gb=512)])
    fake.moved_by_others['terminate_system'] = ['restarting']
    result = run_system(fake, name='sys', state='started', disk_size_gb=256, recreate=True, **DEFAULTS)
    assert 'failed' not in result, result
    assert result['actions'] == ['terminate', 'create']
    assert result['system']['status'] == 'started' and result['system']['disk_size_gb'] == 256


def test_a_refused_refresh_of_the_idle_timeout_after_someone_else_s_restart_is_sent_again(run_system):
    fake = FakeSystemsClient([make_system('sys', 'started')])
    fake.moved_by_others['refresh_idle_timeout'] = ['restarting']
    result = run_system(fake, name='sys', state='started', refresh_idle_timeout=True, **DEFAULTS)
    assert 'failed' not in result, result
    assert result['actions'] == ['refresh_idle_timeout']
    assert fake.methods().count('refresh_idle_timeout') == 2
    assert 'wait_for_system_started' in fake.methods()


def test_a_system_moved_at_every_request_fails_within_the_bound_with_its_current_status(run_system):
    fake = FakeSystemsClient([make_system('sys', 'started')])
    fake.moved_by_others['stop_system'] = ['restarting'] * 10
    result = run_system(fake, name='sys', state='stopped', **DEFAULTS)
    assert result['failed'] is True
    assert result['failure']['code'] == 'failed_precondition'
    assert fake.methods().count('stop_system') == MAX_MOVED_REPLANS + 1
    assert result['failure']['status'] == 'restarting'
    assert result['system']['status'] == 'restarting'
    assert 'moved by someone else' in result['msg']


def test_a_refusal_that_persists_fails_at_once_with_the_status_read_after_it(run_system, monkeypatch):
    fake = FakeSystemsClient([make_system('sys', 'started')])

    def refused(system_id):
        fake._record('stop_system', system_id)
        raise PreconditionFailedError('cannot stop', meta={'status': 'started'})
    monkeypatch.setattr(fake, 'stop_system', refused)
    result = run_system(fake, name='sys', state='stopped', **DEFAULTS)
    assert result['failed'] is True
    assert fake.methods().count('stop_system') == 1
    assert (result['changed'], result['actions'], result['failure']['status']) == (False, [], 'started')


def test_python_client_a_refusal_caused_by_someone_else_is_planned_again(run_system, monkeypatch):
    from ansible_collections.puddle.cloud.plugins.module_utils.puddle_pyclient import PythonClientAdapter
    from ansible_collections.puddle.cloud.tests.unit.plugins.module_utils.puddle_client_double import (
        SERVER as DOUBLE_SERVER,
        InMemoryPuddle,
        double_module,
        system_record,
    )
    memory = InMemoryPuddle()
    wire = double_module('puddle.client._wire')
    monkeypatch.setattr(wire, 'post', memory.post)
    adapter = PythonClientAdapter(DOUBLE_SERVER, api_key_id='demo-key-id', api_secret_key='demo-secret-key',
                                  sleep=lambda seconds: None)
    memory.add(system_record('s1', 'sys', 'started', tags=[]))
    memory.script['s1'] = ['restarting', 'started']  # someone else restarts it before our StopSystem
    memory.errors['StopSystem'] = [wire.WireError('failed_precondition', 'system is restarting')]
    result = run_system(adapter, name='sys', state='stopped', wait=False)
    assert 'failed' not in result, result
    assert result['actions'] == ['stop']
    assert memory.calls.count('StopSystem') == 2


# -- puddle_fleet ------------------------------------------------------------------------------

def test_a_fleet_member_refused_because_someone_else_moved_it_is_planned_again(run_fleet):
    fake = FakeSystemsClient([make_system('a', 'started'), make_system('b', 'started')])
    fake.moved_by_others['stop_system'] = ['restarting']  # a's stop is refused: someone restarts it first
    result = run_fleet(fake, defaults=DEFAULTS, systems=[dict(name='a', state='stopped'), dict(name='b', state='stopped')])
    assert 'failed' not in result, result
    for item in result['systems']:
        assert (item['actions'], item['system']['status']) == (['stop'], 'stopped')
    assert fake.mutating_methods() == ['stop_system'] * 3


def test_a_fleet_member_refresh_refused_after_someone_else_s_restart_is_sent_again(run_fleet):
    fake = FakeSystemsClient([make_system('a', 'started')])
    fake.moved_by_others['refresh_idle_timeout'] = ['restarting']
    result = run_fleet(fake, defaults=DEFAULTS, systems=[dict(name='a', refresh_idle_timeout=True)])
    assert 'failed' not in result, result
    assert result['systems'][0]['actions'] == ['refresh_idle_timeout']


def test_a_fleet_member_whose_refusal_persists_fails_with_the_status_read_after_it(run_fleet, monkeypatch):
    fake = FakeSystemsClient([make_system('a', 'started')])

    def refused(system_id):
        fake._record('stop_system', system_id)
        raise PreconditionFailedError('cannot stop', meta={'status': 'started'})
    monkeypatch.setattr(fake, 'stop_system', refused)
    result = run_fleet(fake, defaults=DEFAULTS, systems=[dict(name='a', state='stopped')])
    assert result['failed'] is True
    entry = result['systems'][0]
    assert (entry['failure']['status'], entry['actions']) == ('started', [])
    assert fake.methods().count('stop_system') == 1


# -- puddle_config_toml, over the builtin client ------------------------------------------------

@pytest.fixture
def puddle(monkeypatch):
    fake = ConfigPuddle()
    monkeypatch.setattr(config_toml, 'DEFAULT_TOML_LOADS', strict_json_loads)
    monkeypatch.setitem(client_factory.CLIENT_CLASSES, 'builtin', lambda **options: PuddleClient(
        transport=fake, sleep=fake.clock.sleep, monotonic=fake.clock.monotonic, **options))
    return fake


def run_config(args, capsys):
    args = dict(server_address=SERVER, api_key_id='demo-key-id', api_secret_key='demo-secret-key', poll_interval=1, **args)
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            puddle_config_toml.main()
    return json.loads(capsys.readouterr().out)


def someone_else_restarts_with(puddle, monkeypatch, rpc, their_config):
    """Just before this task's first `rpc`, another writer uploads their_config and restarts the system."""
    ours = getattr(puddle, '_rpc_' + rpc)

    def other_writer_first(body, user):
        monkeypatch.setattr(puddle, '_rpc_' + rpc, ours)
        system = puddle.systems[body['id']]
        system.update(config_toml=their_config, config_toml_status='uploaded', status='restarting')
        puddle.schedule(system['id'], puddle.clock.now + 20, 'started')
        return ours(body, user)
    monkeypatch.setattr(puddle, '_rpc_' + rpc, other_writer_first)


def test_an_upload_refused_during_someone_else_s_restart_is_waited_out_and_planned_again(puddle, capsys, monkeypatch):
    # The example of issue 19: three hosts upload different contents with restart: true at once.
    system = puddle.add_system('dai-1', config_toml=OTHER, applied_config_toml=OTHER, config_toml_status='applied')
    someone_else_restarts_with(puddle, monkeypatch, 'UpdateConfigToml', THIRD)
    result = run_config(dict(system='dai-1', content=CONFIG, restart=True), capsys)
    assert 'failed' not in result, result
    assert (result['changed'], result['actions'], result['adopted']) == (True, ['upload', 'restart'], [])
    assert result['system']['status'] == 'started'
    assert result['config_toml']['status'] == 'applied'
    assert system['applied_config_toml'] == CONFIG and system['status'] == 'started'
    assert [m for m in puddle.methods() if m in ('UpdateConfigToml', 'RestartSystem')] == [
        'UpdateConfigToml', 'UpdateConfigToml', 'RestartSystem']


def test_a_restart_refused_because_someone_else_stops_the_system_fails_with_the_status_now(puddle, capsys, monkeypatch):
    system = puddle.add_system('dai-1', config_toml=OTHER, applied_config_toml=OTHER, config_toml_status='applied')
    ours = puddle._rpc_RestartSystem

    def someone_stops_first(body, user):
        system['status'] = 'stopping'
        puddle.schedule(system['id'], puddle.clock.now + 5, 'stopped')
        return ours(body, user)
    monkeypatch.setattr(puddle, '_rpc_RestartSystem', someone_stops_first)
    result = run_config(dict(system='dai-1', content=CONFIG, restart=True), capsys)
    assert result['failed'] is True
    assert result['actions'] == ['upload']
    assert result['failure']['status'] == 'stopped'
    assert result['system']['status'] == 'stopped'
    assert 'is stopped' in result['msg']


def test_an_upload_whose_refusal_persists_fails_at_once_with_the_status_read_after_it(puddle, capsys, monkeypatch):
    puddle.add_system('dai-1', config_toml=OTHER, applied_config_toml=OTHER, config_toml_status='applied')

    def refused(body, user):
        return puddle._error(412, 'failed_precondition', 'cannot update config toml', status='started',
                             action='update_config_toml')
    monkeypatch.setattr(puddle, '_rpc_UpdateConfigToml', refused)
    result = run_config(dict(system='dai-1', content=CONFIG, restart=True), capsys)
    assert result['failed'] is True
    assert (result['changed'], result['actions'], result['failure']['status']) == (False, [], 'started')
    assert puddle.methods().count('UpdateConfigToml') == 1


def test_a_wait_for_someone_else_s_restart_is_bounded_by_wait_timeout(puddle, capsys, monkeypatch):
    system = puddle.add_system('dai-1', config_toml=OTHER, applied_config_toml=OTHER, config_toml_status='applied')
    someone_else_restarts_with(puddle, monkeypatch, 'UpdateConfigToml', THIRD)
    started = puddle.clock.now
    result = run_config(dict(system='dai-1', content=CONFIG, restart=True, wait_timeout=5), capsys)
    assert result['failed'] is True
    assert result['failure']['code'] == 'timeout'
    assert result['msg'].startswith('Timed out after 5 s (wait_timeout) waiting for system dai-1 to be stable; '
                                    'its last status was restarting')
    assert puddle.clock.now - started <= 5 + 1
    assert system['status'] == 'restarting'
