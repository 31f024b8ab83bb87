# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""puddle_system run for real against a method-level fake of PuddleClient."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import itertools
import textwrap

import pytest
import yaml

from ansible_collections.puddle.cloud.plugins.module_utils import system_transitions as transitions
from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import ValidationFailedError
from ansible_collections.puddle.cloud.plugins.modules import puddle_system
from ansible_collections.puddle.cloud.tests.unit.plugins.modules.fake_systems_client import (
    SECRET_KEY,
    SECRET_TOKEN,
    FakeSystemsClient,
    make_system,
)

CREATE = dict(name='sys', cloud='aws', product='dai', version='1.11.1', instance_type='m5.xlarge', tags={'project': 'demo'})
ACTION_OF_METHOD = {
    'create_system': 'create', 'start_system': 'start', 'stop_system': 'stop', 'restart_system': 'restart',
    'fail_system': 'fail', 'terminate_system': 'terminate', 'refresh_idle_timeout': 'refresh_idle_timeout',
}
FINAL_STATUS = {'started': 'started', 'stopped': 'stopped', 'restarted': 'started', 'failed': 'failed', 'absent': None}


def fake_with(status=None, **fields):
    return FakeSystemsClient([make_system('sys', status, **fields)] if status else [])


def sent_actions(fake):
    return [ACTION_OF_METHOD[method] for method in fake.mutating_methods()]


@pytest.fixture
def run(run_module):
    def run_system(client, check_mode=False, diff=False, **args):
        # An option set to None is left out, as a task leaves out an option it does not name.
        args = dict((key, value) for key, value in args.items() if value is not None)
        result, output = run_module(puddle_system.main, client, args, check_mode=check_mode, diff=diff)
        return result
    return run_system


# -- the documentation renders the code's table ------------------------------------------

def documentation():
    return yaml.safe_load(puddle_system.DOCUMENTATION)


def test_documentation_renders_the_transition_table_of_the_code():
    description = documentation()['options']['state']['description']
    start = description.index('The steps taken from each current status (the transition table; '
                              'a terminated system counts as V(absent)):') + 1
    expected = transitions.render_table_lines() + ['The steps:'] + transitions.render_step_lines()
    rendered = description[start:start + len(expected)]
    assert rendered == expected, 'regenerate the table in DOCUMENTATION:\n' + ''.join(
        textwrap.fill(line, width=124, initial_indent='      - ', subsequent_indent='        ',
                      break_on_hyphens=False, break_long_words=False) + '\n' for line in expected)


def test_documentation_declares_every_option_of_the_argument_spec():
    assert set(puddle_system.ARGUMENT_SPEC) <= set(documentation()['options'])
    assert documentation()['options']['state']['choices'] == list(transitions.DECLARED_STATES)


def test_documentation_declares_check_diff_and_idempotency_support():
    attributes = documentation()['attributes']
    assert attributes['check_mode']['support'] == 'full'
    assert attributes['diff_mode']['support'] == 'full'
    assert attributes['idempotent']['support'] == 'partial'
    assert 'restarted' in attributes['idempotent']['details']


class StubPuddle(object):
    params = {}
    check_mode = False


def test_every_step_of_the_table_has_a_handler():
    assert set(puddle_system.PuddleSystem(StubPuddle()).step_handlers) == set(transitions.STEPS)


# -- every cell of the table, through the module --------------------------------------------

@pytest.mark.parametrize('current, declared', list(itertools.product(transitions.CURRENT_STATUSES, transitions.DECLARED_STATES)))
def test_every_cell_sends_the_requests_of_the_table(run, current, declared):
    fake = fake_with(None if current == 'absent' else current)
    result = run(fake, state=declared, **CREATE)
    assert 'failed' not in result, result
    expected = [step for step in transitions.steps_for(current, declared) if step in transitions.ACTION_STEPS]
    assert sent_actions(fake) == expected
    assert result['actions'] == expected
    assert result['changed'] is bool(expected)
    system = fake.only('sys')
    if declared == 'present':
        assert system is not None
    else:
        assert (system and system['status']) == FINAL_STATUS[declared]
        assert (result['system'] and result['system']['status']) == FINAL_STATUS[declared]


@pytest.mark.parametrize('current, declared', list(itertools.product(transitions.CURRENT_STATUSES, transitions.DECLARED_STATES)))
def test_every_cell_in_check_mode_predicts_and_sends_nothing(run, current, declared):
    fake = fake_with(None if current == 'absent' else current)
    result = run(fake, check_mode=True, diff=True, state=declared, **CREATE)
    steps = transitions.steps_for(current, declared)
    assert fake.mutating_methods() == []
    assert result['actions'] == [step for step in steps if step in transitions.ACTION_STEPS]
    predicted = transitions.predict_status(current, steps)
    assert (result['system'] and result['system']['status'] or 'absent') == predicted
    assert result['diff']['after']['state'] == predicted
    assert result['diff']['before']['state'] == current


# -- no change, one lookup ------------------------------------------------------------------

def test_no_change_costs_one_lookup(run):
    fake = fake_with('started')
    result = run(fake, **CREATE)
    assert result['changed'] is False
    assert fake.methods() == ['find_system_by_name']


def test_absent_stays_absent_with_one_lookup(run):
    fake = fake_with()
    result = run(fake, name='sys', state='absent')
    assert result['changed'] is False
    assert result['system'] is None
    assert fake.methods() == ['find_system_by_name']


# -- creation ------------------------------------------------------------------------------

def test_create_resolves_image_and_instance_type_names(run):
    fake = fake_with()
    result = run(fake, name='sys', cloud='gcp', image='Driverless AI 1.10.6', instance_type='m5.xlarge',
                 disk_size_gb=512, idle_interval=30, tags={'project': 'demo'})
    create = [call for call in fake.calls if call[0] == 'create_system'][0][2]
    assert create['image_id'] == 'gcp-dai-1.10.6'
    assert create['product'] is None
    assert create['instance_type_id'] == 'gcp-m5.xlarge'
    assert (create['disk_size_gb'], create['idle_interval'], create['tags']) == (512, 30, {'project': 'demo'})
    assert result['changed'] is True
    system = result['system']
    assert system['status'] == 'started'
    assert system['tags'] == {'project': 'demo', 'cost-center': 'rnd'}
    assert system['url'] and system['created'] and system['can_stop'] is True
    assert 'owner' not in system


def test_tag_values_are_sent_as_strings(run):
    fake = fake_with()
    run(fake, **dict(CREATE, tags={'project': 1234}))
    create = [call for call in fake.calls if call[0] == 'create_system'][0][2]
    assert create['tags'] == {'project': '1234'}


def test_a_tag_without_value_is_an_empty_string(run):
    fake = fake_with()
    result = run(fake, **dict(CREATE, tags={'project': None}))
    assert (result['failure']['field'], result['failure']['rule']) == ('tags.project', 'required')
    assert fake.mutating_methods() == []


def test_check_mode_create_predicts_the_system(run):
    fake = fake_with()
    result = run(fake, check_mode=True, diff=True, **dict(CREATE, disk_size_gb=300))
    assert fake.mutating_methods() == []
    assert result['changed'] is True
    system = result['system']
    assert system['id'] is None
    assert (system['status'], system['image_id'], system['instance_type_id'], system['disk_size_gb'], system['idle_interval']) == (
        'started', 'aws-dai-1.11.1', 'aws-m5.xlarge', 300, 60)
    assert system['tags'] == {'project': 'demo', 'cost-center': 'rnd'}
    assert result['diff']['before'] == {'state': 'absent', 'cloud': None, 'product': None, 'version': None,
                                        'instance_type': None, 'disk_size_gb': None, 'tags': None}
    assert result['diff']['after']['state'] == 'started'
    assert result['diff']['after']['disk_size_gb'] == 300


def test_wait_false_returns_after_the_request(run):
    fake = fake_with()
    result = run(fake, wait=False, **CREATE)
    assert result['system']['status'] == 'provisioning'
    assert 'wait_for_system_started' not in fake.methods()


def test_wait_false_still_waits_between_requests(run):
    fake = fake_with('stopping')
    result = run(fake, wait=False, **CREATE)
    assert fake.methods() == ['find_system_by_name', 'wait_for_system_stopped', 'start_system']
    assert result['system']['status'] == 'starting'


# -- validation before any request that changes something ------------------------------------

@pytest.mark.parametrize('args, field, rule', [
    (dict(name='Bad_Name'), 'name', 'pattern'),
    (dict(name='a' * 65), 'name', 'max_length'),
    (dict(disk_size_gb=100), 'disk_size_gb', 'range'),
    (dict(disk_size_gb=2048), 'disk_size_gb', 'range'),
    (dict(idle_interval=0), 'idle_interval', 'range'),
    (dict(idle_interval=241), 'idle_interval', 'range'),
    (dict(tags={'project': 'x' * 257}), 'tags.project', 'max_length'),
    (dict(wait_timeout=-1), 'wait_timeout', 'range'),
    (dict(poll_interval=0), 'poll_interval', 'range'),
])
def test_rules_without_request_fail_before_any_request(run, args, field, rule):
    fake = fake_with()
    result = run(fake, **dict(CREATE, **args))
    assert result['failed'] is True
    assert (result['failure']['field'], result['failure']['rule']) == (field, rule)
    assert field.split('.')[0] in result['msg'] and rule in result['msg']
    assert fake.calls == []


@pytest.mark.parametrize('args, field, rule', [
    (dict(cloud=None), 'cloud', 'required'),
    (dict(product=None, version=None), 'image', 'required'),
    (dict(instance_type=None), 'instance_type', 'required'),
    (dict(product=None, version=None, image='no-such-image'), 'image', 'unknown'),
    (dict(product=None, version=None, image='Broken image'), 'image', 'unknown'),
    (dict(version='9.9.9'), 'version', 'unknown'),
    (dict(instance_type='x1.huge'), 'instance_type', 'unknown'),
    (dict(tags={}), 'tags.project', 'required'),
    (dict(tags={'project': 'p', 'nope': 'x'}), 'tags.nope', 'unknown_tag'),
    (dict(tags={'project': 'p', 'legacy': 'x'}), 'tags.legacy', 'disabled_tag'),
])
def test_creation_rules_fail_before_any_mutating_request(run, args, field, rule):
    fake = fake_with()
    result = run(fake, **dict(CREATE, **args))
    assert result['failed'] is True
    assert (result['failure']['field'], result['failure']['rule']) == (field, rule)
    assert field in result['msg'] and rule in result['msg']
    assert fake.mutating_methods() == []


def test_creation_rules_also_hold_in_check_mode(run):
    fake = fake_with()
    result = run(fake, check_mode=True, **dict(CREATE, tags={'legacy': 'x'}))
    assert result['failure']['field'] == 'tags.legacy'


def test_mutually_exclusive_options_fail_before_any_request(run):
    fake = fake_with()
    result = run(fake, **dict(CREATE, image='aws-dai-1.11.1'))
    assert result['failed'] is True
    assert 'mutually exclusive' in result['msg'] and 'image' in result['msg'] and 'product' in result['msg']
    assert fake.calls == []


def test_server_validation_names_the_option(run):
    fake = fake_with()
    fake.create_error = ValidationFailedError('image_id: no such image', meta={'field': 'image_id', 'rule': 'unknown'})
    result = run(fake, **dict(CREATE, product=None, version=None, image='aws-dai-1.11.1'))
    assert result['failure']['field'] == 'image'
    assert result['failure']['rule'] == 'unknown'
    assert result['msg'].startswith('image: ')


def test_server_validation_without_a_field_keeps_the_message_of_the_client(run):
    # Puddle's own Python client names no field: its message is all there is, passed on as it is.
    fake = fake_with()
    fake.create_error = ValidationFailedError('image is not usable', meta={'rule': 'unknown'})
    result = run(fake, **CREATE)
    assert (result['failure']['field'], result['failure']['rule']) == (None, 'unknown')
    assert result['failure']['message'] == 'image is not usable'
    assert result['actions'] == []


# -- drift ----------------------------------------------------------------------------------

DRIFTING = dict(CREATE, instance_type='m5.4xlarge', disk_size_gb=512, tags={'project': 'other'})


def test_drift_fails_listing_each_attribute(run):
    fake = fake_with('started')
    result = run(fake, **DRIFTING)
    assert result['failed'] is True
    assert result['failure']['code'] == 'drift'
    assert result['drift'] == [
        {'attribute': 'instance_type', 'current': 'm5.xlarge', 'declared': 'm5.4xlarge'},
        {'attribute': 'disk_size_gb', 'current': 256, 'declared': 512},
        {'attribute': 'tags', 'current': {'project': 'demo'}, 'declared': {'project': 'other'}},
    ]
    for text in ('instance_type (current: m5.xlarge, declared: m5.4xlarge)', 'disk_size_gb (current: 256, declared: 512)',
                 'recreate'):
        assert text in result['msg']
    assert fake.mutating_methods() == []
    assert result['system']['status'] == 'started'


def test_drift_with_recreate_terminates_and_creates(run):
    fake = fake_with('started')
    result = run(fake, recreate=True, diff=True, **DRIFTING)
    assert sent_actions(fake) == ['terminate', 'create']
    assert [d['attribute'] for d in result['drift']] == ['instance_type', 'disk_size_gb', 'tags']
    system = fake.only('sys')
    assert (system['status'], system['instance_type'], system['disk_size_gb']) == ('started', 'm5.4xlarge', 512)
    assert result['system']['id'] == system['id'] != 'id-sys'
    assert result['diff']['before']['disk_size_gb'] == 256
    assert result['diff']['after']['disk_size_gb'] == 512


def test_recreate_without_drift_changes_nothing(run):
    fake = fake_with('started')
    result = run(fake, recreate=True, **CREATE)
    assert result['changed'] is False
    assert fake.mutating_methods() == []


def test_recreate_in_check_mode_sends_nothing(run):
    fake = fake_with('stopped')
    result = run(fake, recreate=True, check_mode=True, **dict(DRIFTING, state='stopped'))
    assert fake.mutating_methods() == []
    assert result['actions'] == ['terminate', 'create', 'stop']
    assert result['system']['status'] == 'stopped'
    assert result['system']['instance_type'] == 'm5.4xlarge'


@pytest.mark.parametrize('option, value', [('image', 'aws-dai-1.11.1'), ('image', 'Driverless AI 1.11.1'),
                                           ('instance_type', 'aws-m5.xlarge'), ('instance_type', 'm5.xlarge')])
def test_ids_and_names_both_match(run, option, value):
    args = dict(CREATE, **{option: value})
    if option == 'image':
        args.update(product=None, version=None)
    fake = fake_with('started')
    result = run(fake, **args)
    assert result['changed'] is False, result


def test_options_not_given_are_not_compared(run):
    fake = fake_with('started', disk_size_gb=1024, idle_interval=5, cloud='azure')
    result = run(fake, name='sys')
    assert result['changed'] is False


def test_only_declared_tags_are_compared(run):
    fake = fake_with('started')  # has cost-center=rnd too
    assert run(fake, name='sys', tags={'project': 'demo'})['changed'] is False


def test_idle_interval_difference_is_drift(run):
    fake = fake_with('started')
    result = run(fake, name='sys', idle_interval=120)
    assert result['drift'] == [{'attribute': 'idle_interval', 'current': 60, 'declared': 120}]


def test_absent_ignores_drift(run):
    fake = fake_with('started')
    result = run(fake, state='absent', **DRIFTING)
    assert sent_actions(fake) == ['terminate']
    assert result['system'] is None


# -- waits that end badly --------------------------------------------------------------------

def test_timeout_fails_with_the_last_status(run):
    fake = fake_with('starting')
    fake.timeout_on = 'wait_for_system_started'
    result = run(fake, wait_timeout=7, **CREATE)
    assert result['failed'] is True
    assert result['failure']['code'] == 'timeout'
    assert result['failure']['status'] == 'starting'
    assert 'starting' in result['msg'] and 'wait_timeout' in result['msg']
    assert result['system']['status'] == 'starting'


def test_a_system_failing_while_awaited_fails_the_task_with_it(run):
    fake = fake_with()
    fake.outcomes['provisioning'] = 'failed'
    result = run(fake, **CREATE)
    assert result['failed'] is True
    assert result['failure']['code'] == 'system_failed'
    assert result['system']['status'] == 'failed'


def test_absent_terminates_a_system_that_fails_while_awaited(run):
    fake = fake_with('provisioning')
    fake.outcomes['provisioning'] = 'failed'
    result = run(fake, name='sys', state='absent')
    assert sent_actions(fake) == ['terminate']
    assert result['system'] is None


# -- idle timeout ----------------------------------------------------------------------------

def test_refresh_idle_timeout_on_a_started_system(run):
    fake = fake_with('started')
    result = run(fake, refresh_idle_timeout=True, **CREATE)
    assert sent_actions(fake) == ['refresh_idle_timeout']
    assert result['changed'] is True
    assert result['system']['idle_deadline'] == '2026-11-25T14:00:00Z'


def test_refresh_idle_timeout_in_check_mode_sends_nothing(run):
    fake = fake_with('started')
    result = run(fake, check_mode=True, refresh_idle_timeout=True, **CREATE)
    assert fake.mutating_methods() == []
    assert result['changed'] is True
    assert result['actions'] == ['refresh_idle_timeout']


def test_refresh_idle_timeout_skips_a_stopped_system(run):
    fake = fake_with('stopped')
    result = run(fake, state='stopped', refresh_idle_timeout=True, **CREATE)
    assert result['changed'] is False
    assert fake.mutating_methods() == []


# -- secrets ---------------------------------------------------------------------------------

def test_no_secret_in_any_output(run_module):
    fake = fake_with()
    result, output = run_module(puddle_system.main, fake, dict(CREATE, state='stopped'), diff=True)
    assert result['changed'] is True
    assert SECRET_KEY not in output and SECRET_TOKEN not in output
    fake = fake_with('started')
    fake.timeout_on = 'wait_for_system_stopped'
    result, output = run_module(puddle_system.main, fake, dict(CREATE, state='stopped'))
    assert result['failed'] is True
    assert SECRET_KEY not in output and SECRET_TOKEN not in output
