# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action plugin of puddle.cloud.puddle_login: the module only runs in a task with no_log."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from unittest.mock import MagicMock

from ansible.parsing.dataloader import DataLoader

from ansible_collections.puddle.cloud.plugins.action import puddle_login as action_plugin

KEYS = dict(server_address='https://puddle.test', api_key_id='demo-key-id', api_secret_key='demo-secret-key')


def make_action(no_log):
    task = MagicMock(args=dict(KEYS), async_val=0, check_mode=False, no_log=no_log, action='puddle.cloud.puddle_login')
    connection = MagicMock()
    connection._shell.tmpdir = '/tmp/not-used'
    action = action_plugin.ActionModule(task, connection, MagicMock(), DataLoader(), MagicMock())
    action.module_calls = []

    def execute_module(module_name=None, module_args=None, task_vars=None):
        action.module_calls.append((module_name, module_args))
        return dict(changed=False, api_token='token-1-s3cr3t')

    action._execute_module = execute_module
    return action


def test_without_no_log_the_task_fails_and_the_module_never_runs():
    action = make_action(no_log=False)
    result = action.run(task_vars={})
    assert result['failed'] is True
    assert 'no_log: true' in result['msg']
    assert result['failure']['field'] == 'no_log'
    assert 'api_token' not in result
    assert action.module_calls == []


def test_with_no_log_the_module_runs_with_the_task_arguments():
    action = make_action(no_log=True)
    result = action.run(task_vars={})
    assert action.module_calls == [('puddle.cloud.puddle_login', KEYS)]
    assert result['api_token'] == 'token-1-s3cr3t'
    assert not result.get('failed')
