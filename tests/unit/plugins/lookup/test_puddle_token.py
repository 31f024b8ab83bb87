# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The puddle.cloud.puddle_token lookup, loaded by Ansible's plugin loader, with the real client on an in-memory Puddle."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
from ansible.errors import AnsibleLookupError
from ansible.plugins.loader import lookup_loader

from ansible_collections.puddle.cloud.plugins.module_utils import client_factory
from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import PuddleClient
from ansible_collections.puddle.cloud.tests.unit.plugins.module_utils.fake_puddle import SERVER, FakePuddle

SECRET = 'demo-secret-key'


@pytest.fixture
def fake(monkeypatch):
    fake = FakePuddle()
    built = []

    def client(**options):
        built.append(options)
        return PuddleClient(transport=fake, sleep=fake.clock.sleep, monotonic=fake.clock.monotonic, **options)

    monkeypatch.setitem(client_factory.CLIENT_CLASSES, 'builtin', client)
    fake.built = built
    return fake


@pytest.fixture
def lookup():
    plugin = lookup_loader.get('puddle.cloud.puddle_token')
    assert plugin is not None
    return plugin


def test_options_log_in_once_and_return_the_token(fake, lookup):
    token = lookup.run([], variables={}, server_address=SERVER, api_key_id='demo-key-id', api_secret_key=SECRET)
    assert token == ['token-1-s3cr3t']
    assert fake.methods() == ['Login']
    assert fake.calls('Login') == [{'api_key_id': 'demo-key-id', 'api_secret_key': SECRET}]
    assert fake.built[0]['validate_certs'] is True
    assert fake.built[0]['request_timeout'] == 30


def test_the_environment_gives_the_server_and_the_key(fake, lookup, monkeypatch):
    monkeypatch.setenv('PUDDLE_SERVER_ADDRESS', SERVER)
    monkeypatch.setenv('PUDDLE_API_KEY_ID', 'other-key-id')
    monkeypatch.setenv('PUDDLE_API_SECRET_KEY', 'other-secret-key')
    assert lookup.run([], variables={}) == ['token-1-s3cr3t']
    assert fake.calls('Login') == [{'api_key_id': 'other-key-id', 'api_secret_key': 'other-secret-key'}]
    assert fake.built[0]['server_address'] == SERVER


def test_tls_options_reach_the_client(fake, lookup):
    lookup.run([], variables={}, server_address=SERVER, api_key_id='demo-key-id', api_secret_key=SECRET,
               validate_certs=False, ca_path='/etc/ssl/puddle.pem', request_timeout=5)
    assert (fake.built[0]['validate_certs'], fake.built[0]['ca_path'], fake.built[0]['request_timeout']) == (
        False, '/etc/ssl/puddle.pem', 5)


def test_a_wrong_secret_fails_without_showing_it(fake, lookup):
    with pytest.raises(AnsibleLookupError) as raised:
        lookup.run([], variables={}, server_address=SERVER, api_key_id='demo-key-id', api_secret_key='wrong-secret-value')
    message = str(raised.value)
    assert 'login failed (unauthenticated)' in message
    assert 'wrong-secret-value' not in message


def test_a_missing_key_fails_before_any_request(fake, lookup):
    with pytest.raises(AnsibleLookupError) as raised:
        lookup.run([], variables={}, server_address=SERVER, api_secret_key=SECRET)
    assert 'api_key_id and api_secret_key are required' in str(raised.value)
    assert SECRET not in str(raised.value)
    assert fake.requests == []


def test_a_missing_server_address_fails_naming_it(fake, lookup):
    with pytest.raises(AnsibleLookupError) as raised:
        lookup.run([], variables={}, api_key_id='demo-key-id', api_secret_key=SECRET)
    assert 'server address' in str(raised.value)
    assert fake.requests == []


def test_terms_are_refused(fake, lookup):
    with pytest.raises(AnsibleLookupError) as raised:
        lookup.run(['demo-key-id'], variables={}, server_address=SERVER, api_key_id='demo-key-id', api_secret_key=SECRET)
    assert 'takes no terms' in str(raised.value)
    assert fake.requests == []
