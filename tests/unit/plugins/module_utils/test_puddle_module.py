# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PuddleModule (options, environment, failures, secrets) and DifferenceTracker."""

import contextlib
import json
import sys

import pytest

from ansible.module_utils import basic

from ansible_collections.puddle.cloud.plugins.module_utils import puddle_module as pm
from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import (
    PreconditionFailedError,
    PuddleClient,
    ServerError,
    TransportError,
    ValidationFailedError,
)
from ansible_collections.puddle.cloud.tests.unit.plugins.module_utils.fake_puddle import SERVER

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core before 2.19
    @contextlib.contextmanager
    def patch_module_args(args=None):
        saved = basic._ANSIBLE_ARGS
        basic._ANSIBLE_ARGS = json.dumps({'ANSIBLE_MODULE_ARGS': args or {}}).encode()
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = saved

SECRET = 'very-secret-key-value'
TOKEN = 'api-token-value-123'


@pytest.fixture
def make_module():
    """Build PuddleModules; their arguments stay patched in until the test ends (exit_json needs them)."""
    with contextlib.ExitStack() as stack:
        def make(args, argument_spec=None):
            stack.enter_context(patch_module_args(args))
            return pm.PuddleModule(argument_spec=argument_spec or {}, supports_check_mode=True)
        yield make


def task_result(capsys, action):
    """Run action (which ends the task) and return the task's JSON result."""
    with pytest.raises(SystemExit):
        action()
    return json.loads(capsys.readouterr().out)


# -- options and the environment

def test_common_options_and_their_defaults(make_module):
    module = make_module({'server_address': SERVER, 'api_token': TOKEN})
    assert module.params['validate_certs'] is True
    assert module.params['request_timeout'] == 30.0
    assert module.params['ca_path'] is None
    assert module.check_mode is False


def test_a_module_spec_extends_the_common_spec_without_changing_it(make_module):
    module = make_module({'server_address': SERVER, 'api_token': TOKEN, 'name': 'web'},
                         argument_spec=dict(name=dict(type='str', required=True)))
    assert module.params['name'] == 'web'
    assert 'name' not in pm.PUDDLE_COMMON_ARGUMENT_SPEC
    spec = pm.common_argument_spec()
    spec['server_address']['fallback'][1].append('X')
    assert 'X' not in pm.PUDDLE_COMMON_ARGUMENT_SPEC['server_address']['fallback'][1]


@pytest.mark.parametrize('variable, option', [
    ('PUDDLE_SERVER_ADDRESS', 'server_address'),
    ('PUDDLE_API_KEY_ID', 'api_key_id'),
    ('PUDDLE_api_key_id', 'api_key_id'),
    ('PUDDLE_API_SECRET_KEY', 'api_secret_key'),
    ('PUDDLE_api_secret_key', 'api_secret_key'),
    ('PUDDLE_API_TOKEN', 'api_token'),
])
def test_each_environment_variable_fills_its_option(make_module, monkeypatch, variable, option):
    monkeypatch.setenv(variable, 'from-env')
    assert make_module({}).params[option] == 'from-env'


def test_an_option_wins_over_the_environment(make_module, monkeypatch):
    monkeypatch.setenv('PUDDLE_SERVER_ADDRESS', 'https://env.test')
    assert make_module({'server_address': SERVER}).params['server_address'] == SERVER


def test_secret_options_are_no_log():
    assert pm.PUDDLE_COMMON_ARGUMENT_SPEC['api_secret_key']['no_log'] is True
    assert pm.PUDDLE_COMMON_ARGUMENT_SPEC['api_token']['no_log'] is True


# -- connection options

@pytest.mark.parametrize('args, field, expected_words', [
    ({'api_token': TOKEN}, 'server_address', ['server_address', 'PUDDLE_SERVER_ADDRESS']),
    ({'server_address': SERVER, 'api_key_id': 'demo-key-id'}, 'api_secret_key',
     ['api_key_id is set', 'api_secret_key', 'PUDDLE_API_SECRET_KEY', 'PUDDLE_api_secret_key']),
    ({'server_address': SERVER, 'api_secret_key': SECRET}, 'api_key_id',
     ['api_key_id', 'PUDDLE_API_KEY_ID', 'PUDDLE_api_key_id']),
    ({'server_address': SERVER}, 'api_key_id',
     ['api_key_id', 'api_secret_key', 'api_token', 'PUDDLE_API_KEY_ID', 'PUDDLE_api_key_id',
      'PUDDLE_API_SECRET_KEY', 'PUDDLE_api_secret_key', 'PUDDLE_API_TOKEN']),
])
def test_unusable_connection_options_fail_naming_option_and_variables(make_module, capsys, args, field, expected_words):
    module = make_module(args)
    result = task_result(capsys, lambda: module.client)
    assert result['failed'] is True
    for word in expected_words:
        assert word in result['msg']
    assert result['failure']['code'] == 'configuration'
    assert result['failure']['field'] == field
    assert SECRET not in json.dumps(result)


def test_a_token_alone_is_enough(make_module):
    module = make_module({'server_address': SERVER, 'api_token': TOKEN})
    assert isinstance(module.client, PuddleClient)
    assert module.client.token == TOKEN
    assert module.client is module.client  # built once


def test_connection_options_reach_the_client(make_module):
    module = make_module({'server_address': SERVER, 'api_key_id': 'demo-key-id', 'api_secret_key': SECRET,
                          'validate_certs': True, 'ca_path': '/etc/puddle/ca.pem', 'request_timeout': 7})
    client = module.client
    assert (client.validate_certs, client.ca_path) == (True, '/etc/puddle/ca.pem')
    assert client.transport.ca_path == '/etc/puddle/ca.pem'
    assert client.request_timeout == 7.0
    assert client.server_address == SERVER
    unverified = make_module({'server_address': SERVER, 'api_token': TOKEN, 'validate_certs': False}).client
    assert unverified.transport.validate_certs is False


def test_a_server_address_without_scheme_fails_cleanly(make_module, capsys):
    module = make_module({'server_address': 'puddle.example.com', 'api_token': TOKEN})
    result = task_result(capsys, lambda: module.client)
    assert 'http:// or https://' in result['msg']
    assert result['failure']['field'] == 'server_address'


def test_a_proxy_without_requests_fails_the_task_naming_the_library_and_the_variable(make_module, capsys,
                                                                                     monkeypatch):
    monkeypatch.setenv('HTTPS_PROXY', 'http://proxy.test:3128')
    monkeypatch.setitem(sys.modules, 'requests', None)  # import requests now raises ImportError
    module = make_module({'server_address': SERVER, 'api_token': TOKEN})
    result = task_result(capsys, lambda: module.client)
    assert 'The Python library requests is needed' in result['msg']
    assert 'HTTPS_PROXY' in result['msg']
    assert result['failure']['code'] == 'missing_library'


# -- failures

def test_fail_with_a_puddle_error_gives_msg_and_structured_failure(make_module, capsys):
    module = make_module({'server_address': SERVER, 'api_token': TOKEN})
    error = ValidationFailedError('tags.project is required', meta={'field': 'tags.project', 'rule': 'required'})
    result = task_result(capsys, lambda: module.fail(error, system={'id': 's1', 'status': 'stopped'}))
    assert result['msg'] == 'tags.project is required'
    assert result['failure'] == {'code': 'invalid_argument', 'message': 'tags.project is required',
                                 'field': 'tags.project', 'rule': 'required', 'status': 'stopped'}
    assert result['system'] == {'id': 's1', 'status': 'stopped'}


def test_the_failure_status_falls_back_to_the_error_system_then_meta(make_module, capsys):
    module = make_module({'server_address': SERVER, 'api_token': TOKEN})
    error = PreconditionFailedError('no', meta={'status': 'stopping'}, system={'status': 'failed'})
    assert task_result(capsys, lambda: module.fail(error))['failure']['status'] == 'failed'
    module = make_module({'server_address': SERVER, 'api_token': TOKEN})
    error = PreconditionFailedError('no', meta={'status': 'stopping'})
    assert task_result(capsys, lambda: module.fail(error))['failure']['status'] == 'stopping'


def test_fail_with_a_message_and_extra_results(make_module, capsys):
    module = make_module({'server_address': SERVER, 'api_token': TOKEN})
    result = task_result(capsys, lambda: module.fail('drift found', drift=['cloud']))
    assert result['msg'] == 'drift found'
    assert result['failure'] == {'code': 'module', 'message': 'drift found', 'field': None, 'rule': None,
                                 'status': None}
    assert result['drift'] == ['cloud']


def test_run_turns_a_puddle_error_into_a_clean_failure(make_module, capsys):
    module = make_module({'server_address': SERVER, 'api_token': TOKEN})

    def action():
        raise ServerError('boom', http_status=500)
    result = task_result(capsys, lambda: module.run(action))
    assert result['failed'] is True
    assert result['failure']['code'] == 'internal'
    assert 'Traceback' not in result['msg']


def test_run_returns_what_the_action_returns(make_module):
    module = make_module({'server_address': SERVER, 'api_token': TOKEN})
    assert module.run(lambda value: value * 2, 21) == 42


def test_no_secret_or_session_token_appears_in_a_failure(make_module, capsys):
    module = make_module({'server_address': SERVER, 'api_key_id': 'demo-key-id', 'api_secret_key': SECRET})
    module.client.token = 'session-token-456'
    error = ServerError('echo {0} and session-token-456'.format(SECRET), meta={'detail': SECRET})
    result = task_result(capsys, lambda: module.fail(error, note='token session-token-456'))
    text = json.dumps(result)
    assert SECRET not in text
    assert 'session-token-456' not in text
    assert result['failure']['code'] == 'internal'


def test_exit_json_masks_the_session_token(make_module, capsys):
    module = make_module({'server_address': SERVER, 'api_token': TOKEN})
    module.client.token = 'session-token-789'
    result = task_result(capsys, lambda: module.exit_json(changed=False, debug='got session-token-789'))
    assert 'session-token-789' not in json.dumps(result)
    assert result['changed'] is False


def test_warnings_are_scrubbed(make_module, capsys):
    module = make_module({'server_address': SERVER, 'api_token': TOKEN})
    module.warn('retrying with ' + TOKEN)
    result = task_result(capsys, lambda: module.exit_json(changed=False))
    assert TOKEN not in json.dumps(result)
    assert 'retrying with' in json.dumps(result['warnings'])  # a string or, since 2.19, an event


def test_connection_options_problem_is_none_when_usable():
    assert pm.connection_options_problem({'server_address': SERVER, 'api_token': TOKEN}) is None
    assert pm.connection_options_problem({'server_address': SERVER, 'api_key_id': 'a', 'api_secret_key': 'b'}) is None


def puddle_client_params(**options):
    """Options as a module receives them: decoded from JSON (equal strings, not the same objects)."""
    return json.loads(json.dumps(dict(options, server_address=SERVER, api_client='puddle_client')))


def test_with_puddle_s_own_client_a_token_is_refused_and_no_credentials_are_left_to_its_environment():
    assert pm.connection_options_problem(puddle_client_params(api_token=TOKEN))[0] == 'api_token'
    assert pm.connection_options_problem(puddle_client_params(api_key_id='a', api_secret_key='b')) is None
    # Puddle's Python client reads its own environment variables for a key: nothing to refuse here.
    assert pm.connection_options_problem(puddle_client_params()) is None


# -- DifferenceTracker

def test_difference_tracker_reports_changes_in_order():
    tracker = pm.DifferenceTracker()
    tracker.add('state', 'stopped', 'started')
    tracker.add('disk_size_gb', 256, 256)
    tracker.add('idle_interval', 60, 120)
    assert tracker.has_difference() is True
    assert tracker.changes() == ['state', 'idle_interval']
    assert tracker.diff() == {'before': {'state': 'stopped', 'disk_size_gb': 256, 'idle_interval': 60},
                              'after': {'state': 'started', 'disk_size_gb': 256, 'idle_interval': 120}}


def test_difference_tracker_without_changes():
    tracker = pm.DifferenceTracker()
    assert tracker.has_difference() is False
    assert tracker.diff() == {'before': {}, 'after': {}}
    tracker.add('state', 'started', 'started')
    assert tracker.changes() == []


def test_an_inactive_item_is_shown_but_never_a_change():
    tracker = pm.DifferenceTracker()
    tracker.add('url', None, 'https://x/product/1/', active=False)
    assert tracker.has_difference() is False
    assert tracker.diff()['after'] == {'url': 'https://x/product/1/'}


def test_adding_a_name_again_replaces_it():
    tracker = pm.DifferenceTracker()
    tracker.add('state', 'stopped', 'started')
    tracker.add('state', 'started', 'started')
    assert tracker.changes() == []
    assert tracker.diff() == {'before': {'state': 'started'}, 'after': {'state': 'started'}}


# -- ChangeRecord: what a task's requests did

def test_change_record_counts_only_this_tasks_actions():
    from ansible_collections.puddle.cloud.plugins.module_utils.puddle_module import ChangeRecord
    record = ChangeRecord()
    assert record.as_result() == {'changed': False, 'actions': [], 'adopted': [], 'unconfirmed': []}
    assert record.note('create', {'action': 'create', 'reason': 'already_exists', 'status': 'started'}) is False
    assert record.changed is False
    assert record.note('stop', {'action': 'stop', 'reason': 'answer_lost', 'status': 'stopping'}) is True
    assert record.note('start', None) is True
    assert record.as_result() == {
        'changed': True, 'actions': ['stop', 'start'],
        'adopted': [{'action': 'create', 'reason': 'already_exists', 'status': 'started'}], 'unconfirmed': []}


def _lost(action, message='CreateSystem: no answer'):
    error = TransportError(message)
    error.may_have_been_committed = True
    error.unconfirmed_action = action
    return error


def test_an_action_that_may_have_been_carried_out_is_a_change_but_not_an_action():
    record = pm.ChangeRecord()
    record.failed_with(TransportError('refused'))  # nothing lost: nothing to record
    record.failed_with('a plain message')
    assert record.changed is False
    error = _lost('create')
    record.failed_with(error)
    assert error.unconfirmed_action is None  # moved, so it is reported once
    record.failed_with(error)
    assert record.changed is True
    assert record.as_result() == {'changed': True, 'actions': [], 'adopted': [],
                                  'unconfirmed': [{'action': 'create', 'reason': 'answer_lost'}]}


def test_a_failure_with_a_record_reports_the_action_the_request_may_have_carried_out(make_module, capsys):
    module = make_module({'server_address': SERVER, 'api_key_id': 'demo-key-id', 'api_secret_key': SECRET})
    record = pm.ChangeRecord()
    record.sent('stop')
    error = _lost('start', 'StartSystem: no answer {0}; Puddle may have carried out the start'.format(SECRET))
    # The record's values win over stale ones given as extra results.
    result = task_result(capsys, lambda: module.fail(error, record=record, changed=False, actions=[], unconfirmed=[]))
    assert result['changed'] is True
    assert result['actions'] == ['stop']
    assert result['unconfirmed'] == [{'action': 'start', 'reason': 'answer_lost'}]
    assert result['msg'] == 'StartSystem: no answer ********; Puddle may have carried out the start'
    assert SECRET not in json.dumps(result)


def test_a_failure_without_an_unconfirmed_action_reports_an_empty_list(make_module, capsys):
    module = make_module({'server_address': SERVER, 'api_token': TOKEN})
    result = task_result(capsys, lambda: module.fail(ServerError('boom'), record=pm.ChangeRecord()))
    assert (result['changed'], result['actions'], result['unconfirmed']) == (False, [], [])


# -- found by mutation testing (bench/mutation)

@pytest.mark.parametrize('args, message', [
    ({'api_token': TOKEN},
     'No Puddle server address: set the server_address option or the PUDDLE_SERVER_ADDRESS environment variable.'),
    ({'server_address': SERVER, 'api_secret_key': SECRET},
     'api_secret_key is set but api_key_id is missing: set the api_key_id option or the PUDDLE_API_KEY_ID '
     '(or PUDDLE_api_key_id) environment variable.'),
])
def test_the_connection_message_names_each_variable_once(make_module, capsys, args, message):
    module = make_module(args)
    assert task_result(capsys, lambda: module.client)['msg'] == message


def test_the_api_key_id_is_not_masked_in_results(make_module, capsys):
    # Only the secret and the token are no_log: the key id tells which credentials a task used.
    module = make_module({'server_address': SERVER, 'api_key_id': 'key-7', 'api_secret_key': SECRET})
    result = task_result(capsys, lambda: module.exit_json(changed=False, used='key-7'))
    assert result['used'] == 'key-7'


def test_a_failure_without_a_system_returns_no_system_key(make_module, capsys):
    module = make_module({'server_address': SERVER, 'api_token': TOKEN})
    assert 'system' not in task_result(capsys, lambda: module.fail('no system involved'))


def test_secrets_are_scrubbed_from_nested_results_before_ansible_masks_them():
    value = {'a': ['x ' + SECRET, ('y', {'b': SECRET})], 'n': 3, 'none': None}
    assert pm._scrub_value(value, [SECRET]) == {'a': ['x ********', ['y', {'b': '********'}]], 'n': 3, 'none': None}


def test_values_equal_but_not_identical_are_no_change():
    tracker = pm.DifferenceTracker()
    tracker.add('tags', {'project': 'p'}, {'project': 'p'})
    tracker.add(''.join(['sta', 'te']), 'stopped', 'started')  # a name built at run time
    tracker.add('state', 'started', 'started')
    assert tracker.changes() == []
    assert list(tracker.diff()['after']) == ['tags', 'state']


def test_without_null_options_drops_only_the_specs_null_options():
    from ansible_collections.puddle.cloud.plugins.module_utils.puddle_module import without_null_options
    spec = dict(name=dict(type='str'), image=dict(type='str'), wait=dict(type='bool', default=True))
    params = dict(name='x', image=None, wait=None, unknown=None, _ansible_check_mode=None)
    assert without_null_options(params, spec) == dict(name='x', unknown=None, _ansible_check_mode=None)


def test_without_null_options_drops_null_sub_options_and_keeps_a_dict_value_whole():
    from ansible_collections.puddle.cloud.plugins.module_utils.puddle_module import without_null_options
    sub = dict(name=dict(type='str'), cloud=dict(type='str', choices=['aws']), tags=dict(type='dict'))
    spec = dict(systems=dict(type='list', elements='dict', options=sub), defaults=dict(type='dict', options=sub),
                tags=dict(type='dict'))
    params = dict(systems=[dict(name='a', cloud=None, tags={'cost-center': None}, other=None)],
                  defaults=dict(cloud=None, tags=None), tags={'project': None})
    assert without_null_options(params, spec) == dict(
        systems=[dict(name='a', tags={'cost-center': None}, other=None)], defaults=dict(), tags={'project': None})


def test_without_null_options_keeps_a_list_value_without_sub_options_whole():
    from ansible_collections.puddle.cloud.plugins.module_utils.puddle_module import without_null_options
    spec = dict(selectors=dict(type='list', elements='dict'), names=dict(type='list', elements='str'))
    params = dict(selectors=[dict(tag=None), 'x'], names=['a', None])
    assert without_null_options(params, spec) == params


def test_a_failure_after_an_action_carried_out_counts_it_once():
    from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import TransportError
    record = pm.ChangeRecord()
    error = TransportError('SystemService/GetSystem: no answer')
    error.carried_out_action = 'start'  # the action was answered; the read after it failed
    record.failed_with(error)
    record.failed_with(error)  # taken from the error: reported once
    assert record.as_result() == dict(changed=True, actions=['start'], adopted=[], unconfirmed=[])


@pytest.mark.parametrize('option, value', [('retry_timeout', 'nan'), ('retry_timeout', 'inf'), ('retry_timeout', -1),
                                           ('request_timeout', 'nan'), ('request_timeout', '-inf'),
                                           ('request_timeout', 0)])
def test_a_common_timeout_out_of_its_range_fails_the_task_before_any_client(make_module, capsys, option, value):
    """nan and inf would disable the bound; the task fails as its client is built (make_client's check, the one
    every face runs; a task sends nothing before it has a client), naming the option and the rule."""
    module = make_module({'server_address': SERVER, 'api_token': TOKEN, option: value})
    result = task_result(capsys, lambda: module.client)
    assert module._client is None
    assert result['failed'] is True
    assert (result['failure']['code'], result['failure']['field'], result['failure']['rule']) == (
        'invalid_argument', option, 'range')
    assert result['msg'].startswith(option + ' must be a finite number of seconds, ')


def test_a_retry_timeout_of_zero_is_valid(make_module):
    assert make_module({'server_address': SERVER, 'api_token': TOKEN, 'retry_timeout': 0}).params['retry_timeout'] == 0
