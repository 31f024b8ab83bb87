# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""puddle_fleet run for real against the method-level fake of PuddleClient (poll rounds on a simulated clock)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import itertools
import json

import pytest
import yaml

from ansible_collections.puddle.cloud.plugins.module_utils import system_transitions as transitions
from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import (
    PreconditionFailedError,
    TransportError,
    ValidationFailedError,
)
from ansible_collections.puddle.cloud.plugins.module_utils.system_fleet import Fleet, declarations, merge_declaration
from ansible_collections.puddle.cloud.plugins.module_utils.system_spec import NAME_PATTERN
from ansible_collections.puddle.cloud.plugins.modules import puddle_fleet, puddle_system
from ansible_collections.puddle.cloud.tests.unit.plugins.modules.fake_systems_client import (
    SECRET_KEY,
    SECRET_TOKEN,
    FakeSystemsClient,
    make_system,
    set_status,
)

DEFAULTS = dict(cloud='aws', product='dai', version='1.11.1', instance_type='m5.xlarge', tags={'project': 'demo'})
ACTION_OF_METHOD = {
    'create_system': 'create', 'start_system': 'start', 'stop_system': 'stop', 'restart_system': 'restart',
    'fail_system': 'fail', 'terminate_system': 'terminate', 'refresh_idle_timeout': 'refresh_idle_timeout',
}
FINAL_STATUS = {'started': 'started', 'stopped': 'stopped', 'restarted': 'started', 'failed': 'failed', 'absent': None}


@pytest.fixture
def run(run_module):
    def run_fleet(client, check_mode=False, diff=False, **args):
        args = dict((key, value) for key, value in args.items() if value is not None)
        args.setdefault('poll_interval', 1)
        result, _output = run_module(puddle_fleet.main, client, args, check_mode=check_mode, diff=diff)
        return result
    return run_fleet


def entry(result, name):
    return [item for item in result['systems'] if item['name'] == name][0]


def live(fake):
    return sorted(system['name'] for system in fake.systems.values() if system['status'] != 'terminated')


# -- documentation ---------------------------------------------------------------------------

def test_documentation_declares_every_option_and_suboption():
    documentation = yaml.safe_load(puddle_fleet.DOCUMENTATION)
    options = documentation['options']
    assert set(puddle_fleet.ARGUMENT_SPEC) <= set(options)
    for option in ('systems', 'defaults'):
        assert set(puddle_fleet.ARGUMENT_SPEC[option]['options']) == set(options[option]['suboptions'])
    assert options['systems']['suboptions']['state']['choices'] == list(transitions.DECLARED_STATES)
    assert documentation['attributes']['check_mode']['support'] == 'full'


# -- a declaration is a puddle_system task ---------------------------------------------------

def test_a_declaration_has_the_options_of_puddle_system_whose_defaults_the_fleet_applies():
    system_options = puddle_system.ARGUMENT_SPEC
    declared = puddle_fleet.ARGUMENT_SPEC['systems']['options']
    # Every option of a declaration is puddle_system's, with the same type, choices and required-ness; only the
    # defaults differ, because the fleet fills a declaration from its own defaults first.
    assert set(declared) == set(system_options) - {'wait', 'wait_timeout', 'poll_interval'}
    for option, rules in declared.items():
        assert rules == dict((key, value) for key, value in system_options[option].items() if key != 'default'), option
    assert puddle_fleet.ARGUMENT_SPEC['defaults']['options'] == dict(
        (option, rules) for option, rules in declared.items() if option != 'name')
    # What a declaration leaves out (and defaults do not give) is what puddle_system defaults it to.
    merged = merge_declaration(None, {'name': 'sys'})
    assert merged == dict(((option, system_options[option].get('default')) for option in declared), name='sys')


def test_a_declaration_spec_is_a_copy_each_module_owns():
    assert puddle_fleet.ARGUMENT_SPEC['systems']['options']['tags'] is not puddle_system.ARGUMENT_SPEC['tags']
    assert (puddle_fleet.ARGUMENT_SPEC['systems']['options']['state']
            is not puddle_fleet.ARGUMENT_SPEC['defaults']['options']['state'])


@pytest.mark.parametrize('field, option', [('image_id', 'image'), ('instance_type_id', 'instance_type'), (None, None)])
def test_a_refused_creation_fails_like_the_same_puddle_system_task(run, run_module, field, option):
    """The server's refusal names the option the user wrote, in the words of puddle_system."""
    def refusing_client():
        fake = FakeSystemsClient()
        fake.create_error = ValidationFailedError('no such thing', meta={'field': field, 'rule': 'unknown'})
        return fake
    system_task = dict(DEFAULTS, name='sys')
    single, _output = run_module(puddle_system.main, refusing_client(), system_task)
    fleet = run(refusing_client(), systems=[system_task])
    failure = entry(fleet, 'sys')['failure']
    assert (failure['message'], failure['field'], failure['rule']) == (
        single['failure']['message'], single['failure']['field'], single['failure']['rule'])
    assert (failure['field'], failure['rule']) == (option, 'unknown')
    expected = 'no such thing' if field is None else '%s: no such thing (rule unknown)' % option
    assert failure['message'] == expected


# -- a fresh fleet, then the same fleet converged ------------------------------------------------

def test_a_fresh_fleet_sends_every_creation_before_the_first_poll(run):
    fake = FakeSystemsClient()
    result = run(fake, name_format='student-%02d', count=5, defaults=DEFAULTS)
    assert 'failed' not in result, result
    methods = fake.methods()
    # One listing, the catalogue once for the whole fleet, one read of the CU pool, five creations, then the poll
    # rounds and the pool read again.
    assert methods[:5] == ['list_systems', 'list_images', 'list_instance_types', 'list_tags', 'get_cu_consumption_info']
    assert methods[5:10] == ['create_system'] * 5
    assert set(methods[10:-1]) == {'list_systems'}
    assert methods[-1] == 'get_cu_consumption_info'
    assert live(fake) == ['student-%02d' % index for index in range(1, 6)]
    assert all(system['status'] == 'started' for system in fake.systems.values())
    assert result['changed'] is True
    assert [item['actions'] for item in result['systems']] == [['create']] * 5
    assert result['summary'] == dict(declared=5, converged=5, changed=5, failed=0, pruned=0, rounds=len(methods) - 11)
    assert result['cu'] == dict(fleet_cu_per_hour=10, needed_cu=10, available_before=1000, available_after=990)
    # The first round comes one poll interval after the requests.
    assert fake.poll_args == [dict(timeout=pytest.approx(1200, abs=1), poll_interval=1, first_poll_delay=1)]


def test_a_converged_fleet_costs_one_listing(run):
    fake = FakeSystemsClient([make_system('student-%02d' % index) for index in (1, 2, 3)])
    result = run(fake, name_format='student-%02d', count=3, defaults=DEFAULTS)
    assert fake.methods() == ['list_systems']
    assert result['changed'] is False
    assert result['summary']['converged'] == 3
    assert result['diff'] == {'before': {}, 'after': {}}


def test_systems_override_the_counted_declarations_and_merge_tags(run):
    fake = FakeSystemsClient()
    result = run(fake, name_format='lab-%d', count=2, defaults=DEFAULTS, systems=[
        dict(name='lab-2', state='stopped', tags={'cost-center': 'ops'}),
        dict(name='teacher', image='aws-h2o3-3.46.0.1'),
    ])
    assert 'failed' not in result, result
    assert [item['name'] for item in result['systems']] == ['lab-1', 'lab-2', 'teacher']
    assert entry(result, 'lab-2')['actions'] == ['create', 'stop']
    assert fake.only('lab-2')['status'] == 'stopped'
    assert {'name': 'cost-center', 'value': 'ops'} in fake.only('lab-2')['tags']
    assert {'name': 'project', 'value': 'demo'} in fake.only('lab-2')['tags']
    # A declaration that names an image drops product and version of the defaults.
    teacher = [call for call in fake.calls if call[0] == 'create_system' and call[2]['name'] == 'teacher'][0][2]
    assert (teacher['image_id'], teacher['product'], teacher['version']) == ('aws-h2o3-3.46.0.1', None, None)


# -- every cell of the transition table, through poll rounds ---------------------------------

@pytest.mark.parametrize('current, declared', list(itertools.product(transitions.CURRENT_STATUSES, transitions.DECLARED_STATES)))
def test_every_cell_sends_the_requests_of_the_table(run, current, declared):
    fake = FakeSystemsClient([] if current == 'absent' else [make_system('sys', current)])
    result = run(fake, systems=[dict(name='sys', state=declared)], defaults=DEFAULTS)
    assert 'failed' not in result, result
    expected = [step for step in transitions.steps_for(current, declared) if step in transitions.ACTION_STEPS]
    assert [ACTION_OF_METHOD[method] for method in fake.mutating_methods()] == expected
    assert entry(result, 'sys')['actions'] == expected
    assert result['changed'] is bool(expected)
    system = fake.only('sys')
    if declared != 'present':
        assert (system and system['status']) == FINAL_STATUS[declared]
        assert (entry(result, 'sys')['system'] or {}).get('status') == FINAL_STATUS[declared]


@pytest.mark.parametrize('current, declared', list(itertools.product(transitions.CURRENT_STATUSES, transitions.DECLARED_STATES)))
def test_every_cell_in_check_mode_predicts_and_sends_nothing(run, current, declared):
    fake = FakeSystemsClient([] if current == 'absent' else [make_system('sys', current)])
    result = run(fake, check_mode=True, diff=True, systems=[dict(name='sys', state=declared)], defaults=DEFAULTS)
    steps = transitions.steps_for(current, declared)
    assert fake.mutating_methods() == []
    assert 'poll_systems' not in fake.methods() and fake.poll_args == []
    assert entry(result, 'sys')['actions'] == [step for step in steps if step in transitions.ACTION_STEPS]
    predicted = transitions.predict_status(current, steps)
    assert ((entry(result, 'sys')['system'] or {}).get('status') or 'absent') == predicted
    if transitions.has_action(steps):
        assert result['diff']['before']['sys']['state'] == current
        assert result['diff']['after']['sys']['state'] == predicted


def test_waits_between_two_requests_happen_in_the_poll_rounds(run):
    fake = FakeSystemsClient([make_system('a', 'stopping'), make_system('b', 'stopped')])
    result = run(fake, systems=[dict(name='a'), dict(name='b')])
    assert 'failed' not in result, result
    # b's start goes first; a's start only once a round has shown it stopped.
    assert fake.methods()[:4] == ['list_systems', 'get_cu_consumption_info', 'start_system', 'list_systems']
    assert fake.mutating_methods() == ['start_system', 'start_system']
    assert fake.only('a')['status'] == fake.only('b')['status'] == 'started'


def test_wait_false_returns_after_the_requests(run):
    fake = FakeSystemsClient()
    result = run(fake, name_format='s-%d', count=2, defaults=DEFAULTS, wait=False)
    assert fake.poll_args == []
    assert [item['system']['status'] for item in result['systems']] == ['provisioning', 'provisioning']
    assert result['summary']['converged'] == 2


# -- rules before any request that changes something -----------------------------------------

@pytest.mark.parametrize('args, field, rule, requests', [
    (dict(systems=[dict(name='ok'), dict(name='Bad_Name')]), 'systems[1].name', 'pattern', []),
    (dict(name_format='Student-%02d', count=2), 'name_format', 'pattern', []),
    (dict(systems=[dict(name='a', disk_size_gb=10)]), 'systems[0].disk_size_gb', 'range', []),
    (dict(name_format='s-%d', count=1, defaults=dict(DEFAULTS, disk_size_gb=10)), 'defaults.disk_size_gb', 'range', []),
    (dict(systems=[dict(name='a')], defaults=dict(DEFAULTS, disk_size_gb=10)), 'defaults.disk_size_gb', 'range', []),
    (dict(systems=[dict(name='a'), dict(name='a')]), 'systems[1].name', 'duplicate', []),
    (dict(name_format='student', count=2), 'name_format', 'format', []),
    (dict(name_format='s-%d', count=-1), 'count', 'range', []),
    (dict(systems=[dict(name='a', image='aws-dai-1.11.1', product='dai', version='1.11.1')]), 'systems[0].image', 'exclusive', []),
    (dict(systems=[dict(name='a', product='dai')], defaults=dict(cloud='aws')), 'systems[0].version', 'required_together', []),
    (dict(systems=[dict(name='a')], prune=True), 'prune', 'selector', []),
    (dict(systems=[dict(name='a')], poll_interval=0), 'poll_interval', 'range', []),
    # Creation rules need the catalogue: read, but nothing is created, not even the valid systems.
    (dict(systems=[dict(name='a'), dict(name='b', instance_type='x9.huge')]), 'systems[1].instance_type', 'unknown', None),
    (dict(systems=[dict(name='a'), dict(name='b', tags={'legacy': 'x'})]), 'systems[1].tags.legacy', 'disabled_tag', None),
    (dict(systems=[dict(name='a')], defaults=dict(DEFAULTS, tags={'legacy': 'x'})), 'defaults.tags.legacy', 'disabled_tag', None),
])
def test_an_invalid_declaration_fails_before_any_mutating_request(run, args, field, rule, requests):
    fake = FakeSystemsClient()
    args.setdefault('defaults', DEFAULTS)
    result = run(fake, **args)
    assert result['failed'] is True
    assert result['failure']['field'] == field
    assert result['failure']['rule'] == rule
    assert fake.mutating_methods() == []
    if requests is not None:
        assert fake.methods() == requests
    assert result['changed'] is False


def test_the_message_names_the_system_of_an_invalid_declaration(run):
    fake = FakeSystemsClient()
    result = run(fake, defaults=DEFAULTS, systems=[dict(name='good'), dict(name='bad', idle_interval=999)])
    assert result['msg'].startswith('System bad (systems[1]): idle_interval must be from 1 to 240')


def test_drift_fails_listing_each_system_before_any_request(run):
    fake = FakeSystemsClient([make_system('a', disk_size_gb=256), make_system('b', instance_type='m5.4xlarge',
                                                                              instance_type_id='aws-m5.4xlarge')])
    declared = [dict(name='a', disk_size_gb=512), dict(name='b'), dict(name='c')]
    result = run(fake, defaults=dict(DEFAULTS, disk_size_gb=256), systems=declared)
    assert result['failed'] is True
    assert fake.mutating_methods() == []
    assert 'a: disk_size_gb (current: 256, declared: 512)' in result['msg']
    assert 'b: instance_type (current: m5.4xlarge, declared: m5.xlarge)' in result['msg']
    assert result['failure']['rule'] == 'immutable'


def test_drift_with_recreate_terminates_and_creates(run):
    fake = FakeSystemsClient([make_system('a', disk_size_gb=256)])
    result = run(fake, diff=True, defaults=DEFAULTS, systems=[dict(name='a', disk_size_gb=512, recreate=True)])
    assert 'failed' not in result, result
    assert entry(result, 'a')['actions'] == ['terminate', 'create']
    assert entry(result, 'a')['drift'] == [dict(attribute='disk_size_gb', current=256, declared=512)]
    assert fake.only('a')['disk_size_gb'] == 512
    assert result['diff']['before']['a']['disk_size_gb'] == 256
    assert result['diff']['after']['a']['disk_size_gb'] == 512


# -- adoption: someone else created a system meanwhile --------------------------------------------

def test_a_system_created_by_someone_else_meanwhile_is_adopted_not_claimed(run):
    fake = FakeSystemsClient()
    fake.created_by_others['b'] = dict(status='stopped', id='id-b-other', tags=[{'name': 'project', 'value': 'demo'}])
    result = run(fake, defaults=DEFAULTS, systems=[dict(name='a'), dict(name='b')])
    assert 'failed' not in result, result
    adopted = entry(result, 'b')
    # Planned again from the stopped system it found: a start, which is this task's own change.
    assert adopted['adopted'] == [dict(action='create', reason='already_exists', status='stopped')]
    assert adopted['actions'] == ['start']
    assert adopted['system']['id'] == 'id-b-other' and adopted['system']['status'] == 'started'
    assert entry(result, 'a')['adopted'] == [] and entry(result, 'a')['actions'] == ['create']


def test_an_adopted_system_that_differs_fails_with_drift_and_nothing_claimed(run):
    fake = FakeSystemsClient()
    fake.created_by_others['b'] = dict(status='started', id='id-b-other', disk_size_gb=1024)
    result = run(fake, defaults=dict(DEFAULTS, disk_size_gb=256), systems=[dict(name='a'), dict(name='b')])
    assert result['failed_systems'] == ['b']
    failed = entry(result, 'b')
    assert (failed['changed'], failed['actions'], failed['failure']['code']) == (False, [], 'drift')
    assert failed['adopted'][0]['reason'] == 'already_exists'
    assert 'disk_size_gb (current: 1024, declared: 256)' in failed['failure']['message']
    assert entry(result, 'a')['system']['status'] == 'started'


# -- partial failure ----------------------------------------------------------------------------

def test_a_refused_creation_fails_alone_and_the_rest_converges(run):
    fake = FakeSystemsClient()
    fake.refuse_create['s-2'] = PreconditionFailedError(
        'CreateSystem: the CU pool is short by 2 CU', meta={'reason': 'cu_pool_short', 'short_by': '2'})
    result = run(fake, name_format='s-%d', count=3, defaults=DEFAULTS)
    assert result['failed'] is True
    assert result['changed'] is True
    assert result['failed_systems'] == ['s-2']
    assert '1 of 3 system(s) did not converge: s-2 (declared started; status absent; CreateSystem: the CU pool is short' \
        in result['msg']
    failed = entry(result, 's-2')
    assert (failed['changed'], failed['actions'], failed['system']) == (False, [], None)
    assert failed['failure']['code'] == 'failed_precondition'
    assert [entry(result, name)['system']['status'] for name in ('s-1', 's-3')] == ['started', 'started']
    assert result['summary'] == dict(declared=3, converged=2, changed=2, failed=1, pruned=0, rounds=result['summary']['rounds'])


def test_a_system_that_fails_while_awaited_reports_its_creation(run):
    fake = FakeSystemsClient([make_system('old', 'started')])
    fake.outcomes['provisioning'] = 'failed'
    result = run(fake, diff=True, defaults=DEFAULTS, systems=[dict(name='old'), dict(name='new')])
    assert result['failed'] is True
    failed = entry(result, 'new')
    assert (failed['changed'], failed['actions']) == (True, ['create'])
    assert failed['system']['status'] == 'failed'
    assert failed['failure']['code'] == 'system_failed'
    assert failed['failure']['status'] == 'failed'
    assert 'new (declared started; status failed; System new entered failed while waiting for it to be started: ' \
        'provisioning failed)' in result['msg']
    assert result['diff']['after']['new']['state'] == 'failed'
    assert entry(result, 'old')['failure'] is None


def test_a_timeout_fails_the_systems_still_in_transition_with_their_last_status(run):
    fake = FakeSystemsClient()
    result = run(fake, defaults=DEFAULTS, systems=[dict(name='quick'), dict(name='slow')], wait_timeout=10, poll_interval=2)
    assert 'failed' not in result
    fake = FakeSystemsClient([make_system('slow', 'provisioning'), make_system('quick', 'stopped')])
    fake.holds[fake.only('slow')['id']] = 1000
    result = run(fake, defaults=DEFAULTS, systems=[dict(name='quick'), dict(name='slow')], wait_timeout=10, poll_interval=2)
    assert result['failed_systems'] == ['slow']
    assert entry(result, 'slow')['failure']['code'] == 'timeout'
    assert entry(result, 'slow')['failure']['status'] == 'provisioning'
    assert 'Timed out after 10 s (wait_timeout) waiting for system slow to be started; its last status was provisioning' \
        in result['msg']
    assert entry(result, 'quick')['system']['status'] == 'started'
    # Rounds at 2, 4, ... 10 s (the first a poll interval after quick's start), each one listing.
    assert result['summary']['rounds'] == 5 == fake.methods().count('list_systems') - 1


def test_two_thousand_poll_rounds_complete_normally(run):
    fake = FakeSystemsClient([make_system('slow', 'provisioning')])
    fake.holds[fake.only('slow')['id']] = 2000
    result = run(fake, systems=[dict(name='slow')], poll_interval=0.01, wait_timeout=60)
    assert 'failed' not in result, result
    assert result['summary']['rounds'] == 2002
    assert entry(result, 'slow')['system']['status'] == 'started'


# -- prune --------------------------------------------------------------------------------------

def tagged(name, project, status='started'):
    return make_system(name, status, tags=[{'name': 'project', 'value': project}])


def test_prune_terminates_the_undeclared_systems_the_selector_matches(run):
    fake = FakeSystemsClient([tagged('lab-1', 'lab'), tagged('lab-9', 'lab'), tagged('lab-8', 'other'),
                              tagged('mine', 'lab')])
    result = run(fake, defaults=dict(DEFAULTS, tags={'project': 'lab'}), systems=[dict(name='lab-1')], prune=True,
                 prune_name_prefix='lab-',
                 prune_tags={'project': 'lab'})
    assert 'failed' not in result, result
    assert live(fake) == ['lab-1', 'lab-8', 'mine']
    pruned = entry(result, 'lab-9')
    assert (pruned['pruned'], pruned['state'], pruned['actions'], pruned['system']) == (True, 'absent', ['terminate'], None)
    assert result['summary']['pruned'] == 1


def test_prune_in_check_mode_lists_and_sends_nothing(run):
    fake = FakeSystemsClient([tagged('lab-1', 'lab'), tagged('lab-9', 'lab', 'stopped')])
    result = run(fake, check_mode=True, defaults=dict(DEFAULTS, tags={'project': 'lab'}), systems=[dict(name='lab-1')], prune=True,
                 prune_tags={'project': 'lab'})
    assert fake.mutating_methods() == []
    assert entry(result, 'lab-9')['actions'] == ['terminate']
    assert result['changed'] is True


def test_an_empty_prefix_prunes_every_undeclared_system(run):
    fake = FakeSystemsClient([tagged('x', 'a'), tagged('y', 'b')])
    run(fake, prune=True, prune_name_prefix='')
    assert live(fake) == []


# -- secrets --------------------------------------------------------------------------------------

def test_no_secret_in_any_output(run_module):
    fake = FakeSystemsClient()
    fake.outcomes['provisioning'] = 'failed'
    _result, output = run_module(puddle_fleet.main, fake, dict(name_format='s-%d', count=2, defaults=DEFAULTS,
                                                               poll_interval=1), diff=True)
    assert SECRET_KEY not in output
    assert SECRET_TOKEN not in output


# -- a request whose answer was lost and could not be confirmed -----------------------------

def _lost_error(action):
    from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import TransportError
    error = TransportError('no answer; an answer to this request was lost, so Puddle may have carried out the %s: run '
                           'the task again to converge' % action, may_have_been_committed=True)
    error.unconfirmed_action = action
    return error


def test_a_creation_whose_answer_was_lost_is_reported_as_a_possible_change(run):
    fake = FakeSystemsClient()
    fake.refuse_create['s-2'] = _lost_error('create')
    result = run(fake, diff=True, name_format='s-%d', count=2, defaults=DEFAULTS)
    assert result['failed'] is True
    assert result['failed_systems'] == ['s-2']
    lost = entry(result, 's-2')
    assert (lost['changed'], lost['actions']) == (True, [])
    assert lost['unconfirmed'] == [{'action': 'create', 'reason': 'answer_lost'}]
    assert lost['failure']['code'] == 'transport'
    assert 'may have carried out the create' in result['msg']
    assert entry(result, 's-1')['unconfirmed'] == []
    assert result['summary']['changed'] == 2
    assert set(result['diff']['before']) == {'s-1', 's-2'}


def test_a_fleet_whose_only_change_may_have_been_carried_out_is_changed(run, monkeypatch):
    fake = FakeSystemsClient([make_system('s-1', 'started')])

    def refresh_lost(system_id):
        raise _lost_error('refresh_idle_timeout')
    monkeypatch.setattr(fake, 'refresh_idle_timeout', refresh_lost)
    result = run(fake, defaults=dict(DEFAULTS, refresh_idle_timeout=True), systems=[dict(name='s-1')])
    assert result['failed'] is True
    assert result['changed'] is True
    assert result['summary']['changed'] == 1
    lost = entry(result, 's-1')
    assert (lost['changed'], lost['actions']) == (True, [])
    assert lost['unconfirmed'] == [{'action': 'refresh_idle_timeout', 'reason': 'answer_lost'}]


def test_a_failure_without_a_lost_answer_leaves_unconfirmed_empty(run):
    fake = FakeSystemsClient()
    fake.refuse_create['s-1'] = PreconditionFailedError('CreateSystem: the CU pool is short by 2 CU')
    result = run(fake, name_format='s-%d', count=1, defaults=DEFAULTS)
    assert result['failed'] is True
    assert result['changed'] is False
    assert (entry(result, 's-1')['changed'], entry(result, 's-1')['unconfirmed']) == (False, [])
    assert result['summary']['changed'] == 0


def test_a_creation_refused_after_a_lost_answer_keeps_the_possible_create(run):
    from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import ValidationFailedError
    fake = FakeSystemsClient()
    refusal = ValidationFailedError('CreateSystem: unknown image', meta={'field': 'image_id', 'rule': 'unknown'})
    refusal.may_have_been_committed = True
    refusal.unconfirmed_action = 'create'
    fake.refuse_create['s-1'] = refusal
    result = run(fake, name_format='s-%d', count=1, defaults=DEFAULTS)
    lost = entry(result, 's-1')
    assert lost['failure']['field'] == 'image'
    assert (lost['changed'], lost['actions'], lost['unconfirmed']) == (True, [], [{'action': 'create', 'reason': 'answer_lost'}])


def test_null_options_of_a_declaration_and_of_defaults_are_not_given(run):
    # docs/reliability.md rule 3, as for the same puddle_system task: a null option with choices is left out.
    fake = FakeSystemsClient([make_system('sys', 'started')])
    result = run(fake, systems=[dict(name='sys', state=None, cloud=None, product=None, image=None)],
                 defaults=dict(DEFAULTS, state=None, recreate=None))
    assert 'failed' not in result, result
    assert (result['changed'], entry(result, 'sys')['actions']) == (False, [])
    assert fake.mutating_methods() == []


class ReadAfterStartFails(FakeSystemsClient):
    """StartSystem is carried out, and the read after it fails (as the api_client=puddle_client adapter says)."""

    def start_system(self, system_id):
        from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import TransportError
        FakeSystemsClient.start_system(self, system_id)
        error = TransportError('SystemService/GetSystem: no answer')
        error.carried_out_action = 'start'
        raise error


def test_an_action_carried_out_before_a_failed_read_is_the_systems_action(run):
    fake = ReadAfterStartFails([make_system('sys', 'stopped')])
    result = run(fake, systems=[dict(name='sys')], defaults=DEFAULTS)
    assert result['failed'] is True
    item = entry(result, 'sys')
    assert (item['changed'], item['actions'], item['unconfirmed']) == (True, ['start'], [])
    assert result['changed'] is True
    assert result['summary']['changed'] == 1


# -- the engine's messages and edges, one by one (mutation testing: bench/mutation) ---------------

class DecodedFake(FakeSystemsClient):
    """The fake whose answers are decoded from JSON, as Puddle's are: every string in them is a new object."""

    def list_systems(self):
        return decoded(super(DecodedFake, self).list_systems())

    def create_system(self, *args, **kwargs):
        return decoded(super(DecodedFake, self).create_system(*args, **kwargs))

    def _act(self, method, system_id):
        return decoded(super(DecodedFake, self)._act(method, system_id))


def decoded(value):
    return json.loads(json.dumps(value))


@pytest.mark.parametrize('args, field, rule, message', [
    (dict(name_format='s-%d', count=-1), 'count', 'range', 'count must be 0 or more, got -1 (rule range)'),
    # Every name is the same: the pattern holds no integer conversion that tells them apart.
    (dict(name_format='s-%.0s', count=2), 'name_format', 'format',
     'name_format must hold exactly one integer conversion such as %02d (rule format)'),
    (dict(name_format='student', count=0), 'name_format', 'format',
     'name_format must hold exactly one integer conversion such as %02d (not all arguments converted during string '
     'formatting) (rule format)'),
    # An integer conversion is a valid pattern; the names it makes then follow the rule of a name.
    (dict(name_format='lab-% d', count=2), 'name_format', 'pattern',
     'System lab- 1 (name_format): name must match %s (lower-case letters, digits and hyphens) (rule pattern)'
     % NAME_PATTERN.pattern),
    (dict(systems=[dict(name='a', product='dai')]), 'systems[0].version', 'required_together',
     'System a (systems[0]): product and version go together; version is missing (rule required_together)'),
    (dict(systems=[dict(name='a', version='1.11.1')]), 'systems[0].product', 'required_together',
     'System a (systems[0]): product and version go together; product is missing (rule required_together)'),
    (dict(systems=[dict(name='a', image='aws-dai-1.11.1', version='1.11.1')]), 'systems[0].image', 'exclusive',
     'System a (systems[0]): image and product/version are mutually exclusive (rule exclusive)'),
    (dict(systems=[dict(name='a')], wait_timeout=-1), 'wait_timeout', 'range',
     'wait_timeout must be a finite number of seconds, 0 or more, got -1 (rule range)'),
    (dict(systems=[dict(name='a')], poll_interval=0), 'poll_interval', 'range',
     'poll_interval must be a finite number of seconds, more than 0, got 0 (rule range)'),
    (dict(systems=[dict(name='a')], poll_interval=-0.5), 'poll_interval', 'range',
     'poll_interval must be a finite number of seconds, more than 0, got -0.5 (rule range)'),
])
def test_each_rule_of_the_fleet_fails_with_its_message(run, args, field, rule, message):
    fake = FakeSystemsClient()
    result = run(fake, defaults=dict(cloud='aws', instance_type='m5.xlarge', tags={'project': 'demo'}), **args)
    assert result['failed'] is True
    assert (result['failure']['field'], result['failure']['rule']) == (field, rule)
    assert result['msg'] == message
    assert fake.mutating_methods() == []


def test_a_declared_state_outside_the_choices_is_refused_by_the_engine():
    fleet = Fleet(FakeSystemsClient(), [merge_declaration(None, dict(name='a', state='running'))])
    with pytest.raises(ValidationFailedError) as caught:
        fleet.check()
    assert caught.value.message == ('System a: state must be one of present, started, stopped, '
                                    'restarted, failed, absent, got running (rule choices)')
    assert (caught.value.field, caught.value.rule) == ('state', 'choices')


def test_a_count_of_zero_declares_no_system(run):
    fake = FakeSystemsClient([make_system('s-1')])
    result = run(fake, name_format='s-%d', count=0, defaults=DEFAULTS)
    assert 'failed' not in result, result
    assert result['systems'] == []
    assert result['summary'] == dict(declared=0, converged=0, changed=0, failed=0, pruned=0, rounds=0)
    assert fake.methods() == ['list_systems']


def test_a_wait_timeout_of_zero_is_valid(run):
    fake = FakeSystemsClient([make_system('a', 'started')])
    result = run(fake, defaults=DEFAULTS, systems=[dict(name='a')], wait_timeout=0)
    assert 'failed' not in result, result
    assert result['summary']['converged'] == 1


def test_a_converged_fleet_spends_no_poll_round(run):
    fake = FakeSystemsClient([make_system('a', 'started')])
    result = run(fake, defaults=DEFAULTS, systems=[dict(name='a')])
    assert result['summary']['rounds'] == 0
    assert fake.poll_args == []


def test_the_first_round_comes_at_once_when_no_request_was_sent(run):
    fake = FakeSystemsClient([make_system('a', 'provisioning')])
    result = run(fake, defaults=DEFAULTS, systems=[dict(name='a')], poll_interval=3)
    assert 'failed' not in result, result
    assert fake.mutating_methods() == []
    assert fake.poll_args == [dict(timeout=pytest.approx(1200, abs=1), poll_interval=3, first_poll_delay=0)]
    assert result['summary']['rounds'] == 2


# -- the engine's own defaults are the module's documented ones --------------------------------

def test_the_engine_defaults_are_the_documented_ones():
    options = yaml.safe_load(puddle_fleet.DOCUMENTATION)['options']
    fake = FakeSystemsClient([tagged('lab-1', 'demo'), tagged('lab-9', 'demo')])
    fleet = Fleet(fake, declarations([dict(name='lab-2')], None, None, DEFAULTS))
    fleet.check()  # prune defaults to false: no selector is needed
    fleet.run()
    # A real run (not check mode) that waits, with the documented wait_timeout and poll_interval.
    assert (fleet.wait_timeout, fleet.poll_interval) == (options['wait_timeout']['default'], options['poll_interval']['default'])
    assert fake.mutating_methods() == ['create_system']
    assert fake.poll_args == [dict(timeout=pytest.approx(1200, abs=1), poll_interval=5, first_poll_delay=5)]
    assert fake.only('lab-2')['status'] == 'started'
    assert live(fake) == ['lab-1', 'lab-2', 'lab-9']
    assert fleet.summary() == dict(declared=1, converged=1, changed=1, failed=0, pruned=0, rounds=1)


class SteppedClock(object):
    """A monotonic clock that moves on by step seconds at each reading."""

    def __init__(self, step):
        self.now = 100.0
        self.step = step

    def __call__(self):
        self.now += self.step
        return self.now


@pytest.mark.parametrize('request_seconds, poll_timeout', [(4, 6), (30, 0)])
def test_the_poll_gets_what_the_requests_left_of_the_wait_timeout(request_seconds, poll_timeout):
    # Requests that outlast wait_timeout (10 s) leave a poll of no time at all, which then times out.
    fake = FakeSystemsClient()
    fleet = Fleet(fake, declarations([dict(name='a')], None, None, DEFAULTS), wait_timeout=10, poll_interval=1,
                  monotonic=SteppedClock(request_seconds))
    fleet.run()
    assert fake.poll_args == [dict(timeout=poll_timeout, poll_interval=1, first_poll_delay=1)]
    if poll_timeout == 0:
        assert fleet.members[0].failure.code == 'timeout'


# -- answers decoded from JSON: statuses compared by value ---------------------------------------

def test_a_fleet_decoded_from_json_converges(run):
    fake = DecodedFake([make_system('old', 'stopped')])
    result = run(fake, defaults=DEFAULTS, systems=[dict(name='old'), dict(name='new')])
    assert 'failed' not in result, result
    assert [entry(result, name)['system']['status'] for name in ('old', 'new')] == ['started', 'started']
    assert result['summary']['rounds'] == 1


def test_a_system_decoded_from_json_that_fails_while_awaited_fails(run):
    fake = DecodedFake()
    fake.outcomes['provisioning'] = 'failed'
    result = run(fake, defaults=DEFAULTS, systems=[dict(name='new')], wait_timeout=30)
    assert result['failed_systems'] == ['new']
    failure = entry(result, 'new')['failure']
    assert failure['code'] == 'system_failed'
    assert failure['message'] == 'System new entered failed while waiting for it to be started: provisioning failed'
    assert result['summary']['rounds'] == 1


def test_the_idle_timeout_of_a_started_system_decoded_from_json_is_refreshed(run):
    fake = DecodedFake([make_system('a', 'started')])
    result = run(fake, defaults=dict(DEFAULTS, refresh_idle_timeout=True), systems=[dict(name='a')])
    assert 'failed' not in result, result
    assert entry(result, 'a')['actions'] == ['refresh_idle_timeout']
    assert fake.mutating_methods() == ['refresh_idle_timeout']


@pytest.mark.parametrize('status', ['stopped', 'failed'])
def test_the_idle_timeout_of_a_system_that_does_not_run_is_not_refreshed(run, status):
    fake = DecodedFake([make_system('a', status)])
    result = run(fake, defaults=dict(DEFAULTS, refresh_idle_timeout=True, state=status), systems=[dict(name='a')])
    assert 'failed' not in result, result
    assert entry(result, 'a')['actions'] == []
    assert fake.mutating_methods() == []
    assert result['changed'] is False


def test_a_system_declared_absent_is_terminated_whatever_its_attributes(run):
    fake = DecodedFake([make_system('a', 'started', disk_size_gb=1024)])
    result = run(fake, defaults=dict(DEFAULTS, disk_size_gb=256), systems=[dict(name='a', state='absent')])
    assert 'failed' not in result, result
    assert entry(result, 'a')['actions'] == ['terminate']
    assert 'drift' not in entry(result, 'a')
    assert live(fake) == []


# -- someone else acts on the fleet's systems meanwhile --------------------------------------------

class OthersKeepCreating(FakeSystemsClient):
    """Someone else creates each system (terminating at once) just before this task's first `times` creations."""

    def __init__(self, times):
        super(OthersKeepCreating, self).__init__()
        self.times = times

    def create_system(self, name, cloud, **kwargs):
        if self.times:
            self.times -= 1
            self.created_by_others[name] = dict(status='terminating', id='id-%s-other-%d' % (name, self.times))
        return super(OthersKeepCreating, self).create_system(name, cloud, **kwargs)


def test_a_system_created_by_others_three_times_is_then_created_by_this_task(run):
    fake = OthersKeepCreating(3)
    result = run(fake, defaults=DEFAULTS, systems=[dict(name='a')])
    assert 'failed' not in result, result
    created = entry(result, 'a')
    assert created['adopted'] == [dict(action='create', reason='already_exists', status='terminating')] * 3
    assert created['actions'] == ['create']
    assert fake.mutating_methods() == ['create_system'] * 4


def test_a_system_created_by_others_a_fourth_time_fails_with_a_conflict(run):
    fake = OthersKeepCreating(4)
    result = run(fake, defaults=DEFAULTS, systems=[dict(name='a')])
    assert result['failed_systems'] == ['a']
    failure = entry(result, 'a')['failure']
    assert failure['code'] == 'conflict'
    assert failure['field'] == 'name'
    assert failure['message'] == 'System a was created by someone else 4 times while this task tried to create it'
    assert fake.mutating_methods() == ['create_system'] * 4


def test_an_action_someone_else_already_did_is_adopted_not_claimed(run):
    fake = FakeSystemsClient([make_system('a', 'stopped')])
    fake.done_by_others['start_system'] = 'started'
    result = run(fake, defaults=DEFAULTS, systems=[dict(name='a')])
    assert 'failed' not in result, result
    assert entry(result, 'a')['adopted'] == [dict(action='start', reason='already_done', status='started')]
    assert entry(result, 'a')['actions'] == []
    assert result['changed'] is False


def test_an_action_whose_answer_was_lost_but_found_carried_out_is_this_task_s(run):
    fake = FakeSystemsClient([make_system('a', 'stopped')])
    fake.lost_answers.add('start_system')
    result = run(fake, defaults=DEFAULTS, systems=[dict(name='a')])
    assert 'failed' not in result, result
    assert (entry(result, 'a')['adopted'], entry(result, 'a')['actions']) == ([], ['start'])
    assert result['changed'] is True


def test_a_system_terminated_by_someone_else_while_awaited_to_start_fails(run):
    fake = DecodedFake([make_system('a', 'stopped'), make_system('b', 'stopped')])
    fake.moved_once = {}
    fake.holds[fake.only('b')['id']] = 1
    original = fake._puddle_round

    def someone_terminates_a():
        original()
        system = fake.systems['id-a']
        if system['status'] == 'started':
            set_status(system, 'terminated')
    fake._puddle_round = someone_terminates_a
    result = run(fake, defaults=DEFAULTS, systems=[dict(name='a'), dict(name='b')])
    assert result['failed_systems'] == ['a']
    failure = entry(result, 'a')['failure']
    assert failure['code'] == 'failed_precondition'
    assert failure['message'] == 'System a was terminated while waiting for it to be started'
    assert entry(result, 'a')['system'] is None
    assert entry(result, 'b')['system']['status'] == 'started'


def test_a_system_terminated_by_someone_else_before_its_termination_is_not_terminated_again(run):
    fake = DecodedFake([make_system('a', 'provisioning')])
    fake.outcomes['provisioning'] = 'terminated'
    result = run(fake, defaults=DEFAULTS, systems=[dict(name='a', state='absent')])
    assert 'failed' not in result, result
    assert entry(result, 'a')['actions'] == []
    assert entry(result, 'a')['system'] is None
    assert fake.mutating_methods() == []
    assert result['summary']['converged'] == 1


# -- failures of one system, and of the poll itself ---------------------------------------------

def test_a_failed_listing_fails_every_system_still_waiting(run, monkeypatch):
    from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import TransportError
    fake = FakeSystemsClient([make_system('ready', 'started')])

    def listing_fails(on_listing, **kwargs):
        raise TransportError('ListSystems: connection reset')
    monkeypatch.setattr(fake, 'poll_systems', listing_fails)
    result = run(fake, defaults=DEFAULTS, systems=[dict(name='ready'), dict(name='new')])
    assert result['failed_systems'] == ['new']
    assert entry(result, 'new')['failure']['message'] == 'ListSystems: connection reset'
    assert entry(result, 'new')['actions'] == ['create']
    assert entry(result, 'ready')['failure'] is None
    assert result['summary']['converged'] == 1


def test_a_timeout_without_a_count_of_rounds_keeps_the_rounds_at_zero(run, monkeypatch):
    from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import WaitTimeoutError
    fake = FakeSystemsClient()

    def no_time(on_listing, **kwargs):
        raise WaitTimeoutError('timed out')
    monkeypatch.setattr(fake, 'poll_systems', no_time)
    result = run(fake, defaults=DEFAULTS, systems=[dict(name='new')], wait_timeout=7)
    assert result['summary']['rounds'] == 0
    assert entry(result, 'new')['failure']['message'] == (
        'Timed out after 7 s (wait_timeout) waiting for system new to be started; its last status was provisioning')


@pytest.mark.parametrize('with_system', [False, True])
def test_a_refused_action_reports_the_system_as_last_known(run, monkeypatch, with_system):
    # A refusal from the status the plan was made from persists (no one else moved the system): the system the
    # error read after it is reported, else the one the fleet read.
    fake = FakeSystemsClient([make_system('a', 'stopped')])
    shown = make_system('a', 'stopped', idle_deadline='2026-11-25T13:00:00Z') if with_system else None

    def refused(system_id):
        raise PreconditionFailedError('StartSystem: cannot start', meta={'status': 'stopped'}, system=shown)
    monkeypatch.setattr(fake, 'start_system', refused)
    result = run(fake, defaults=DEFAULTS, systems=[dict(name='a')])
    assert result['failed_systems'] == ['a']
    assert entry(result, 'a')['system']['status'] == 'stopped'
    assert entry(result, 'a')['system']['idle_deadline'] == ('2026-11-25T13:00:00Z' if with_system else None)


def test_a_system_whose_refresh_failed_is_not_converged(run, monkeypatch):
    fake = FakeSystemsClient([make_system('a', 'started'), make_system('b', 'started')])

    def refused(system_id):
        raise PreconditionFailedError('RefreshIdleTimeout: refused')
    monkeypatch.setattr(fake, 'refresh_idle_timeout', refused)
    result = run(fake, defaults=DEFAULTS, systems=[dict(name='a', refresh_idle_timeout=True), dict(name='b')])
    assert result['failed_systems'] == ['a']
    assert result['summary'] == dict(declared=2, converged=1, changed=0, failed=1, pruned=0, rounds=0)


def test_a_failed_system_does_not_hold_back_the_others_in_the_next_round(run):
    fake = FakeSystemsClient([make_system('a', 'provisioning'), make_system('b', 'stopped')])
    fake.outcomes['provisioning'] = 'failed'
    fake.holds[fake.only('b')['id']] = 1
    result = run(fake, defaults=DEFAULTS, systems=[dict(name='a'), dict(name='b')])
    assert result['failed_systems'] == ['a']
    # Round 1: a fails, b is still starting; round 2: b is started.
    assert entry(result, 'b')['system']['status'] == 'started'
    assert result['summary']['rounds'] == 2


# -- prune and drift details ----------------------------------------------------------------------

def test_prune_tags_compare_values_exactly(run):
    fake = FakeSystemsClient([tagged('x-1', 'demo'), tagged('x-2', 'lab'), tagged('x-3', 'other')])
    result = run(fake, prune=True, prune_tags={'project': 'lab'})
    assert 'failed' not in result, result
    assert live(fake) == ['x-1', 'x-3']
    assert [item['name'] for item in result['systems']] == ['x-2']


@pytest.mark.parametrize('entry', [{'name': 'env'}, 'env', None])
@pytest.mark.parametrize('check_mode', [True, False])
def test_prune_never_selects_a_system_whose_tag_value_is_unknown(run, entry, check_mode):
    """A tag reported without its value is unknown, not "no value": prune_tags {env: null} does not terminate it."""
    odd = make_system('x-1', tags=[{'name': 'project', 'value': 'lab'}, entry])
    empty = make_system('x-2', tags=[{'name': 'project', 'value': 'lab'}])  # carries no env tag: no value
    fake = FakeSystemsClient([odd, empty])
    result = run(fake, check_mode=check_mode, prune=True, prune_tags={'project': 'lab', 'env': None})
    assert 'failed' not in result, result
    assert [item['name'] for item in result['systems']] == ['x-2']
    assert live(fake) == (['x-1', 'x-2'] if check_mode else ['x-1'])


def test_the_drift_failure_names_the_first_attribute_of_the_first_system(run):
    fake = FakeSystemsClient([make_system('a', disk_size_gb=1024, instance_type='m5.4xlarge', instance_type_id='aws-m5.4xlarge'),
                              make_system('b', idle_interval=30)])
    result = run(fake, defaults=dict(DEFAULTS, disk_size_gb=256), systems=[dict(name='a'), dict(name='b', idle_interval=60)])
    assert result['failed'] is True
    assert result['failure']['field'] == 'instance_type'
    assert result['msg'] == (
        '2 system(s) differ in attributes Puddle cannot change after creation: a: instance_type (current: m5.4xlarge, '
        'declared: m5.xlarge), disk_size_gb (current: 1024, declared: 256); b: idle_interval (current: 30, declared: 60). '
        'Set recreate: true on them (or in defaults) to terminate and create them again.')


def test_check_mode_predicts_a_terminated_system_as_null(run):
    fake = FakeSystemsClient([make_system('a', 'started'), make_system('b', 'stopping')])
    result = run(fake, check_mode=True, defaults=DEFAULTS, systems=[dict(name='a', state='absent'), dict(name='b', state='absent')])
    assert [entry(result, name)['system'] for name in ('a', 'b')] == [None, None]
    assert [entry(result, name)['actions'] for name in ('a', 'b')] == [['terminate'], ['terminate']]


@pytest.mark.parametrize('args, field, message', [
    # The entry gives tags, but not the disabled one: that one comes from defaults.
    (dict(systems=[dict(name='a', tags={'project': 'demo'})], defaults=dict(DEFAULTS, tags={'legacy': 'x'})),
     'defaults.tags.legacy', 'System a (defaults): tags.legacy: the tag is disabled and cannot be set (rule disabled_tag)'),
    # A counted system's missing version is missing from defaults, not from name_format.
    (dict(name_format='s-%d', count=1, defaults=dict(cloud='aws', product='dai')), 'defaults.version',
     'System s-1 (defaults): product and version go together; version is missing (rule required_together)'),
])
def test_an_invalid_value_from_defaults_is_named_in_defaults(run, args, field, message):
    fake = FakeSystemsClient()
    result = run(fake, **args)
    assert result['failed'] is True
    assert result['failure']['field'] == field
    assert result['msg'] == message, result['msg']
    assert fake.mutating_methods() == []


# -- the CU pool: check mode predicts its refusals, cu_shortage=send_nothing refuses the whole fleet ------------

def pool_fleet(pool, cu_info=None):
    """Two systems to create (2 CU each) and a stopped one to start (8 CU), declared in that order."""
    fake = FakeSystemsClient([make_system('s-3', 'stopped', cu_per_hour=8, instance_type='m5.4xlarge',
                                          instance_type_id='aws-m5.4xlarge')])
    fake.cu_pool = pool
    fake.cu_info = cu_info or {}
    return fake


POOL_FLEET = dict(name_format='s-%d', count=3, defaults=DEFAULTS,
                  systems=[dict(name='s-3', instance_type='m5.4xlarge')])


@pytest.mark.parametrize('pool, refused', [(12, []), (11, ['s-3']), (4, ['s-3']), (3, ['s-2', 's-3']), (1, ['s-1', 's-2', 's-3'])])
def test_check_mode_predicts_the_refusals_of_the_cu_pool(run, pool, refused):
    check_fake = pool_fleet(pool)
    check = run(check_fake, check_mode=True, diff=True, **POOL_FLEET)
    real = run(pool_fleet(pool), diff=True, **POOL_FLEET)
    assert check_fake.mutating_methods() == []
    assert check_fake.methods().count('get_cu_consumption_info') == 1
    assert real['failed_systems'] == check['failed_systems'] == refused
    assert check.get('failed', False) == real.get('failed', False) == bool(refused)
    assert check.get('msg') == real.get('msg')
    assert [item['failure'] for item in check['systems']] == [item['failure'] for item in real['systems']]
    assert [item['actions'] for item in check['systems']] == [item['actions'] for item in real['systems']]
    assert check['summary'] == dict(real['summary'], rounds=0)
    assert check['diff'] == real['diff']
    assert check['cu'] == real['cu']
    assert check['cu']['fleet_cu_per_hour'] == 12
    for name in refused:
        failure = entry(real, name)['failure']
        assert failure['code'] == 'failed_precondition'
        assert failure['message'].startswith('the CU pool is short: %d CU needed, ' % (8 if name == 's-3' else 2))


def test_check_mode_says_once_that_it_cannot_predict_without_the_pool(run):
    fake = pool_fleet(3, cu_info={'available_cu': None})
    result = run(fake, check_mode=True, **POOL_FLEET)
    # Predicted as without a pool: every request accepted; the figure is unknown, never 0.
    assert [item['actions'] for item in result['systems']] == [['create'], ['create'], ['start']]
    warnings = [json.dumps(warning) for warning in result.get('warnings', []) if 'CU pool' in json.dumps(warning)]
    assert len(warnings) == 1 and "pool's available CU" in warnings[0]
    assert result['cu']['available_before'] is None and result['cu']['available_after'] is None


def test_an_unknown_instance_type_cost_is_unknown_not_zero(run, monkeypatch):
    fake = pool_fleet(100)
    real_list = fake.list_instance_types

    def without_cost(cloud):
        return [dict((key, value) for key, value in item.items() if key != 'cu_per_hour') for item in real_list(cloud)]
    monkeypatch.setattr(fake, 'list_instance_types', without_cost)
    result = run(fake, check_mode=True, **POOL_FLEET)
    assert len([warning for warning in result.get('warnings', []) if 'cu_per_hour of s-1' in json.dumps(warning)]) == 1
    assert result['cu']['fleet_cu_per_hour'] is None and result['cu']['needed_cu'] is None


@pytest.mark.parametrize('check_mode', [True, False])
def test_send_nothing_fails_with_the_shortage_before_any_change(run, check_mode):
    fake = pool_fleet(11)
    result = run(fake, check_mode=check_mode, cu_shortage='send_nothing', **POOL_FLEET)
    assert fake.mutating_methods() == []
    assert result['failed'] is True and result['changed'] is False
    assert result['msg'] == ('The CU pool cannot hold the whole fleet: 12 CU needed, 11 available, short by 1; nothing '
                             'was sent (cu_shortage=send_nothing). Ask the Puddle administrator for 1 more CU, or '
                             'declare fewer systems.')
    assert result['failure']['code'] == 'cu_pool_short' and result['failure']['field'] == 'cu_shortage'


def test_send_nothing_converges_a_fleet_that_fits(run):
    fake = pool_fleet(12)
    result = run(fake, cu_shortage='send_nothing', **POOL_FLEET)
    assert 'failed' not in result, result
    assert [item['actions'] for item in result['systems']] == [['create'], ['create'], ['start']]
    assert result['cu'] == dict(fleet_cu_per_hour=12, needed_cu=12, available_before=12, available_after=0)


def test_send_nothing_with_an_unknown_pool_sends_nothing(run):
    fake = pool_fleet(100, cu_info={'available_cu': None})
    result = run(fake, cu_shortage='send_nothing', **POOL_FLEET)
    assert fake.mutating_methods() == []
    assert result['failed'] is True and result['failure']['code'] == 'cu_unknown'
    assert "the pool's available CU" in result['msg']


def test_a_fleet_that_takes_no_cu_does_not_read_the_pool(run):
    fake = FakeSystemsClient([make_system('s-1'), make_system('s-2', 'started')])
    result = run(fake, systems=[dict(name='s-1'), dict(name='s-2', state='stopped')])
    assert 'get_cu_consumption_info' not in fake.methods()
    assert result['cu'] == dict(fleet_cu_per_hour=2, needed_cu=None, available_before=None, available_after=None)


@pytest.mark.parametrize('existing, pool, refused', [(None, 1, True), (None, 2, False), ('stopped', 1, True), ('stopped', 2, False)])
def test_puddle_system_check_mode_predicts_the_refusal_of_its_create_or_start(run_module, existing, pool, refused):
    def client():
        fake = FakeSystemsClient([make_system('sys', existing)] if existing else [])
        fake.cu_pool = pool
        return fake
    check_fake = client()
    check, _output = run_module(puddle_system.main, check_fake, dict(DEFAULTS, name='sys', poll_interval=1), check_mode=True)
    real, _output = run_module(puddle_system.main, client(), dict(DEFAULTS, name='sys', poll_interval=1))
    assert check_fake.mutating_methods() == []
    assert check_fake.methods().count('get_cu_consumption_info') == 1
    assert check.get('failed', False) == real.get('failed', False) == refused
    assert check.get('msg') == real.get('msg')
    assert check.get('failure') == real.get('failure')
    assert check['actions'] == real['actions']
    if refused:
        assert real['msg'] == 'the CU pool is short: 2 CU needed, 1 available'


class ListingFails(FakeSystemsClient):
    def list_systems(self):
        raise TransportError('no answer from Puddle (the listing)')


def test_a_failed_first_listing_still_returns_each_system_with_nothing_done(run):
    # Found by the stateful machine (bench/stateful): the failure lacked systems and summary, returned always.
    defaults = dict(cloud='aws', product='dai', version='1.11.1')
    result = run(ListingFails(), name_format='train-%02d', count=2, defaults=defaults)
    assert result['failed'] is True and result['changed'] is False
    assert result['failure']['code'] == 'transport'
    assert [item['name'] for item in result['systems']] == ['train-01', 'train-02']
    assert all(item['actions'] == [] and item['unconfirmed'] == [] and item['adopted'] == [] for item in result['systems'])
    assert result['summary']['changed'] == 0
