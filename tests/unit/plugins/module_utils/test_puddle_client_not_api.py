# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A server that answers, but not as Puddle's API: NotPuddleApiError, saying what answered, where and what to check."""

import pytest

from ansible_collections.puddle.cloud.plugins.module_utils import puddle_client as pc
from ansible_collections.puddle.cloud.tests.unit.plugins.module_utils.fake_puddle import SERVER, FakeResponse

LOGIN_URL = SERVER + '/twirp/puddle.v2.AuthService/Login'
TAGS_URL = SERVER + '/twirp/puddle.v2.TagService/ListTags'
SIGN_IN_PAGE = '<!DOCTYPE html><html><head><title>Sign in - Example SSO</title></head><body><form></form></body></html>'


@pytest.fixture
def no_python_client(monkeypatch):
    monkeypatch.setattr(pc, 'python_client_installed', lambda: False)


def answering(fake, response):
    """Every request gets response; returns the list of URLs asked."""
    urls = []

    def post(url, body, headers, timeout):
        urls.append(url)
        return response
    fake.post = post
    return urls


def refused_login(client, fake, response):
    urls = answering(fake, response)
    with pytest.raises(pc.NotPuddleApiError) as caught:
        client.login()
    return caught.value, urls


# (answer, what the message says answered, meta beyond url/http_status)
NOT_API_ANSWERS = [
    pytest.param(FakeResponse(200, None, {'Content-Type': 'text/html; charset=utf-8'}, SIGN_IN_PAGE),
                 "HTTP 200 with an HTML page titled 'Sign in - Example SSO'", {'content_type': 'text/html'},
                 id='html-200'),
    pytest.param(FakeResponse(404, None, {'Content-Type': 'text/html'}, '<html><body><h1>Not Found</h1></body></html>'),
                 'HTTP 404 with an HTML page', {'content_type': 'text/html'}, id='html-404'),
    pytest.param(FakeResponse(404, None, {'Content-Type': 'text/plain'}, '404 page not found'),
                 'HTTP 404 with a text/plain body that is not JSON', {'content_type': 'text/plain'}, id='plain-404'),
    pytest.param(FakeResponse(404, None, {}, ''), 'HTTP 404 with an empty body', {}, id='empty-404'),
    pytest.param(FakeResponse(302, None, {'Location': 'https://sso.example.com/login?next=/twirp&state=s3cr3t'}, ''),
                 'HTTP 302, a redirect to https://sso.example.com/login', {'location': 'https://sso.example.com/login'},
                 id='redirect-302'),
    pytest.param(FakeResponse(401, None, {'Content-Type': 'text/html'}, SIGN_IN_PAGE),
                 "HTTP 401 with an HTML page titled 'Sign in - Example SSO'", {'content_type': 'text/html'},
                 id='sign-in-401'),
    pytest.param(FakeResponse(404, {'detail': 'Not Found'}, {'Content-Type': 'application/json'}),
                 "HTTP 404 with JSON that is not a Twirp error (no code among Twirp's)",
                 {'content_type': 'application/json'}, id='json-not-twirp-404'),
    pytest.param(FakeResponse(401, {'code': 401, 'message': 'Unauthorized'}),
                 "HTTP 401 with JSON that is not a Twirp error (no code among Twirp's)", {}, id='json-numeric-code-401'),
    pytest.param(FakeResponse(200, {'status': 'ok'}),
                 "HTTP 200 with JSON that is not Puddle's answer to AuthService/Login (no token field)",
                 {'missing_field': 'token'}, id='json-200-without-token'),
    pytest.param(FakeResponse(404, {'code': 'bad_route', 'msg': 'no such route', 'meta': {}}),
                 'HTTP 404 bad_route (no such route): a Twirp server without this route', {'twirp_code': 'bad_route'},
                 id='twirp-bad-route'),
]


@pytest.mark.parametrize('response, what, meta', NOT_API_ANSWERS)
def test_an_answer_that_is_not_puddles_api_says_so_names_the_route_and_what_to_check(
        client, fake, no_python_client, response, what, meta):
    error, urls = refused_login(client, fake, response)
    assert error.code == 'not_puddle_api'
    assert error.http_status == response.status
    assert error.retryable is False
    assert urls == [LOGIN_URL]  # asked once: retrying would not help
    assert error.message == (
        "AuthService/Login: the server at {0} does not answer Puddle's API: POST {1} answered {2}; check server_address "
        '(option server_address or PUDDLE_SERVER_ADDRESS): it must be the base URL to which '
        '/twirp/puddle.v2.<Service>/<Method> is appended, with no path unless Puddle is served under one{3}'.format(
            SERVER, LOGIN_URL, what,
            '; a proxy or single sign-on in front of Puddle that asks for a browser login must let the API through'
            if response.status in (302, 401) else ''))
    expected_meta = dict(meta, url=LOGIN_URL, http_status=str(response.status))
    assert error.meta == expected_meta
    assert 'Puddle answered HTTP' not in error.message


def test_a_redirects_query_never_reaches_the_message(client, fake, no_python_client):
    error, _urls = refused_login(client, fake, FakeResponse(302, None, {'Location': 'https://sso.test/in?token=s3cr3t'}))
    assert 's3cr3t' not in error.message
    assert 's3cr3t' not in str(error.meta)


def test_the_hint_names_api_client_puddle_client_when_puddles_own_client_is_installed(client, fake, monkeypatch):
    monkeypatch.setattr(pc, 'python_client_installed', lambda: True)
    error, _urls = refused_login(client, fake, FakeResponse(404, None, {'Content-Type': 'text/html'}, '<html></html>'))
    assert error.message.endswith(
        "; or set api_client: puddle_client: Puddle's own Python client (puddle.client) is installed here")


def test_python_client_installed_finds_an_importable_puddle_client(monkeypatch):
    import importlib.util

    found = {}
    monkeypatch.setattr(importlib.util, 'find_spec', found.get)
    assert pc.python_client_installed() is False
    found['puddle.client'] = object()
    assert pc.python_client_installed() is True

    def no_parent(name):
        raise ModuleNotFoundError("No module named 'puddle'")
    monkeypatch.setattr(importlib.util, 'find_spec', no_parent)
    assert pc.python_client_installed() is False


def test_the_address_shown_has_no_password(make_client, fake, no_python_client):
    client = make_client(server_address='https://user:hunter2@puddle.test/base')
    error, urls = refused_login(client, fake, FakeResponse(404, None, {}, 'nope'))
    assert urls == ['https://user:hunter2@puddle.test/base/twirp/puddle.v2.AuthService/Login']
    assert 'hunter2' not in error.message and 'hunter2' not in str(error.meta)
    assert 'the server at https://puddle.test/base does not answer' in error.message
    assert error.meta['url'] == 'https://puddle.test/base/twirp/puddle.v2.AuthService/Login'


def test_a_route_after_login_is_named_too(client, fake, no_python_client):
    client.login()
    urls = answering(fake, FakeResponse(404, None, {'Content-Type': 'text/html'}, '<html></html>'))
    with pytest.raises(pc.NotPuddleApiError) as caught:
        client.list_tags()
    assert urls == [TAGS_URL]
    assert caught.value.message.startswith('TagService/ListTags: the server at {0} does not answer'.format(SERVER))
    assert caught.value.meta['url'] == TAGS_URL


def test_a_wait_does_not_take_a_404_page_for_a_terminated_system(client, fake, no_python_client):
    client.token = 'given-token'
    answering(fake, FakeResponse(404, None, {'Content-Type': 'text/html'}, '<html>gone</html>'))
    with pytest.raises(pc.NotPuddleApiError):
        client.wait_for_system_terminated('sys-1', timeout=10, poll_interval=1, first_poll_delay=0)


@pytest.mark.parametrize('status, error_class', [(503, pc.UnavailableError), (429, pc.RateLimitedError),
                                                 (502, pc.ServerError), (500, pc.ServerError)])
def test_a_gateways_answer_without_a_body_keeps_its_meaning(client, fake, status, error_class):
    # A proxy in front of a Puddle that is there: retried (503, 429) or possibly committed (other 5xx) as before.
    client.token = 'given-token'
    client.max_retries = 0
    answering(fake, FakeResponse(status, None, {'Content-Type': 'text/html'}, '<html>Bad gateway</html>'))
    with pytest.raises(error_class) as caught:
        client.list_tags()
    assert caught.value.__class__ is error_class
    assert caught.value.http_status == status


@pytest.mark.parametrize('payload', [{'code': 'not_found', 'msg': 'no such system'},
                                     {'code': 'invalid_argument', 'msg': 'bad', 'meta': {'field': 'id'}}])
def test_twirp_errors_other_than_bad_route_are_puddle_speaking(client, fake, payload):
    client.token = 'given-token'
    answering(fake, FakeResponse(404 if payload['code'] == 'not_found' else 400, payload))
    with pytest.raises(pc.PuddleError) as caught:
        client.get_system('sys-1')
    assert caught.value.code == payload['code']


def test_find_system_by_name_may_answer_a_null_system(client, fake):
    client.token = 'given-token'
    answering(fake, FakeResponse(200, {'system': None}))
    assert client.find_system_by_name('nobody') is None


def test_a_consumption_answer_without_its_figures_is_puddle_with_the_figures_unknown(client, fake):
    # A CU answer lacking available_cu or consumed_cu (an encoder may leave out a zero) leaves them unknown
    # (model_attributes): the task goes on, cu_pool says it cannot predict; it is not a server other than Puddle.
    client.token = 'given-token'
    answering(fake, FakeResponse(200, {'systems_consumption_info': []}))
    info = client.get_cu_consumption_info()
    assert 'available_cu' not in info and 'consumed_cu' not in info


def test_a_consumption_answer_that_is_not_an_object_is_still_not_puddles_api(client, fake, no_python_client):
    client.token = 'given-token'
    answering(fake, FakeResponse(200, ['not', 'an', 'object']))
    with pytest.raises(pc.NotPuddleApiError):
        client.get_cu_consumption_info()
