# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.puddle.cloud.plugins.module_utils import client_factory
from ansible_collections.puddle.cloud.plugins.module_utils import config_toml
from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import PuddleClient
from ansible_collections.puddle.cloud.plugins.modules import puddle_config_toml
from ansible_collections.puddle.cloud.tests.unit.plugins.module_utils.fake_puddle import SERVER
from ansible_collections.puddle.cloud.tests.unit.plugins.modules.config_puddle import ConfigPuddle, strict_json_loads

CONNECTION = dict(server_address=SERVER, api_key_id='demo-key-id', api_secret_key='demo-secret-key')
MUTATING = ('UpdateConfigToml', 'RestartSystem', 'StartSystem', 'StopSystem')
READS_WHEN_EQUAL = ['Login', 'FindSystemByName', 'GetConfigToml']

CONFIG = '{"max_runtime_minutes": 120}\n'
COMMENTED = '# tuned by the team\n{"max_runtime_minutes": 120}\n'
OTHER = '{"max_runtime_minutes": 60}\n'


@pytest.fixture
def fake(monkeypatch):
    fake = ConfigPuddle()
    monkeypatch.setattr(config_toml, 'DEFAULT_TOML_LOADS', strict_json_loads)
    monkeypatch.setitem(client_factory.CLIENT_CLASSES, 'builtin', lambda **options: PuddleClient(
        transport=fake, sleep=fake.clock.sleep, monotonic=fake.clock.monotonic, **options))
    return fake


def run_module(args, capsys, check_mode=False, diff=False):
    args = dict(dict(CONNECTION, poll_interval=1), **args)
    if check_mode:
        args['_ansible_check_mode'] = True
    if diff:
        args['_ansible_diff'] = True
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            puddle_config_toml.main()
    return json.loads(capsys.readouterr().out)


def mutations(fake):
    return [method for method in fake.methods() if method in MUTATING]


def test_equal_content_sends_only_the_three_reads(fake, capsys):
    fake.add_system('dai-1', config_toml=CONFIG, applied_config_toml=CONFIG, config_toml_status='applied')
    result = run_module(dict(system='dai-1', content=CONFIG, restart=True), capsys)
    assert result['changed'] is False
    assert fake.methods() == READS_WHEN_EQUAL
    assert result['config_toml'] == dict(status='applied', changed=False, restarted=False, started=False,
                                         checksum=hashlib.sha256(CONFIG.encode('utf-8')).hexdigest(),
                                         size=len(CONFIG), comparison='parsed', unknown_attributes=[])
    assert result['system']['name'] == 'dai-1'


def test_comment_only_change_is_not_a_change(fake, capsys):
    fake.add_system('dai-1', config_toml=CONFIG, applied_config_toml=CONFIG, config_toml_status='applied')
    result = run_module(dict(system='dai-1', content=COMMENTED, restart=True), capsys)
    assert result['changed'] is False
    assert mutations(fake) == []


def test_check_mode_reports_the_change_and_diff_without_sending_it(fake, capsys):
    fake.add_system('dai-1', config_toml=OTHER, applied_config_toml=OTHER, config_toml_status='applied')
    result = run_module(dict(system='dai-1', content=CONFIG, restart=True), capsys, check_mode=True, diff=True)
    assert result['changed'] is True
    assert result['config_toml']['changed'] is True and result['config_toml']['restarted'] is True
    assert result['config_toml']['status'] == 'applied'
    assert result['diff'] == {'before': OTHER, 'after': CONFIG, 'before_header': 'dai-1/config.toml (current)',
                              'after_header': 'dai-1/config.toml (declared)'}
    assert fake.methods() == READS_WHEN_EQUAL


def test_upload_without_restart_waits_until_uploaded(fake, capsys):
    system = fake.add_system('dai-1')
    result = run_module(dict(system='dai-1', content=CONFIG), capsys)
    assert result['changed'] is True
    assert mutations(fake) == ['UpdateConfigToml']
    assert fake.calls('UpdateConfigToml') == [{'id': system['id'], 'config_toml': CONFIG}]
    assert result['config_toml']['status'] == 'uploaded'
    assert result['config_toml']['restarted'] is False
    assert system['config_toml'] == CONFIG and system.get('applied_config_toml', '') == ''


def test_upload_without_wait_returns_while_uploading(fake, capsys):
    fake.add_system('dai-1')
    result = run_module(dict(system='dai-1', content=CONFIG, wait=False), capsys)
    assert result['config_toml']['status'] == 'uploading'
    assert fake.methods()[-1] == 'UpdateConfigToml'


def test_restart_applies_the_new_content(fake, capsys):
    system = fake.add_system('dai-1', config_toml=OTHER, applied_config_toml=OTHER, config_toml_status='applied')
    result = run_module(dict(system='dai-1', content=CONFIG, restart=True), capsys)
    assert mutations(fake) == ['UpdateConfigToml', 'RestartSystem']
    assert system['applied_config_toml'] == CONFIG
    assert result['config_toml']['status'] == 'applied'
    assert result['config_toml']['restarted'] is True
    assert result['system']['status'] == 'started'


def test_uploaded_but_not_applied_gets_the_restart_it_needs(fake, capsys):
    system = fake.add_system('dai-1', config_toml=CONFIG, applied_config_toml=OTHER, config_toml_status='uploaded')
    without_restart = run_module(dict(system='dai-1', content=CONFIG), capsys)
    assert without_restart['changed'] is False
    result = run_module(dict(system='dai-1', content=CONFIG, restart=True), capsys, diff=True)
    assert result['changed'] is True
    assert mutations(fake) == ['RestartSystem']
    assert system['applied_config_toml'] == CONFIG
    assert result['diff']['before_header'] == 'dai-1/config.toml (applied)'
    assert result['diff']['before'] == OTHER


def test_force_uploads_equal_content(fake, capsys):
    fake.add_system('dai-1', config_toml=CONFIG, applied_config_toml=CONFIG, config_toml_status='applied')
    result = run_module(dict(system='dai-1', content=COMMENTED, force=True), capsys)
    assert result['changed'] is True
    assert mutations(fake) == ['UpdateConfigToml']


def test_stopped_system_fails_with_a_clear_message(fake, capsys):
    fake.add_system('dai-1', status='stopped')
    result = run_module(dict(system='dai-1', content=CONFIG), capsys)
    assert result['failed'] is True
    assert 'dai-1 is stopped' in result['msg'] and 'start_if_stopped=true' in result['msg']
    assert result['failure']['code'] == 'failed_precondition'
    assert result['system']['status'] == 'stopped'
    assert mutations(fake) == []


def test_stopped_system_with_equal_content_is_fine(fake, capsys):
    fake.add_system('dai-1', status='stopped', config_toml=CONFIG, config_toml_status='uploaded')
    result = run_module(dict(system='dai-1', content=CONFIG), capsys)
    assert result['changed'] is False


def test_start_if_stopped_starts_then_uploads(fake, capsys):
    system = fake.add_system('dai-1', status='stopped')
    result = run_module(dict(system='dai-1', content=CONFIG, start_if_stopped=True, restart=True), capsys)
    assert mutations(fake) == ['StartSystem', 'UpdateConfigToml', 'RestartSystem']
    assert result['config_toml']['started'] is True
    assert system['applied_config_toml'] == CONFIG and system['status'] == 'started'


def test_a_restart_in_progress_is_awaited_then_the_config_looked_at_again(fake, capsys):
    system = fake.add_system('dai-1', status='restarting', config_toml=CONFIG, applied_config_toml=OTHER,
                             config_toml_status='uploaded')
    fake.schedule(system['id'], fake.clock.now + 3, 'started')
    result = run_module(dict(system='dai-1', content=CONFIG, restart=True), capsys)
    # That restart applied the config: nothing left to do.
    assert result['changed'] is False
    assert mutations(fake) == []
    assert fake.methods().count('GetConfigToml') == 2
    assert result['config_toml']['status'] == 'applied'


def test_a_starting_system_is_awaited_before_the_upload(fake, capsys):
    system = fake.add_system('dai-1', status='starting')
    fake.schedule(system['id'], fake.clock.now + 3, 'started')
    result = run_module(dict(system='dai-1', content=CONFIG), capsys)
    assert result['changed'] is True
    assert mutations(fake) == ['UpdateConfigToml']
    assert result['config_toml']['status'] == 'uploaded'


def test_a_stopping_system_is_awaited_then_started_when_allowed(fake, capsys):
    system = fake.add_system('dai-1', status='stopping')
    fake.schedule(system['id'], fake.clock.now + 3, 'stopped')
    result = run_module(dict(system='dai-1', content=CONFIG, start_if_stopped=True), capsys)
    assert mutations(fake) == ['StartSystem', 'UpdateConfigToml']
    assert result['config_toml']['started'] is True


def test_a_stopping_system_fails_without_start_if_stopped(fake, capsys):
    system = fake.add_system('dai-1', status='stopping')
    fake.schedule(system['id'], fake.clock.now + 3, 'stopped')
    result = run_module(dict(system='dai-1', content=CONFIG), capsys)
    assert result['failed'] is True
    assert 'is stopped' in result['msg']
    assert mutations(fake) == []


def test_start_if_stopped_in_check_mode_sends_nothing(fake, capsys):
    fake.add_system('dai-1', status='stopped')
    result = run_module(dict(system='dai-1', content=CONFIG, start_if_stopped=True), capsys, check_mode=True)
    assert result['changed'] is True and result['config_toml']['started'] is True
    assert mutations(fake) == []


def test_failed_upload_fails_with_the_status_and_the_system(fake, capsys):
    fake.upload_outcome = 'failed'
    fake.add_system('dai-1')
    result = run_module(dict(system='dai-1', content=CONFIG, restart=True), capsys)
    assert result['failed'] is True
    assert result['changed'] is True
    assert result['config_toml_status'] == 'failed'
    assert result['config_toml']['status'] == 'failed'
    assert result['failure']['code'] == 'config_toml_failed'
    assert result['system']['name'] == 'dai-1' and result['system']['config_toml_status'] == 'failed'
    assert 'RestartSystem' not in fake.methods()


def test_after_a_failed_upload_the_next_run_uploads_again(fake, capsys):
    fake.add_system('dai-1', config_toml=CONFIG, applied_config_toml='', config_toml_status='failed')
    result = run_module(dict(system='dai-1', content=CONFIG), capsys)
    assert result['changed'] is True
    assert mutations(fake) == ['UpdateConfigToml']


def test_invalid_toml_fails_before_any_request(fake, capsys):
    fake.add_system('dai-1')
    result = run_module(dict(system='dai-1', content='{"broken": '), capsys)
    assert result['failed'] is True
    assert result['failure']['field'] == 'content' and result['failure']['rule'] == 'toml_syntax'
    assert 'content is not valid TOML' in result['msg']
    assert fake.requests == []


def test_oversize_content_fails_before_any_request(fake, capsys, monkeypatch):
    monkeypatch.setattr(config_toml, 'DEFAULT_TOML_LOADS', None)
    fake.add_system('dai-1')
    result = run_module(dict(system='dai-1', content='x' * (config_toml.MAX_CONFIG_TOML_BYTES + 1)), capsys)
    assert result['failed'] is True
    assert (result['failure']['field'], result['failure']['rule']) == ('content', 'max_size')
    assert fake.requests == []


def test_text_comparison_without_a_parser(fake, capsys, monkeypatch):
    monkeypatch.setattr(config_toml, 'DEFAULT_TOML_LOADS', None)
    fake.add_system('dai-1', config_toml=CONFIG, applied_config_toml=CONFIG, config_toml_status='applied')
    same = run_module(dict(system='dai-1', content=CONFIG.replace('\n', '  \r\n')), capsys)
    assert same['changed'] is False and same['config_toml']['comparison'] == 'text'
    changed = run_module(dict(system='dai-1', content=COMMENTED), capsys)
    assert changed['changed'] is True


def test_system_found_by_id(fake, capsys):
    system = fake.add_system('dai-1', config_toml=CONFIG, config_toml_status='uploaded')
    result = run_module(dict(system=system['id'], content=CONFIG), capsys)
    assert result['changed'] is False
    assert fake.methods() == ['Login', 'FindSystemByName', 'GetSystem', 'GetConfigToml']


def test_id_that_cannot_be_a_name_skips_the_name_lookup(fake, capsys):
    fake.systems['SYS_42'] = dict(fake.add_system('dai-1'), id='SYS_42', config_toml=CONFIG, config_toml_status='uploaded')
    result = run_module(dict(system='SYS_42', content=CONFIG), capsys)
    assert result['changed'] is False
    assert fake.methods() == ['Login', 'GetSystem', 'GetConfigToml']


def test_unknown_system_fails(fake, capsys):
    result = run_module(dict(system='nope', content=CONFIG), capsys)
    assert result['failed'] is True
    assert result['failure']['code'] == 'not_found'
    assert 'nope' in result['msg']


def test_h2o3_system_has_no_config_toml(fake, capsys):
    fake.add_system('h2o', product='h2o3')
    result = run_module(dict(system='h2o', content=CONFIG), capsys)
    assert result['failed'] is True
    assert 'only Driverless AI' in result['msg']
    assert 'GetConfigToml' not in fake.methods()


def test_src_reaching_the_module_means_the_action_plugin_was_bypassed(fake, capsys):
    result = run_module(dict(system='dai-1', src='/tmp/config.toml'), capsys)
    assert result['failed'] is True
    assert result['failure']['field'] == 'src'
    assert fake.requests == []


def test_content_and_src_are_mutually_exclusive(fake, capsys):
    result = run_module(dict(system='dai-1', src='/tmp/config.toml', content=CONFIG), capsys)
    assert result['failed'] is True
    assert 'mutually exclusive' in result['msg']


# -- a result tells what this task did, on success and on failure

def test_actions_list_the_requests_sent(fake, capsys):
    fake.add_system('dai-1', config_toml=OTHER, applied_config_toml=OTHER, config_toml_status='applied')
    predicted = run_module(dict(system='dai-1', content=CONFIG, restart=True), capsys, check_mode=True)
    result = run_module(dict(system='dai-1', content=CONFIG, restart=True), capsys)
    assert predicted['actions'] == result['actions'] == ['upload', 'restart']
    assert predicted['adopted'] == result['adopted'] == []
    again = run_module(dict(system='dai-1', content=CONFIG, restart=True), capsys)
    assert (again['changed'], again['actions']) == (False, [])


def test_a_timeout_after_upload_and_restart_says_what_was_changed(fake, capsys):
    fake.add_system('dai-1', config_toml=OTHER, applied_config_toml=OTHER, config_toml_status='applied')
    result = run_module(dict(system='dai-1', content=CONFIG, restart=True, wait_timeout=8), capsys, diff=True)
    assert result['failed'] is True
    assert result['failure']['code'] == 'timeout'
    assert result['changed'] is True
    assert result['actions'] == ['upload', 'restart']
    assert result['system']['status'] == 'restarting'
    assert result['config_toml']['changed'] is True and result['config_toml']['restarted'] is True
    assert result['diff']['after'] == CONFIG
    # The declared wait_timeout and the system's name, not what was left of it nor the id.
    assert result['msg'] == ('Timed out after 8 s (wait_timeout) waiting for system dai-1 to be started; '
                             'its last status was restarting')


def test_an_upload_that_outlasts_wait_timeout_names_the_timeout_and_the_system(fake, capsys):
    fake.upload_outcome = 'uploading'  # the upload never ends
    fake.add_system('dai-1', config_toml=OTHER, applied_config_toml=OTHER, config_toml_status='applied')
    result = run_module(dict(system='dai-1', content=CONFIG, wait_timeout=3), capsys)
    assert result['failure']['code'] == 'timeout'
    assert result['msg'] == ('Timed out after 3 s (wait_timeout) waiting for the config.toml of system dai-1 to be '
                             'uploaded; its config_toml_status was uploading')
    assert result['actions'] == ['upload']


def test_a_failure_before_any_request_says_nothing_changed(fake, capsys):
    fake.add_system('dai-1', status='stopped', config_toml=OTHER, applied_config_toml=OTHER, config_toml_status='applied')
    result = run_module(dict(system='dai-1', content=CONFIG), capsys)
    assert (result['failed'], result['changed'], result['actions']) == (True, False, [])


def test_a_restart_someone_else_started_is_adopted_not_claimed(fake, capsys, monkeypatch):
    system = fake.add_system('dai-1', config_toml=OTHER, applied_config_toml=OTHER, config_toml_status='applied')
    ours = fake._rpc_RestartSystem

    def someone_restarts_first(body, user):
        monkeypatch.setattr(fake, '_rpc_RestartSystem', ours)
        system['status'] = 'restarting'
        fake.schedule(system['id'], fake.clock.now + 20, 'started')
        return ours(body, user)  # refused: already restarting
    monkeypatch.setattr(fake, '_rpc_RestartSystem', someone_restarts_first)
    result = run_module(dict(system='dai-1', content=CONFIG, restart=True), capsys)
    assert result['actions'] == ['upload']
    assert result['adopted'] == [{'action': 'restart', 'reason': 'already_done', 'status': 'restarting'}]
    assert result['config_toml']['restarted'] is False
    assert result['config_toml']['status'] == 'applied'
    assert system['applied_config_toml'] == CONFIG


def test_an_upload_whose_answer_was_lost_is_found_by_its_read_back_and_reported_once(fake, capsys):
    # Issue 21 (seed 2822334179): each retry of a lost upload used to be committed again, one reported.
    fake.add_system('dai-1', config_toml=OTHER, applied_config_toml=OTHER, config_toml_status='applied')
    fake.fail_next('UpdateConfigToml', 'drop_after_commit')
    fake.fail_next('UpdateConfigToml', 'refused', times=50)
    result = run_module(dict(system='dai-1', content=CONFIG, restart=True), capsys)
    assert result.get('failed') is None, result
    assert (result['changed'], result['actions'], result['adopted'], result['unconfirmed']) == (
        True, ['upload', 'restart'], [], [])
    assert mutations(fake) == ['UpdateConfigToml', 'RestartSystem']
    assert fake.systems[result['system']['id']]['applied_config_toml'] == CONFIG


def test_an_upload_whose_answer_was_lost_then_refused_may_have_changed_the_config(fake, capsys):
    system = fake.add_system('dai-1', config_toml=OTHER, applied_config_toml=OTHER, config_toml_status='applied')
    fake.fail_next('UpdateConfigToml', 'drop')  # no answer, and Puddle never saw it: the read-back differs
    fake.fail_next('UpdateConfigToml', 'refused', times=50)
    result = run_module(dict(system='dai-1', content=CONFIG, restart=True), capsys)
    assert result['failed'] is True
    assert result['changed'] is True
    assert result['actions'] == []
    assert result['unconfirmed'] == [{'action': 'upload', 'reason': 'answer_lost'}]
    assert result['msg'].endswith('an answer to this request was lost, so Puddle may have carried out the upload: '
                                  'run the task again to converge')
    # Read back after each failure (it still differs, so sending again is safe), then looked at again.
    assert system['config_toml'] == OTHER
    assert result['system']['config_toml_status'] == 'applied'
    assert fake.methods()[-1] == 'GetSystem'
    assert 'demo-secret-key' not in json.dumps(result)


def test_a_restart_whose_answer_was_lost_follows_the_confirmed_upload(fake, capsys):
    fake.add_system('dai-1', config_toml=OTHER, applied_config_toml=OTHER, config_toml_status='applied')
    fake.fail_next('RestartSystem', 'drop')  # lost before Puddle saw it, which the client cannot know
    fake.fail_next('RestartSystem', 'refused', times=50)
    result = run_module(dict(system='dai-1', content=CONFIG, restart=True), capsys)
    assert (result['failed'], result['changed'], result['actions']) == (True, True, ['upload'])
    assert result['unconfirmed'] == [{'action': 'restart', 'reason': 'answer_lost'}]
    assert result['config_toml']['restarted'] is False


def test_a_failure_on_the_connection_options_still_returns_what_is_always_returned(fake, capsys):
    with patch_module_args(dict(CONNECTION, server_address='', system='dai-1', content=CONFIG)):
        with pytest.raises(SystemExit):
            puddle_config_toml.main()
    result = json.loads(capsys.readouterr().out)
    assert result['failed'] is True
    assert result['failure']['field'] == 'server_address'
    assert (result['changed'], result['actions'], result['adopted'], result['unconfirmed']) == (False, [], [], [])
    assert fake.methods() == []


# -- Retry bounds: every option that is a number of seconds is a finite number in its range, before any request

@pytest.mark.parametrize('option, value, rule', [
    ('wait_timeout', -1, '0 or more'),
    ('poll_interval', 0, 'more than 0'),
    ('poll_interval', float('nan'), 'more than 0'),
    ('poll_interval', float('inf'), 'more than 0'),
    ('retry_timeout', float('nan'), '0 or more'),
    ('retry_timeout', float('inf'), '0 or more'),
    ('retry_timeout', -5, '0 or more'),
    ('request_timeout', float('nan'), 'more than 0'),
    ('request_timeout', 0, 'more than 0'),
])
def test_a_seconds_option_out_of_its_range_fails_before_any_request(fake, capsys, option, value, rule):
    fake.add_system('dai-1', config_toml=OTHER, applied_config_toml=OTHER, config_toml_status='applied')
    result = run_module({'system': 'dai-1', 'content': CONFIG, option: value}, capsys)
    assert result['failed'] is True
    assert (result['failure']['field'], result['failure']['rule']) == (option, 'range')
    assert result['msg'].startswith('%s must be a finite number of seconds, %s, got ' % (option, rule))
    assert fake.methods() == []


# -- Unknown attributes: a config_toml_status the client does not report is unknown, never 'none'

class WithoutConfigStatus(PuddleClient):
    """A client whose config answers lack config_toml_status (as Puddle's own client may): it is unknown."""

    waiting = False

    def get_config_toml(self, system_id):
        answer = dict(super(WithoutConfigStatus, self).get_config_toml(system_id))
        if not self.waiting:  # the wait itself polls the real answer; what it returns lacks the status
            answer.pop('config_toml_status')
        return answer

    def wait_for_config_toml_uploaded(self, system_id, **kwargs):
        self.waiting = True
        try:
            answer = dict(super(WithoutConfigStatus, self).wait_for_config_toml_uploaded(system_id, **kwargs))
        finally:
            self.waiting = False
        answer.pop('config_toml_status')
        return answer


@pytest.fixture
def without_status(fake, monkeypatch):
    monkeypatch.setitem(client_factory.CLIENT_CLASSES, 'builtin', lambda **options: WithoutConfigStatus(
        transport=fake, sleep=fake.clock.sleep, monotonic=fake.clock.monotonic, **options))
    return fake


@pytest.mark.parametrize('check_mode', [True, False])
def test_an_unknown_config_toml_status_is_not_returned_as_none_nor_a_reason_to_act(without_status, capsys, check_mode):
    without_status.add_system('dai-1', config_toml=CONFIG, applied_config_toml=CONFIG, config_toml_status='applied')
    result = run_module(dict(system='dai-1', content=CONFIG, restart=True), capsys, check_mode=check_mode)
    assert 'failed' not in result, result
    assert (result['changed'], result['actions']) == (False, [])
    assert 'status' not in result['config_toml']
    assert result['config_toml']['unknown_attributes'] == ['status']
    assert mutations(without_status) == []


def test_an_upload_whose_status_is_then_unknown_reports_it_unknown(without_status, capsys):
    without_status.add_system('dai-1', config_toml=OTHER, applied_config_toml=OTHER, config_toml_status='applied')
    result = run_module(dict(system='dai-1', content=CONFIG), capsys)
    assert 'failed' not in result, result
    assert result['actions'] == ['upload']
    assert 'status' not in result['config_toml']
    assert result['config_toml']['unknown_attributes'] == ['status']
