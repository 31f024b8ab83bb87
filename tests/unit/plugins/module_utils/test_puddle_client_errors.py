# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Error answers become typed errors; nothing secret ever reaches a message."""

import pytest

from ansible_collections.puddle.cloud.plugins.module_utils import puddle_client as pc
from ansible_collections.puddle.cloud.plugins.module_utils.puddle_http import HttpAnswer
from ansible_collections.puddle.cloud.tests.unit.plugins.module_utils.fake_puddle import (
    SERVER,
    FakeResponse,
)

CODE_CASES = [
    ('invalid_argument', 400, pc.ValidationFailedError),
    ('malformed', 400, pc.ValidationFailedError),
    ('unauthenticated', 401, pc.AuthError),
    ('permission_denied', 403, pc.AuthError),
    ('not_found', 404, pc.NotFoundError),
    ('already_exists', 409, pc.AlreadyExistsError),
    ('failed_precondition', 412, pc.PreconditionFailedError),
    ('resource_exhausted', 429, pc.RateLimitedError),
    ('unavailable', 503, pc.UnavailableError),
    ('internal', 500, pc.ServerError),
]


def answer_with(client, fake, response):
    fake.post = lambda *args, **kwargs: response
    client.token = 'given-token'
    return client.get_system('sys-1')


@pytest.mark.parametrize('code, http_status, error_class', CODE_CASES)
def test_each_error_code_maps_to_its_error_class(client, fake, code, http_status, error_class):
    response = FakeResponse(http_status, {'code': code, 'msg': 'server says ' + code,
                                          'meta': {'field': 'tags.project', 'rule': 'required'}})
    client.max_retries = 0
    with pytest.raises(error_class) as caught:
        answer_with(client, fake, response)
    error = caught.value
    assert isinstance(error, pc.PuddleError)
    assert error.code == code
    assert error.http_status == http_status
    assert error.field == 'tags.project'
    assert error.rule == 'required'
    assert 'server says ' + code in error.message
    assert 'SystemService/GetSystem' in error.message


def test_unknown_error_code_is_a_server_error_keeping_the_code():
    error = pc.error_from_answer(418, {'code': 'teapot', 'msg': 'short and stout'})
    assert error.__class__ is pc.ServerError
    assert error.code == 'teapot'
    assert error.message == 'short and stout'


@pytest.mark.parametrize('http_status, error_class, code', [
    (400, pc.ValidationFailedError, 'invalid_argument'),
    (401, pc.AuthError, 'unauthenticated'),
    (403, pc.AuthError, 'permission_denied'),
    (404, pc.NotFoundError, 'bad_route'),
    (409, pc.AlreadyExistsError, 'already_exists'),
    (412, pc.PreconditionFailedError, 'failed_precondition'),
    (413, pc.ValidationFailedError, 'invalid_argument'),
    (429, pc.RateLimitedError, 'resource_exhausted'),
    (503, pc.UnavailableError, 'unavailable'),
    (502, pc.ServerError, 'internal'),
    (500, pc.ServerError, 'internal'),
])
def test_an_answer_without_error_body_is_typed_by_its_http_status(http_status, error_class, code):
    error = pc.error_from_answer(http_status, None)
    assert error.__class__ is error_class
    assert error.code == code
    assert str(http_status) in error.message


@pytest.mark.parametrize('http_status, committed', [(500, True), (502, True), (504, True), (503, False), (429, False),
                                                    (412, False), (400, False), (499, False)])
def test_only_server_failures_other_than_unavailable_may_have_been_committed(http_status, committed):
    assert pc.error_from_answer(http_status, None).may_have_been_committed is committed


def test_meta_values_are_strings_and_to_dict_carries_the_status():
    error = pc.error_from_answer(412, {'code': 'failed_precondition', 'msg': 'no',
                                       'meta': {'status': 'stopping', 'action': 'stop', 'required_cu': 8}})
    assert error.meta['required_cu'] == '8'
    assert error.to_dict() == {
        'code': 'failed_precondition', 'message': 'no', 'field': None, 'rule': None, 'status': 'stopping',
        'meta': {'status': 'stopping', 'action': 'stop', 'required_cu': '8'}, 'http_status': 412}


def test_the_status_of_a_known_system_wins_over_meta():
    error = pc.PreconditionFailedError('no', meta={'status': 'stopping'}, system={'id': 'x', 'status': 'stopped'})
    assert error.status == 'stopped'


@pytest.mark.parametrize('value, expected', [
    ('7', 7.0), ('2.5', 2.5), ('-3', 0.0), (None, None), ('soon', None), ('nan', None),
    ('Wed, 25 Nov 2026 12:00:30 GMT', 30.0),
])
def test_retry_after_values(value, expected):
    now = 1795608000.0  # 2026-11-25T12:00:00Z
    assert pc.parse_retry_after(value, now=now) == expected


def test_transport_errors_say_what_happened_without_the_request_body(make_client, fake):
    client = make_client(max_retries=0)
    fake.fail_next('Login', 'drop')
    with pytest.raises(pc.TransportError) as caught:
        client.list_tags()
    error = caught.value
    assert error.code == 'transport'
    assert 'AuthService/Login' in error.message
    assert 'Connection aborted' in error.message
    assert 'demo-secret-key' not in error.message
    assert 'api_secret_key' not in error.message


def test_a_tls_failure_is_not_retried_and_hints_at_ca_path(client, fake):
    fake.fail_next('Login', 'ssl', times=5)
    with pytest.raises(pc.TransportError, match='ca_path') as caught:
        client.login()
    assert caught.value.retryable is False
    assert fake.methods() == ['Login']


def test_a_server_that_does_not_speak_tls_is_named_and_not_retried(client, fake):
    fake.fail_next('Login', 'not_tls', times=5)
    with pytest.raises(pc.TransportError) as caught:
        client.login()
    message = caught.value.message
    assert 'does not seem to speak TLS' in message
    assert 'check the scheme of server_address' in message
    assert SERVER in message
    assert 'ca_path' not in message and 'validate_certs' not in message
    assert caught.value.retryable is False
    assert fake.methods() == ['Login']


def test_a_host_name_that_does_not_resolve_fails_at_once_naming_the_address(client, fake):
    fake.fail_next('Login', 'unknown_host', times=5)
    with pytest.raises(pc.TransportError) as caught:
        client.login()
    message = caught.value.message
    assert 'does not resolve' in message
    assert 'server_address {0} (option server_address or PUDDLE_SERVER_ADDRESS)'.format(SERVER) in message
    assert caught.value.retryable is False
    assert fake.methods() == ['Login']


def test_a_temporary_name_resolution_failure_is_retried(client, fake):
    fake.fail_next('Login', 'dns_again', times=2)
    client.login()
    assert fake.methods() == ['Login', 'Login', 'Login']


def test_a_refused_connection_is_retried_and_the_message_names_the_address(make_client, fake):
    client = make_client(max_retries=2)
    fake.fail_next('Login', 'refused', times=5)
    with pytest.raises(pc.TransportError) as caught:
        client.login()
    message = caught.value.message
    assert 'Connection refused' in message
    assert 'at server_address {0} (option server_address or PUDDLE_SERVER_ADDRESS)'.format(SERVER) in message
    assert 'gave up after 3 attempts' in message
    assert fake.methods() == ['Login'] * 3


def test_the_address_in_a_message_never_shows_a_password(make_client, fake):
    client = make_client(server_address='https://someone:hunter2@puddle.test')
    fake.fail_next('Login', 'unknown_host')
    with pytest.raises(pc.TransportError) as caught:
        client.login()
    assert 'hunter2' not in caught.value.message
    assert 'server_address https://puddle.test ' in caught.value.message


def test_a_secret_echoed_by_the_server_is_scrubbed_everywhere(client, fake):
    fake.fail_next('Login', 'internal', msg='cannot check demo-secret-key', meta={'detail': 'key demo-secret-key'})
    with pytest.raises(pc.ServerError) as caught:
        client.login()
    error = caught.value
    for text in (error.message, str(error), repr(error), repr(error.to_dict())):
        assert 'demo-secret-key' not in text
    assert pc.REDACTED in error.message


def test_the_session_token_is_scrubbed_from_messages(client, fake):
    client.login()
    token = client.token
    fake.fail_next('ListTags', 'internal', msg='bad token ' + token)
    with pytest.raises(pc.ServerError) as caught:
        client.list_tags()
    assert token not in str(caught.value)


def test_client_repr_shows_no_secret(client):
    client.login()
    text = repr(client)
    assert 'demo-secret-key' not in text
    assert client.token not in text
    assert SERVER in text


def test_scrub_secrets_ignores_empty_secrets_and_non_strings():
    assert pc.scrub_secrets('a b c', ['', None, 'b']) == 'a ******** c'
    assert pc.scrub_secrets(5, ['5']) == 5


def test_client_repr_names_the_user_once_logged_in_and_none_before(client):
    assert repr(client) == "PuddleClient(server_address='https://puddle.test', user=None)"
    client.login()
    assert repr(client) == "PuddleClient(server_address='https://puddle.test', user='demo')"


@pytest.mark.parametrize('address, shown', [
    ('https://someone:pa@hunter2@puddle.test', 'https://puddle.test'),
    ('https://pa@hunter2@puddle.test:8443/x', 'https://puddle.test:8443/x'),
])
def test_an_address_whose_password_holds_an_at_sign_is_shown_without_any_of_it(address, shown):
    # The host is what follows the last '@' (as urlsplit reads it); everything before is user information.
    assert pc.shown_address(address) == shown


def test_a_transport_error_is_retryable_and_claims_nothing_unless_told():
    error = pc.TransportError('GetSystem: no answer')
    assert error.retryable is True
    assert error.may_have_been_committed is False
    assert error.code == 'transport'


def test_an_informational_answer_is_not_taken_for_a_success(client, fake):
    # http.client hands any 1xx but 100 (e.g. 103 Early Hints from a proxy) over as the answer.
    client.login()
    fake.post = lambda url, body, headers, timeout: HttpAnswer(103, {'Link': '</style.css>; rel=preload'}, b'')
    with pytest.raises(pc.ServerError) as caught:
        client.list_tags()
    assert caught.value.http_status == 103
    assert caught.value.message == 'TagService/ListTags: Puddle answered HTTP 103 without an error body'
    assert caught.value.may_have_been_committed is False
