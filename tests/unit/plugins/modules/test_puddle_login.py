# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""puddle.cloud.puddle_login: the module with the real client on an in-memory Puddle (its action plugin: tests/unit/plugins/action)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.puddle.cloud.plugins.module_utils import client_factory
from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import PuddleClient
from ansible_collections.puddle.cloud.plugins.modules import puddle_login
from ansible_collections.puddle.cloud.tests.unit.plugins.module_utils.fake_puddle import SERVER, FakePuddle

SECRET = 'demo-secret-key'
KEYS = dict(server_address=SERVER, api_key_id='demo-key-id', api_secret_key=SECRET)


@pytest.fixture
def fake(monkeypatch):
    fake = FakePuddle()
    monkeypatch.setitem(client_factory.CLIENT_CLASSES, 'builtin', lambda **options: PuddleClient(
        transport=fake, sleep=fake.clock.sleep, monotonic=fake.clock.monotonic, **options))
    return fake


def run_module(args, capsys, check_mode=False):
    args = dict(args, _ansible_check_mode=check_mode, _ansible_no_log=True)
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            puddle_login.main()
    output = capsys.readouterr().out
    return json.loads(output), output


def test_one_login_returns_the_token_its_expiry_and_the_user(fake, capsys):
    result, output = run_module(KEYS, capsys)
    assert fake.methods() == ['Login']
    assert result['changed'] is False
    # The token the server issued, unmasked: returning it is the module's purpose.
    assert result['api_token'] == 'token-1-s3cr3t' and 'token-1-s3cr3t' in fake.tokens
    assert result['expires_at'] == '2026-11-25T13:00:00Z'
    assert result['user'] == {'id': 'u-demo', 'name': 'demo', 'email': 'demo@example.com', 'unknown_attributes': []}
    assert SECRET not in output


def test_logs_in_in_check_mode_too(fake, capsys):
    result, dummy = run_module(KEYS, capsys, check_mode=True)
    assert fake.methods() == ['Login']
    assert result['api_token'] == 'token-1-s3cr3t'


def test_a_given_api_token_is_not_reused_a_new_login_is_made(fake, capsys):
    result, output = run_module(dict(KEYS, api_token='old-token'), capsys)
    assert fake.methods() == ['Login']
    assert result['api_token'] == 'token-1-s3cr3t'
    assert 'old-token' not in output


def test_a_token_alone_cannot_log_in_and_nothing_is_sent(fake, capsys):
    result, output = run_module(dict(server_address=SERVER, api_token='a-token'), capsys)
    assert result['failed'] is True
    assert result['failure']['field'] == 'api_key_id'
    assert 'api_key_id and api_secret_key' in result['msg']
    assert fake.requests == []
    assert 'a-token' not in output


def test_a_wrong_secret_fails_without_showing_it(fake, capsys):
    result, output = run_module(dict(KEYS, api_secret_key='wrong-secret-value'), capsys)
    assert result['failed'] is True
    assert result['failure']['code'] == 'unauthenticated'
    assert 'api_secret_key' in result['msg']
    assert 'wrong-secret-value' not in output
    assert 'api_token' not in result
