# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
from unittest.mock import MagicMock

import pytest
from ansible.errors import AnsibleError
from ansible.parsing.dataloader import DataLoader

from ansible_collections.puddle.cloud.plugins.action import puddle_config_toml as action_plugin
from ansible_collections.puddle.cloud.plugins.module_utils import config_toml


def strict_json_loads(text):
    """Stands in for tomllib: '#' lines are comments, the rest is one JSON object."""
    body = '\n'.join(line for line in text.splitlines() if not line.strip().startswith('#'))
    return json.loads(body) if body.strip() else {}


@pytest.fixture(autouse=True)
def json_parser(monkeypatch):
    monkeypatch.setattr(config_toml, 'DEFAULT_TOML_LOADS', strict_json_loads)


def make_action(args, files_dir):
    task = MagicMock(args=args, async_val=0, check_mode=False, action='puddle.cloud.puddle_config_toml')
    connection = MagicMock()
    connection._shell.tmpdir = '/tmp/not-used'
    action = action_plugin.ActionModule(task, connection, MagicMock(), DataLoader(), MagicMock())
    action.module_calls = []

    def find_needle(dirname, needle):
        assert dirname == 'files'
        candidate = files_dir / needle
        if not candidate.exists():
            raise AnsibleError('Could not find or access %s' % needle)
        return str(candidate)

    def execute_module(module_name=None, module_args=None, task_vars=None):
        action.module_calls.append((module_name, module_args))
        return dict(changed=False)

    action._find_needle = find_needle
    action._execute_module = execute_module
    return action


def test_src_is_read_on_the_controller_and_passed_as_content(tmp_path):
    (tmp_path / 'dai.toml').write_bytes(u'# caf\u00e9\n{"a": 1}\n'.encode('utf-8'))
    action = make_action(dict(system='s', src='dai.toml', restart=True), tmp_path)
    result = action.run(task_vars={})
    assert result == dict(changed=False)
    assert action.module_calls == [('puddle.cloud.puddle_config_toml', dict(system='s', content=u'# caf\u00e9\n{"a": 1}\n', restart=True))]


def test_src_that_is_not_found_fails_naming_src(tmp_path):
    action = make_action(dict(system='s', src='missing.toml'), tmp_path)
    result = action.run(task_vars={})
    assert result['failed'] is True
    assert result['failure']['field'] == 'src'
    assert 'missing.toml' in result['msg']
    assert action.module_calls == []


def test_oversize_src_fails_before_the_module_runs(tmp_path):
    (tmp_path / 'big.toml').write_bytes(b'x' * (config_toml.MAX_CONFIG_TOML_BYTES + 1))
    action = make_action(dict(system='s', src='big.toml'), tmp_path)
    result = action.run(task_vars={})
    assert (result['failure']['field'], result['failure']['rule']) == ('src', 'max_size')
    assert 'src is %d bytes' % (config_toml.MAX_CONFIG_TOML_BYTES + 1) in result['msg']
    assert action.module_calls == []


def test_src_that_is_not_utf8_fails(tmp_path):
    (tmp_path / 'latin1.toml').write_bytes(u'name = "caf\u00e9"\n'.encode('latin-1'))
    action = make_action(dict(system='s', src='latin1.toml'), tmp_path)
    result = action.run(task_vars={})
    assert result['failed'] is True
    assert result['failure']['field'] == 'src'
    assert 'UTF-8' in result['msg']
    assert action.module_calls == []


def test_invalid_src_fails_with_toml_syntax(tmp_path):
    (tmp_path / 'broken.toml').write_text(u'{"a": ')
    action = make_action(dict(system='s', src='broken.toml'), tmp_path)
    result = action.run(task_vars={})
    assert (result['failure']['field'], result['failure']['rule']) == ('src', 'toml_syntax')
    assert action.module_calls == []


def test_invalid_content_fails_on_the_controller(tmp_path):
    action = make_action(dict(system='s', content='{"a": '), tmp_path)
    result = action.run(task_vars={})
    assert (result['failure']['field'], result['failure']['rule']) == ('content', 'toml_syntax')
    assert action.module_calls == []


def test_valid_content_goes_to_the_module_unchanged(tmp_path):
    action = make_action(dict(system='s', content='{"a": 1}'), tmp_path)
    action.run(task_vars={})
    assert action.module_calls == [('puddle.cloud.puddle_config_toml', dict(system='s', content='{"a": 1}'))]


def test_content_and_src_together_are_left_to_the_module_to_refuse(tmp_path):
    action = make_action(dict(system='s', content='{"a": 1}', src='dai.toml'), tmp_path)
    action.run(task_vars={})
    assert action.module_calls == [('puddle.cloud.puddle_config_toml', dict(system='s', content='{"a": 1}', src='dai.toml'))]
