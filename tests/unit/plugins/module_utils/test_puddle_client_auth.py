# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Login, tokens, credentials, TLS options and the route table."""

import hashlib
import json
import os
import re
import ssl
import sys

import pytest

from ansible_collections.puddle.cloud.plugins.module_utils import puddle_client as pc
from ansible_collections.puddle.cloud.plugins.module_utils import puddle_http
from ansible_collections.puddle.cloud.tests.unit.plugins.module_utils.fake_puddle import SERVER

COLLECTION_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..'))


# -- login and tokens

def test_login_is_lazy_and_the_token_travels_in_the_header(client, fake):
    assert fake.requests == []
    client.list_tags()
    assert fake.methods() == ['Login', 'ListTags']
    login_headers = fake.requests[0][2]
    assert pc.TOKEN_HEADER not in login_headers
    assert fake.requests[1][2][pc.TOKEN_HEADER] == client.token
    assert client.user['name'] == 'demo'
    client.list_tags()
    assert fake.methods().count('Login') == 1


def test_urls_follow_the_route_table(client, fake):
    client.list_images('aws')
    assert [kwargs['url'] for name, body, headers, kwargs in fake.requests] == [
        SERVER + '/twirp/puddle.v2.AuthService/Login',
        SERVER + '/twirp/puddle.v2.ImageService/ListAvailableImages']


def test_an_expired_token_is_renewed_once_transparently(client, fake):
    client.login()
    fake.expire_tokens()
    assert client.list_tags()
    assert fake.methods() == ['Login', 'ListTags', 'Login', 'ListTags']


def test_an_invalid_token_is_renewed_too(client, fake):
    client.token = 'forgotten-by-the-server'
    client.list_tags()
    assert fake.methods() == ['ListTags', 'Login', 'ListTags']


def test_the_token_is_renewed_only_once_per_call(client, fake):
    client.login()
    fake.fail_next('ListTags', 'token_expired', times=5)
    with pytest.raises(pc.AuthError) as caught:
        client.list_tags()
    assert caught.value.meta['reason'] == 'token_expired'
    assert fake.methods() == ['Login', 'ListTags', 'Login', 'ListTags']


def test_a_missing_token_answer_is_not_answered_by_a_login(client, fake):
    client.login()
    fake.fail_next('ListTags', 'missing_token')
    with pytest.raises(pc.AuthError) as caught:
        client.list_tags()
    assert caught.value.meta['reason'] == 'missing_token'
    assert fake.methods() == ['Login', 'ListTags']


def test_a_given_api_token_is_used_without_login(make_client, fake):
    fake.tokens['tok-given'] = {'user': {'id': 'u-demo'}, 'expired': False}
    client = make_client(api_key_id=None, api_secret_key=None, api_token='tok-given')
    client.list_tags()
    assert fake.methods() == ['ListTags']
    assert fake.requests[0][2][pc.TOKEN_HEADER] == 'tok-given'


def test_a_relogin_reason_on_another_error_code_is_not_answered_by_a_login(client, fake):
    # Only an unauthenticated answer may ask for a new login; a 503 is retried as it is, whatever its meta says.
    client.login()
    fake.fail_next('ListTags', 'unavailable', meta={'reason': 'token_expired'})
    assert client.list_tags()
    assert fake.methods() == ['Login', 'ListTags', 'ListTags']


def test_the_identity_digest_is_pbkdf2_sha256_with_400000_rounds():
    # docs/reliability.md: PBKDF2-HMAC-SHA256 with 400,000 rounds, salted with the address and the key id.
    # The inventory cache's file names hold it: another count would orphan every cache already written.
    salt = json.dumps(['puddle.cloud identity v2', SERVER, 'demo-key-id'], separators=(',', ':'))
    secret = json.dumps(['demo-secret-key', ''], separators=(',', ':'))
    expected = hashlib.pbkdf2_hmac('sha256', secret.encode('utf-8'), salt.encode('utf-8'), 400000).hex()
    assert pc.identity_digest(SERVER, 'demo-key-id', 'demo-secret-key') == expected


def test_an_expired_api_token_without_keys_asks_to_log_in_again(make_client, fake):
    fake.tokens['tok-given'] = {'user': {'id': 'u-demo'}, 'expired': True}
    client = make_client(api_key_id=None, api_secret_key=None, api_token='tok-given')
    with pytest.raises(pc.AuthError) as caught:
        client.list_tags()
    message = caught.value.message
    assert 'log in again' in message
    assert 'token_expired' in message
    assert 'tok-given' not in message
    assert fake.methods() == ['ListTags']


def test_an_expired_api_token_with_keys_logs_in(make_client, fake):
    fake.tokens['tok-given'] = {'user': {'id': 'u-demo'}, 'expired': True}
    client = make_client(api_token='tok-given')
    client.list_tags()
    assert fake.methods() == ['ListTags', 'Login', 'ListTags']


def test_wrong_keys_fail_with_a_hint_and_no_secret(make_client, fake):
    client = make_client(api_secret_key='wrong-secret-value')
    with pytest.raises(pc.AuthError) as caught:
        client.list_tags()
    assert 'check api_key_id and api_secret_key' in caught.value.message
    assert 'wrong-secret-value' not in str(caught.value)
    assert fake.methods() == ['Login']


def test_logout_forgets_the_token(client, fake):
    client.login()
    client.logout()
    assert client.token is None
    assert fake.methods() == ['Login', 'Logout']


# -- configuration

@pytest.mark.parametrize('kwargs, field', [
    (dict(api_key_id='id-only'), 'api_secret_key'),
    (dict(api_secret_key='secret-only-value'), 'api_key_id'),
    (dict(), 'api_key_id'),
])
def test_incomplete_credentials_are_a_configuration_error(kwargs, field):
    with pytest.raises(pc.ConfigurationError) as caught:
        pc.PuddleClient(SERVER, **kwargs)
    assert caught.value.code == 'configuration'
    assert caught.value.field == field
    assert field in caught.value.message
    assert 'secret-only-value' not in caught.value.message


@pytest.mark.parametrize('address, message', [(None, 'No Puddle server address'), ('', 'No Puddle server address'),
                                              ('puddle.example.com', 'http:// or https://')])
def test_a_missing_or_bad_server_address_is_a_configuration_error(address, message):
    with pytest.raises(pc.ConfigurationError, match=message) as caught:
        pc.PuddleClient(address, api_token='t')
    assert caught.value.field == 'server_address'


def test_the_server_address_loses_its_trailing_slash():
    assert pc.PuddleClient('https://p.test/', api_token='t').url_for('login') == \
        'https://p.test/twirp/puddle.v2.AuthService/Login'


# -- TLS options and timeouts reach the transport

def test_the_request_timeout_and_headers_reach_the_transport(make_client, fake):
    client = make_client(request_timeout=12.5)
    client.list_tags()
    assert [kwargs['timeout'] for name, body, headers, kwargs in fake.requests] == [12.5, 12.5]
    assert fake.requests[0][1] == {'api_key_id': 'demo-key-id', 'api_secret_key': 'demo-secret-key'}
    assert fake.requests[1][2][pc.TOKEN_HEADER] == client.token
    assert fake.requests[1][2]['Content-Type'] == 'application/json'


@pytest.mark.parametrize('options, validate, ca', [
    (dict(), True, None),
    (dict(validate_certs=False), False, None),
    (dict(ca_path='/etc/puddle/ca.pem'), True, '/etc/puddle/ca.pem'),
    (dict(validate_certs=False, ca_path='/etc/puddle/ca.pem'), False, None),
])
def test_validate_certs_and_ca_path_reach_the_direct_transport(monkeypatch, options, validate, ca):
    for name in ('REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'HTTPS_PROXY', 'https_proxy', 'ALL_PROXY', 'all_proxy',
                 puddle_http.TRANSPORT_ENV):
        monkeypatch.delenv(name, raising=False)
    client = pc.PuddleClient(SERVER, api_token='t', **options)
    assert isinstance(client.transport, puddle_http.HttpClientTransport)
    assert client.transport.validate_certs is validate
    assert client.transport.ca_path == ca


@pytest.mark.parametrize('options, verify', [
    (dict(), True),
    (dict(validate_certs=False), False),
    (dict(ca_path='/etc/puddle/ca.pem'), '/etc/puddle/ca.pem'),
    (dict(validate_certs=False, ca_path='/etc/puddle/ca.pem'), False),
])
def test_validate_certs_and_ca_path_reach_requests_through_a_proxy(monkeypatch, options, verify):
    monkeypatch.delenv(puddle_http.TRANSPORT_ENV, raising=False)
    monkeypatch.setenv('HTTPS_PROXY', 'http://proxy.test:3128')
    client = pc.PuddleClient(SERVER, api_token='t', **options)
    assert isinstance(client.transport, puddle_http.RequestsTransport)
    assert client.transport.verify == verify


def test_validate_certs_false_wins_over_a_ca_bundle_in_the_environment(monkeypatch):
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', '/somewhere/else.pem')
    monkeypatch.delenv(puddle_http.TRANSPORT_ENV, raising=False)
    client = pc.PuddleClient(SERVER, api_token='t', validate_certs=False)
    assert client.transport.ca_path is None
    assert client.transport.tls_context().verify_mode == ssl.CERT_NONE
    assert client.transport.tls_context().check_hostname is False


def test_a_ca_bundle_in_the_environment_is_trusted_without_ca_path(monkeypatch, tmp_path):
    monkeypatch.delenv(puddle_http.TRANSPORT_ENV, raising=False)
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', '/somewhere/else.pem')
    assert pc.PuddleClient(SERVER, api_token='t').transport.ca_path == '/somewhere/else.pem'
    assert pc.PuddleClient(SERVER, api_token='t', ca_path='/mine.pem').transport.ca_path == '/mine.pem'


def test_a_wrong_transport_variable_names_the_variable_and_the_choices(monkeypatch):
    monkeypatch.setenv(puddle_http.TRANSPORT_ENV, 'curl')
    with pytest.raises(pc.ConfigurationError) as caught:
        pc.PuddleClient(SERVER, api_token='t')
    assert puddle_http.TRANSPORT_ENV in caught.value.message
    assert 'http.client, requests' in caught.value.message
    assert caught.value.field == puddle_http.TRANSPORT_ENV


def test_a_proxy_without_requests_installed_says_what_to_install(monkeypatch):
    monkeypatch.delenv(puddle_http.TRANSPORT_ENV, raising=False)
    monkeypatch.setenv('https_proxy', 'http://proxy.test:3128')
    monkeypatch.setitem(sys.modules, 'requests', None)  # import requests now raises ImportError
    with pytest.raises(pc.MissingLibraryError) as caught:
        pc.PuddleClient(SERVER, api_token='t')
    assert 'requests' in caught.value.message
    assert 'https_proxy' in caught.value.message


# -- the route table against the contract

def contract_methods():
    """'Service/Method' names of docs/api.md section 2."""
    with open(os.path.join(COLLECTION_ROOT, 'docs', 'api.md')) as handle:
        text = handle.read()
    section = text.split('## 2. Services and methods', 1)[1].split('## 3.', 1)[0]
    return set(re.findall(r'^\| `(\w+/\w+)` \|', section, re.MULTILINE))


def test_every_route_names_a_method_of_the_contract_and_covers_it():
    routes = set('{0}/{1}'.format(service.rsplit('.', 1)[-1], method) for service, method in pc.ROUTES.values())
    assert routes == contract_methods()
    assert all(service.startswith('puddle.v2.') for service, method in pc.ROUTES.values())
    assert pc.PATH_PREFIX == '/twirp'


def load_schema():
    with open(os.path.join(COLLECTION_ROOT, 'docs', 'api-schema.json')) as handle:
        return json.load(handle)


def resolve(schema, node):
    """Follow local $refs (#/$defs/Name) to the schema they name."""
    while '$ref' in node:
        node = schema['$defs'][node['$ref'].rsplit('/', 1)[-1]]
    return node


def test_every_route_is_a_method_of_the_api_schema_at_its_path():
    schema = load_schema()
    client = pc.PuddleClient('https://p.test', api_token='t')
    for route, (service, method) in pc.ROUTES.items():
        short_service = service.rsplit('.', 1)[-1]
        assert '{0}/{1}'.format(short_service, method) in schema['methods'], route
        expected_path = schema['x-path-template'].format(service=short_service, method=method)
        assert client.url_for(route) == 'https://p.test' + expected_path


def test_request_bodies_fit_the_api_schema(client, fake):
    """Every body the client sends names only fields the schema allows, and all it requires."""
    stopped = fake.add_system(name='old', status='stopped')
    started = fake.add_system(name='run', status='started')
    client.list_images('aws')
    client.list_instance_types('aws')
    client.list_tags()
    client.get_cu_consumption_info()
    client.create_system('web', 'aws', image_id='aws-dai-1.11.1', instance_type_name='m5.xlarge', tags={'a': 'b'})
    client.create_system('web2', 'aws', product='dai', version='1.11.1', instance_type_id='aws-m5.xlarge')
    client.find_system_by_name('web')
    client.list_systems()
    client.get_system(stopped['id'])
    client.start_system(stopped['id'])
    client.refresh_idle_timeout(started['id'])
    client.update_config_toml(started['id'], 'a = 1')
    client.get_config_toml(started['id'])
    client.restart_system(started['id'])
    client.stop_system(fake.add_system(name='s3', status='started')['id'])
    client.fail_system(fake.add_system(name='s4', status='provisioning')['id'])
    client.terminate_system(fake.add_system(name='s5', status='failed')['id'])
    client.logout()
    schema = load_schema()
    services = dict((method, service.rsplit('.', 1)[-1]) for service, method in pc.ROUTES.values())
    assert set(fake.methods()) == set(services)  # every route was exercised
    for method, body, headers, kwargs in fake.requests:
        request_schema = resolve(schema, schema['methods']['{0}/{1}'.format(services[method], method)]['request'])
        allowed = set(request_schema.get('properties', {}))
        assert set(body) <= allowed, method
        assert set(request_schema.get('required', [])) <= set(body), method
    tag_schema = resolve(schema, schema['$defs']['TagData'])
    assert fake.calls('CreateSystem')[0]['tags'] == [{'name': 'a', 'value': 'b'}]
    assert set(tag_schema['properties']) == {'name', 'value'}
