# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.puddle.cloud.plugins.module_utils import puddle_client as pc
from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import PuddleClient
from ansible_collections.puddle.cloud.plugins.modules import puddle_server_info
from ansible_collections.puddle.cloud.tests.unit.plugins.module_utils.fake_puddle import SERVER, FakePuddle, FakeResponse
from ansible_collections.puddle.cloud.tests.unit.plugins.modules.fake_systems_client import SECRET_KEY

SECRET = 'demo-secret-key'


@pytest.fixture
def fake():
    return FakePuddle()


@pytest.fixture
def server_info(run_module, fake):
    def run(args=None, check_mode=False):
        client = PuddleClient(server_address=SERVER, api_key_id='demo-key-id', api_secret_key=SECRET, transport=fake,
                              sleep=fake.clock.sleep, monotonic=fake.clock.monotonic)
        result, output = run_module(puddle_server_info.main, client, dict(args or {}), check_mode=check_mode)
        return result, output
    return run


def test_reports_what_puddle_offers_and_changes_nothing(server_info, fake):
    result, output = server_info(dict(clouds=['aws']))
    assert result['changed'] is False
    assert 'failed' not in result
    assert fake.methods() == ['Login', 'ListTags', 'ListAvailableImages', 'ListAvailableInstanceTypes',
                              'GetCUConsumptionInfo', 'ListSystems']
    assert result['requests'] == dict(count=6, counted='HTTP requests')
    assert result['api']['answers'] is True
    assert result['auth']['method'] == 'api_key' and result['auth']['api_key_id'] == 'demo-key-id'
    assert result['auth']['user']['name'] == 'demo'
    assert [entry['cloud'] for entry in result['clouds']] == ['aws']
    assert SECRET not in output and SECRET_KEY not in output


def test_check_mode_returns_the_same(server_info, fake):
    real, _output = server_info()
    checked, _output = server_info(check_mode=True)
    for key in ('api', 'client', 'auth', 'tags', 'clouds', 'cu_pool', 'models', 'errors', 'requests'):
        if key == 'api':
            # measured: the durations (and so which read was fastest) differ from run to run
            assert dict(checked[key], round_trip_ms=None, round_trip_source=None) == dict(
                real[key], round_trip_ms=None, round_trip_source=None)
        elif key == 'auth':
            assert dict(checked[key], token_expires_at=None) == dict(real[key], token_expires_at=None)
        else:
            assert checked[key] == real[key], key
    assert checked['changed'] is False


def test_a_server_that_is_not_puddles_api_fails_with_the_report(server_info, fake, monkeypatch):
    monkeypatch.setattr(pc, 'python_client_installed', lambda: False)
    fake.post = lambda url, body, headers, timeout: FakeResponse(302, None, {'Location': 'https://sso.test/login'})
    result, _output = server_info()
    assert result['failed'] is True
    assert result['changed'] is False
    assert result['failure']['code'] == 'not_puddle_api'
    assert result['msg'].startswith("AuthService/Login: the server at {0} does not answer Puddle's API: POST "
                                    '{0}/twirp/puddle.v2.AuthService/Login answered HTTP 302, a redirect to '
                                    'https://sso.test/login'.format(SERVER))
    assert result['api']['answers'] is False
    assert result['requests']['count'] == 1


def test_a_bad_cloud_is_refused_before_any_request(server_info, fake):
    result, _output = server_info(dict(clouds=['mars']))
    assert result['failed'] is True
    assert 'clouds' in result['msg'] and 'mars' in result['msg']
    assert fake.methods() == []
