# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""puddle_system tells the truth: adoptions are not claimed, failures say what was changed."""

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
ACTION_OF_METHOD = {
    'create_system': 'create', 'start_system': 'start', 'stop_system': 'stop', 'restart_system': 'restart',
    'fail_system': 'fail', 'terminate_system': 'terminate', 'refresh_idle_timeout': 'refresh_idle_timeout',
}


def sent(fake):
    return [ACTION_OF_METHOD[method] for method in fake.mutating_methods()]


@pytest.fixture
def run(run_module):
    def run_system(client, check_mode=False, diff=False, **args):
        args = dict((key, value) for key, value in args.items() if value is not None)
        result, dummy = run_module(puddle_system.main, client, args, check_mode=check_mode, diff=diff)
        return result
    return run_system


# -- part 1: an adopted system is compared, and not claimed ----------------------------------

def test_a_system_created_by_another_playbook_with_another_instance_type_is_drift(run):
    # The other playbook declared m5.4xlarge and won the race: this task must not accept it.
    fake = FakeSystemsClient()
    fake.created_by_others['sys'] = dict(status='provisioning', instance_type='m5.4xlarge', instance_type_id='aws-m5.4xlarge')
    result = run(fake, **CREATE)
    assert result['failed'] is True
    assert result['failure']['code'] == 'drift'
    assert result['drift'] == [{'attribute': 'instance_type', 'current': 'm5.4xlarge', 'declared': 'm5.xlarge'}]
    assert result['changed'] is False
    assert result['actions'] == []
    assert result['adopted'] == [{'action': 'create', 'reason': 'already_exists', 'status': 'provisioning'}]
    assert result['system']['instance_type'] == 'm5.4xlarge'
    assert sent(fake) == ['create']  # the one refused request; nothing after it
    assert result['msg'].startswith('System sys was created by someone else while this task tried to create it, '
                                    'and differs in attributes')


def test_drift_of_a_system_found_by_the_lookup_does_not_claim_a_race(run):
    fake = FakeSystemsClient([make_system('sys', 'started', instance_type='m5.4xlarge', instance_type_id='aws-m5.4xlarge')])
    result = run(fake, **CREATE)
    assert result['failure']['code'] == 'drift'
    assert result['msg'].startswith('System sys differs in attributes')


def test_a_system_created_by_another_playbook_as_declared_is_adopted_not_claimed(run):
    fake = FakeSystemsClient()
    fake.created_by_others['sys'] = dict(status='provisioning')
    result = run(fake, diff=True, **CREATE)
    assert result['changed'] is False
    assert result['actions'] == []
    assert result['adopted'] == [{'action': 'create', 'reason': 'already_exists', 'status': 'provisioning'}]
    assert result['system']['status'] == 'started'
    assert result['system']['id'] == 'id-sys'


def test_an_adopted_system_is_planned_from_its_own_status(run):
    # Found stopped: a system found by the lookup in that status would be started.
    fake = FakeSystemsClient()
    fake.created_by_others['sys'] = dict(status='stopped')
    result = run(fake, **CREATE)
    assert result['changed'] is True
    assert result['actions'] == ['start']
    assert [item['action'] for item in result['adopted']] == ['create']
    assert result['system']['status'] == 'started'


def test_an_adopted_system_that_differs_is_recreated_with_recreate(run):
    fake = FakeSystemsClient()
    fake.created_by_others['sys'] = dict(status='started', instance_type='m5.4xlarge', instance_type_id='aws-m5.4xlarge')
    result = run(fake, recreate=True, **CREATE)
    assert result['actions'] == ['terminate', 'create']
    assert result['changed'] is True
    assert [item['action'] for item in result['adopted']] == ['create']
    assert result['system']['instance_type'] == 'm5.xlarge'
    assert result['drift'][0]['attribute'] == 'instance_type'


def test_a_race_loser_finding_the_system_stopped_by_the_winner_is_ok(run):
    # Two identical state=stopped playbooks: the loser adopts the create while provisioning and plans
    # wait_started, stop, wait_stopped; the winner stops the system before the loser sees it started.
    fake = FakeSystemsClient()
    fake.created_by_others['sys'] = dict(status='provisioning')
    fake.outcomes['provisioning'] = 'stopping'
    result = run(fake, diff=True, state='stopped', **CREATE)
    assert 'failed' not in result, result
    assert result['changed'] is False
    assert result['actions'] == []
    assert result['adopted'] == [{'action': 'create', 'reason': 'already_exists', 'status': 'provisioning'}]
    assert result['system']['status'] == 'stopped'
    assert sent(fake) == ['create']
    assert fake.methods().count('wait_for_system_started') == 1


def test_a_system_stopped_by_someone_else_while_awaited_started_is_started_again(run):
    fake = FakeSystemsClient([make_system('sys', 'starting')])
    fake.moved_once['starting'] = 'stopping'
    result = run(fake, name='sys', state='started')
    assert 'failed' not in result, result
    assert (result['changed'], result['actions']) == (True, ['start'])
    assert result['system']['status'] == 'started'


def test_a_system_moved_by_someone_else_again_and_again_fails_within_the_bound(run):
    fake = FakeSystemsClient([make_system('sys', 'starting')])
    fake.outcomes['starting'] = 'stopping'  # every start this task sends is undone by someone else
    result = run(fake, name='sys', state='started')
    assert result['failed'] is True
    assert result['failure']['code'] == 'status_changed'
    assert 'moved by someone else 3 times' in result['msg']
    assert result['actions'] == ['start', 'start']
    assert result['changed'] is True
    assert result['system']['status'] == 'stopped'


def test_a_lost_create_answer_found_as_declared_is_this_tasks_create(run):
    fake = FakeSystemsClient()
    fake.lost_answers.add('create_system')
    result = run(fake, **CREATE)
    assert result['actions'] == ['create']
    assert result['adopted'] == []
    assert result['changed'] is True


@pytest.mark.parametrize('state, status, method, effect', [
    ('stopped', 'started', 'stop_system', 'stopping'),
    ('started', 'stopped', 'start_system', 'starting'),
    ('restarted', 'started', 'restart_system', 'restarting'),
    ('failed', 'provisioning', 'fail_system', 'failed'),
    ('absent', 'started', 'terminate_system', 'terminating'),
])
def test_an_action_found_already_done_is_reported_as_adopted(run, state, status, method, effect):
    fake = FakeSystemsClient([make_system('sys', status)])
    fake.done_by_others[method] = effect
    result = run(fake, name='sys', state=state)
    action = method[:-len('_system')]
    assert result['actions'] == []
    assert result['changed'] is False
    assert result['adopted'] == [{'action': action, 'reason': 'already_done', 'status': effect}]


@pytest.mark.parametrize('method', ['stop_system', 'terminate_system'])
def test_a_lost_action_answer_found_done_is_this_tasks_action(run, method):
    fake = FakeSystemsClient([make_system('sys', 'started')])
    fake.lost_answers.add(method)
    result = run(fake, name='sys', state='stopped' if method == 'stop_system' else 'absent')
    assert result['actions'] == [method[:-len('_system')]]
    assert result['adopted'] == []


def test_adopted_is_empty_when_nothing_was_found_done(run):
    result = run(FakeSystemsClient([make_system('sys', 'started')]), name='sys')
    assert (result['changed'], result['actions'], result['adopted']) == (False, [], [])


# -- part 2: a failure says what the task had already changed --------------------------------

def test_a_timeout_after_create_says_the_system_was_created(run):
    fake = FakeSystemsClient()
    fake.timeout_on = 'wait_for_system_started'
    result = run(fake, wait_timeout=1, diff=True, **CREATE)
    assert result['failed'] is True
    assert result['failure']['code'] == 'timeout'
    assert result['changed'] is True
    assert result['actions'] == ['create']
    assert result['system']['status'] == 'provisioning'
    assert result['system']['id'] == fake.only('sys')['id']
    assert result['diff']['before']['state'] == 'absent'
    assert result['diff']['after']['state'] == 'provisioning'
    assert result['diff']['after']['instance_type'] == 'm5.xlarge'


def test_a_failure_half_way_through_a_recreate_lists_the_requests_sent(run):
    fake = FakeSystemsClient([make_system('sys', 'started')])
    fake.timeout_on = 'wait_for_system_terminated'
    result = run(fake, recreate=True, **dict(CREATE, disk_size_gb=512))
    assert result['failed'] is True
    assert result['changed'] is True
    assert result['actions'] == ['terminate']
    assert result['drift'] == [{'attribute': 'disk_size_gb', 'current': 256, 'declared': 512}]
    assert result['system']['status'] == 'terminating'


def test_a_system_failing_after_stop_and_start_lists_both(run):
    fake = FakeSystemsClient([make_system('sys', 'failed')])
    fake.outcomes['starting'] = 'failed'
    result = run(fake, name='sys', state='started')
    assert result['failure']['code'] == 'system_failed'
    assert (result['changed'], result['actions']) == (True, ['stop', 'start'])
    assert result['system']['status'] == 'failed'


def test_a_failure_before_any_change_says_nothing_changed(run):
    fake = FakeSystemsClient([make_system('sys', 'starting')])
    fake.timeout_on = 'wait_for_system_started'
    result = run(fake, name='sys')
    assert (result['failed'], result['changed'], result['actions']) == (True, False, [])


def test_a_refused_create_is_not_a_change(run):
    from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import ValidationFailedError
    fake = FakeSystemsClient()
    fake.create_error = ValidationFailedError('no', meta={'field': 'image_id', 'rule': 'unknown'})
    result = run(fake, **CREATE)
    assert (result['failed'], result['changed'], result['actions']) == (True, False, [])


# -- part 3: check mode predicts exactly what the real run does ------------------------------

import itertools  # noqa: E402

from ansible_collections.puddle.cloud.plugins.module_utils import system_transitions as transitions  # noqa: E402
from ansible_collections.puddle.cloud.plugins.module_utils.system_spec import parity_view  # noqa: E402


def observed(result):
    """What check mode must predict: system (without what only Puddle assigns), actions, adopted, diff."""
    return dict(changed=result['changed'], actions=result['actions'], adopted=result['adopted'],
                system=parity_view(result['system']), diff=result['diff'])


def check_then_real(run, make_fake, **args):
    predicted = run(make_fake(), check_mode=True, diff=True, **args)
    real = run(make_fake(), diff=True, **args)
    assert 'failed' not in predicted and 'failed' not in real, (predicted, real)
    return observed(predicted), observed(real)


@pytest.mark.parametrize('current, declared', list(itertools.product(transitions.CURRENT_STATUSES, transitions.DECLARED_STATES)))
@pytest.mark.parametrize('wait', [True, False])
def test_check_mode_predicts_the_real_run_in_every_cell(run, current, declared, wait):
    def make_fake():
        return FakeSystemsClient([make_system('sys', current)] if current != 'absent' else [])
    predicted, real = check_then_real(run, make_fake, state=declared, wait=wait, **CREATE)
    assert predicted == real


@pytest.mark.parametrize('options', [
    dict(tags={'project': 'x', 'cost-center': None}),
    dict(tags={'project': 'x', 'cost-center': ''}),
    dict(tags={'project': 'x'}),
    dict(tags={'project': 7, 'cost-center': True}),
    dict(disk_size_gb=512, idle_interval=5),
    dict(instance_type='aws-m5.4xlarge'),
    dict(product=None, version=None, image='Driverless AI 1.10.6'),
    dict(product='h2o3', version='3.46.0.1', cloud='gcp'),
], ids=['null-tag', 'empty-tag', 'default-tag', 'non-string-tags', 'disk-idle', 'instance-type-id', 'image-name', 'h2o3-gcp'])
@pytest.mark.parametrize('state', ['started', 'stopped', 'failed', 'present'])
def test_check_mode_predicts_the_created_system_for_every_creation_option(run, options, state):
    predicted, real = check_then_real(run, FakeSystemsClient, state=state, **dict(CREATE, **options))
    assert predicted == real


def test_a_null_tag_is_predicted_and_stored_as_empty_not_as_its_default(run):
    args = dict(CREATE, tags={'project': 'x', 'cost-center': None})
    predicted = run(FakeSystemsClient(), check_mode=True, **args)
    fake = FakeSystemsClient()
    real = run(fake, **args)
    assert predicted['system']['tags'] == real['system']['tags'] == {'project': 'x', 'cost-center': ''}
    # And the second run finds nothing to change.
    assert run(fake, **args)['changed'] is False


@pytest.mark.parametrize('current, declared', list(itertools.product(
    [status for status in transitions.CURRENT_STATUSES if status not in ('absent', 'terminating')],
    [state for state in transitions.DECLARED_STATES if state != 'absent'])))
def test_check_mode_predicts_a_recreate_in_every_cell(run, current, declared):
    def make_fake():
        return FakeSystemsClient([make_system('sys', current)])
    predicted, real = check_then_real(run, make_fake, state=declared, recreate=True, **dict(CREATE, disk_size_gb=512))
    assert predicted == real
    assert predicted['actions'][:1] == ['terminate']


# -- part 2: a request whose answer was lost and could not be confirmed is reported as such -----

def _lost_error(action, message):
    from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import TransportError
    error = TransportError(message + '; an answer to this request was lost, so Puddle may have carried out the '
                           + action + ': run the task again to converge', may_have_been_committed=True)
    error.unconfirmed_action = action
    return error


def test_a_create_lost_then_unconfirmed_is_reported_as_a_possible_change(run, monkeypatch):
    # The real client on a fake server: the answer to CreateSystem is lost after the commit, the lookup
    # does not see the system yet, and then the server refuses every connection.
    from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import PuddleClient
    from ansible_collections.puddle.cloud.tests.unit.plugins.module_utils.fake_puddle import FakePuddle
    server = FakePuddle()
    server.stale_find = 2  # the task's own lookup, then the one after the lost answer
    server.fail_next('CreateSystem', 'drop_after_commit')
    server.fail_next('CreateSystem', 'refused', times=50)
    client = PuddleClient('https://puddle.test', api_key_id='demo-key-id', api_secret_key='demo-secret-key',
                          transport=server, sleep=server.clock.sleep, monotonic=server.clock.monotonic)
    declared = dict(name='sys', cloud='aws', image='aws-dai-1.11.1', instance_type='m5.xlarge',
                    tags={'project': 'demo'}, poll_interval=1)
    result = run(client, diff=True, **declared)
    assert result['failed'] is True
    assert result['changed'] is True
    assert result['actions'] == []
    assert result['adopted'] == []
    assert result['unconfirmed'] == [{'action': 'create', 'reason': 'answer_lost'}]
    assert result['failure']['code'] == 'transport'
    assert result['msg'].startswith('SystemService/CreateSystem: no answer from Puddle')
    assert result['msg'].endswith('(gave up after 11 attempts); an answer to this request was lost, so Puddle may '
                                  'have carried out the create: run the task again to converge')
    assert result.get('system') is None  # as last seen: absent
    assert result['diff']['before']['state'] == result['diff']['after']['state'] == 'absent'
    assert 'demo-secret-key' not in str(result) and client.token not in str(result)
    assert len(server.live_systems('sys')) == 1  # it was created indeed
    # The next run finds it, and neither creates a second one nor claims the creation.
    server.live_systems('sys')[0]['status'] = 'started'
    monkeypatch.setattr(server, 'faults', [])
    again = run(PuddleClient('https://puddle.test', api_key_id='demo-key-id', api_secret_key='demo-secret-key',
                             transport=server, sleep=server.clock.sleep, monotonic=server.clock.monotonic), **declared)
    assert (again['changed'], again['actions'], again['unconfirmed']) == (False, [], [])
    assert len(server.live_systems('sys')) == 1


def test_a_recreate_whose_create_was_lost_lists_the_terminate_and_the_unconfirmed_create(run):
    fake = FakeSystemsClient([make_system('sys', 'started')])
    fake.create_error = _lost_error('create', 'SystemService/FindSystemByName: no answer')
    result = run(fake, recreate=True, **dict(CREATE, disk_size_gb=512))
    assert result['failed'] is True
    assert (result['changed'], result['actions']) == (True, ['terminate'])
    assert result['unconfirmed'] == [{'action': 'create', 'reason': 'answer_lost'}]
    assert 'may have carried out the create' in result['msg']


def test_every_result_says_unconfirmed_even_when_empty(run):
    fake = FakeSystemsClient()
    assert run(fake, **CREATE)['unconfirmed'] == []
    fake = FakeSystemsClient([make_system('sys', 'starting')])
    fake.timeout_on = 'wait_for_system_started'
    result = run(fake, name='sys')
    assert (result['failed'], result['changed'], result['unconfirmed']) == (True, False, [])


def test_a_create_refused_after_a_lost_answer_names_the_option_and_keeps_the_possible_create(run):
    from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import ValidationFailedError
    fake = FakeSystemsClient()
    fake.create_error = ValidationFailedError('CreateSystem: unknown image', meta={'field': 'image_id', 'rule': 'unknown'})
    fake.create_error.may_have_been_committed = True
    fake.create_error.unconfirmed_action = 'create'
    result = run(fake, **CREATE)
    assert result['failure']['field'] == 'image'
    assert result['msg'] == 'image: CreateSystem: unknown image (rule unknown)'
    assert (result['failed'], result['changed'], result['actions']) == (True, True, [])
    assert result['unconfirmed'] == [{'action': 'create', 'reason': 'answer_lost'}]


def test_a_refresh_of_the_idle_timeout_whose_answer_was_lost_is_unconfirmed_not_an_action(run, monkeypatch):
    fake = FakeSystemsClient([make_system('sys', 'started')])

    def refresh_lost(system_id):
        raise _lost_error('refresh_idle_timeout', 'SystemService/RefreshIdleTimeout: no answer')
    monkeypatch.setattr(fake, 'refresh_idle_timeout', refresh_lost)
    result = run(fake, refresh_idle_timeout=True, **CREATE)
    assert (result['failed'], result['changed'], result['actions']) == (True, True, [])
    assert result['unconfirmed'] == [{'action': 'refresh_idle_timeout', 'reason': 'answer_lost'}]


def test_a_refused_refresh_of_the_idle_timeout_is_no_action(run, monkeypatch):
    from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import PreconditionFailedError
    fake = FakeSystemsClient([make_system('sys', 'started')])

    def refresh_refused(system_id):
        raise PreconditionFailedError('SystemService/RefreshIdleTimeout: not started', meta={'status': 'stopping'})
    monkeypatch.setattr(fake, 'refresh_idle_timeout', refresh_refused)
    result = run(fake, refresh_idle_timeout=True, **CREATE)
    assert (result['failed'], result['changed'], result['actions'], result['unconfirmed']) == (True, False, [], [])


class TakenEveryTimeFake(FakeSystemsClient):
    """Each CreateSystem finds the name taken by a system someone else created, which is terminated by
    the time the task looks at it: the task plans a create again, every time."""

    def create_system(self, name, cloud, **kwargs):
        self._record('create_system', name=name, cloud=cloud)
        self.last_adoption = {'action': 'create', 'reason': 'already_exists', 'status': 'terminated'}
        return make_system(name, 'terminated', id='id-other-%d' % self.methods().count('create_system'))


def test_a_name_taken_by_someone_else_at_each_create_fails_at_the_third_time(run):
    fake = TakenEveryTimeFake()
    result = run(fake, **CREATE)
    assert result['failed'] is True
    assert result['failure']['code'] == 'conflict'
    assert result['msg'] == 'System sys was created by someone else 3 times while this task tried to create it'
    assert fake.methods().count('create_system') == 3  # the first try and MAX_REPLANS (2) more
    assert (result['changed'], result['actions']) == (False, [])
    assert result['adopted'] == [{'action': 'create', 'reason': 'already_exists', 'status': 'terminated'}] * 3


class TimeoutWhileStartingFake(FakeSystemsClient):
    """The wait for started times out after the system went on from provisioning to starting."""

    def wait_for_system_started(self, system_id, timeout=None, poll_interval=None, stop_on_stable=False):
        self._record('wait_for_system_started', system_id)
        raise WaitTimeoutError('timed out', system=dict(self.systems[system_id], status='starting'))


def test_a_timeout_names_the_status_the_wait_saw_last_not_the_one_create_answered(run):
    result = run(TimeoutWhileStartingFake(), wait_timeout=30, **CREATE)
    assert result['failed'] is True
    assert (result['changed'], result['actions']) == (True, ['create'])
    assert result['msg'] == ('Timed out after 30 s (wait_timeout) waiting for system sys to be started; '
                             'its last status was starting')
    assert result['system']['status'] == 'starting'


def test_the_module_runs_as_a_script(monkeypatch, capsys):
    # How Ansible runs it: as __main__, which calls main() and exits with the result.
    import runpy
    import sys
    from ansible_collections.puddle.cloud.plugins.module_utils import client_factory
    from ansible_collections.puddle.cloud.tests.unit.plugins.modules.conftest import CONNECTION, patch_module_args
    fake = FakeSystemsClient([make_system('sys', 'started')])
    monkeypatch.setitem(client_factory.CLIENT_CLASSES, 'builtin', lambda **kwargs: fake)
    monkeypatch.delitem(sys.modules, puddle_system.__name__)  # runpy runs a fresh copy of the module
    with patch_module_args(dict(CONNECTION, name='sys')):
        with pytest.raises(SystemExit):
            runpy.run_module(puddle_system.__name__, run_name='__main__')
    assert json.loads(capsys.readouterr().out)['system']['status'] == 'started'


# -- api_client=puddle_client: the same truth through Puddle's own Python client -----------------------

@pytest.fixture
def python_client(monkeypatch):
    """The adapter of api_client=puddle_client, over the double of puddle.client and an in-memory Puddle."""
    from ansible_collections.puddle.cloud.plugins.module_utils.puddle_pyclient import PythonClientAdapter
    from ansible_collections.puddle.cloud.tests.unit.plugins.module_utils.puddle_client_double import (
        SERVER,
        InMemoryPuddle,
        double_module,
    )
    memory = InMemoryPuddle()
    monkeypatch.setattr(double_module('puddle.client._wire'), 'post', memory.post)
    adapter = PythonClientAdapter(SERVER, api_key_id='demo-key-id', api_secret_key='demo-secret-key',
                                  sleep=lambda seconds: None)
    return adapter, memory, double_module('puddle.client._wire')


def test_python_client_an_action_found_done_by_someone_else_is_adopted_not_claimed(run, python_client):
    from ansible_collections.puddle.cloud.tests.unit.plugins.module_utils.puddle_client_double import system_record
    adapter, memory, wire = python_client
    memory.add(system_record('s1', 'sys', 'started', tags=[]))
    memory.script['s1'] = ['stopping']  # someone else stopped it between the lookup and our StopSystem
    memory.errors['StopSystem'] = wire.WireError('failed_precondition', 'system is stopping')
    result = run(adapter, name='sys', state='stopped', wait=False)
    assert 'failed' not in result, result
    assert (result['changed'], result['actions']) == (False, [])
    assert result['adopted'] == [{'action': 'stop', 'reason': 'already_done', 'status': 'stopping'}]


def test_python_client_an_action_whose_read_after_it_fails_is_reported(run, python_client):
    from ansible_collections.puddle.cloud.tests.unit.plugins.module_utils.puddle_client_double import system_record
    adapter, memory, wire = python_client
    memory.add(system_record('s1', 'sys', 'stopped', tags=[]))
    memory.errors['GetSystem'] = ConnectionError('connection refused')  # StartSystem is answered, the read after it is not
    result = run(adapter, name='sys', state='started', wait=False)
    assert result['failed'] is True
    assert memory.calls.count('StartSystem') == 1
    assert (result['changed'], result['actions'], result['unconfirmed']) == (True, ['start'], [])


def test_a_failure_on_the_connection_options_still_returns_what_is_always_returned(run):
    # RETURN says changed, actions, adopted and unconfirmed are returned always: a failure before any request too.
    fake = FakeSystemsClient([make_system('sys', 'started')])
    result = run(fake, name='sys', state='stopped', server_address='')
    assert result['failed'] is True
    assert result['failure']['field'] == 'server_address'
    assert (result['changed'], result['actions'], result['adopted'], result['unconfirmed']) == (False, [], [], [])
    assert fake.methods() == []
