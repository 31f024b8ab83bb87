# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Both transports against real HTTP servers on loopback: answers, kept-alive connections,
failures sorted by how far the request got, TLS verification, and the proxy."""

import http.client
import http.server
import json
import socket
import ssl
import threading
import time

import pytest
import trustme

from ansible_collections.puddle.cloud.plugins.module_utils import puddle_http
from ansible_collections.puddle.cloud.plugins.module_utils.puddle_http import (
    NO_ANSWER,
    NOT_SENT,
    NOT_TLS,
    TLS,
    UNKNOWN_HOST,
    HttpClientTransport,
    RequestsTransport,
    TransportFailure,
    choose_transport,
)

TRANSPORTS = {'http.client': HttpClientTransport, 'requests': RequestsTransport}
JSON_HEADERS = {'Content-Type': 'application/json', 'Accept': 'application/json'}


class PuddleLikeHandler(http.server.BaseHTTPRequestHandler):
    """Answers each POST as told by the server's next behaviour (default: echo as JSON)."""

    protocol_version = 'HTTP/1.1'  # kept-alive connections, as Puddle's

    def setup(self):
        super(PuddleLikeHandler, self).setup()
        self.server.connections += 1

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
        self.server.seen.append(dict(path=self.path, headers=dict(self.headers), body=body))
        behaviour = self.server.behaviours.pop(0) if self.server.behaviours else ('answer', 200, {})
        kind = behaviour[0]
        if kind == 'drop':  # the request arrived; the connection closes without an answer
            self.close_connection = True
            return
        if kind == 'slow':
            time.sleep(behaviour[1])
            behaviour = ('answer', 200, {})
        _kind, status, headers = behaviour[:3]
        payload = json.dumps({'path': self.path, 'echo': json.loads(body.decode('utf-8') or 'null')}).encode()
        self.send_response(status)
        for name, value in dict({'Content-Type': 'application/json'}, **headers).items():
            self.send_header(name, value)
        self.send_header('Content-Length', str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
        if kind == 'answer_then_close':  # a keep-alive timeout: closes without saying so
            self.wfile.flush()
            self.close_connection = True

    def log_message(self, *args):
        pass


class LoopbackServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, handler=PuddleLikeHandler, tls=None):
        super(LoopbackServer, self).__init__(('127.0.0.1', 0), handler)
        self.connections = 0
        self.seen = []
        self.behaviours = []
        self.scheme = 'http'
        if tls is not None:
            self.socket = tls.wrap_socket(self.socket, server_side=True)
            self.scheme = 'https'
        self.thread = threading.Thread(target=self.serve_forever, kwargs=dict(poll_interval=0.05), daemon=True)
        self.thread.start()

    def url(self, path='/twirp/puddle.v2.TagService/ListTags'):
        return '{0}://127.0.0.1:{1}{2}'.format(self.scheme, self.server_address[1], path)

    def handle_error(self, request, client_address):
        pass  # a client that stopped listening (the timeout tests) is expected; assertions tell the rest

    def stop(self):
        self.shutdown()
        self.server_close()


@pytest.fixture
def server():
    running = LoopbackServer()
    yield running
    running.stop()


@pytest.fixture(scope='module')
def authority():
    return trustme.CA()


def serve_tls(authority, directory, *names):
    """A loopback HTTPS server whose certificate, signed by authority, names only names."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert(*names).configure_cert(context)
    running = LoopbackServer(tls=context)
    running.ca_file = str(directory / 'ca.pem')
    authority.cert_pem.write_to_path(running.ca_file)
    return running


@pytest.fixture
def tls_server(authority, tmp_path):
    running = serve_tls(authority, tmp_path, '127.0.0.1', 'localhost')
    yield running
    running.stop()


@pytest.fixture
def misnamed_tls_server(authority, tmp_path):
    running = serve_tls(authority, tmp_path, 'puddle.test')
    yield running
    running.stop()


@pytest.fixture(params=sorted(TRANSPORTS))
def transport_class(request):
    return TRANSPORTS[request.param]


def post(transport, url, body=None, timeout=5):
    return transport.post(url, json.dumps(body or {}).encode(), dict(JSON_HEADERS), timeout)


def unused_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


# -- answers

def test_a_json_answer_comes_back_with_status_headers_and_body(server, transport_class):
    server.behaviours.append(('answer', 200, {'X-Request-Id': 'r-1'}))
    answer = post(transport_class(), server.url(), {'name': 'sys'})
    assert answer.status == 200
    assert answer.json() == {'path': '/twirp/puddle.v2.TagService/ListTags', 'echo': {'name': 'sys'}}
    assert answer.header('x-request-id') == 'r-1'
    assert answer.header('X-REQUEST-ID') == 'r-1'
    assert server.seen[0]['headers']['Content-Type'] == 'application/json'


def test_an_error_answer_keeps_its_status_and_retry_after(server, transport_class):
    server.behaviours.append(('answer', 429, {'Retry-After': '7'}))
    answer = post(transport_class(), server.url())
    assert (answer.status, answer.header('Retry-After')) == (429, '7')


def test_a_redirect_is_returned_not_followed(server, transport_class):
    # Following would turn the POST into a GET elsewhere; the client reports the status instead.
    server.behaviours.append(('answer', 307, {'Location': server.url('/elsewhere')}))
    answer = post(transport_class(), server.url())
    assert answer.status == 307
    assert len(server.seen) == 1


def test_a_body_that_is_not_json_raises_value_error(server, transport_class):
    class HtmlHandler(PuddleLikeHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get('Content-Length', 0)))
            page = b'<html>proxy error</html>'
            self.send_response(502)
            self.send_header('Content-Length', str(len(page)))
            self.end_headers()
            self.wfile.write(page)

    html = LoopbackServer(handler=HtmlHandler)
    try:
        answer = post(transport_class(), html.url())
    finally:
        html.stop()
    assert answer.status == 502
    with pytest.raises(ValueError):
        answer.json()


# -- kept-alive connections

def test_requests_share_one_kept_alive_connection(server, transport_class):
    transport = transport_class()
    for _request in range(5):
        assert post(transport, server.url()).status == 200
    assert server.connections == 1


def test_a_connection_the_server_closed_while_idle_is_replaced_without_a_failure(server, transport_class):
    transport = transport_class()
    server.behaviours.append(('answer_then_close', 200, {}))
    assert post(transport, server.url()).status == 200
    time.sleep(0.2)  # the server has closed its end by now
    assert post(transport, server.url()).status == 200
    assert server.connections == 2
    assert len(server.seen) == 2  # nothing was sent twice


def test_an_answer_marked_connection_close_closes_the_connection(server):
    transport = HttpClientTransport()
    server.behaviours.append(('answer', 200, {'Connection': 'close'}))
    assert post(transport, server.url()).status == 200
    assert transport._connections == {}
    assert post(transport, server.url()).status == 200
    assert server.connections == 2


# -- failures, sorted by how far the request got

def test_a_refused_connection_was_not_sent(transport_class):
    with pytest.raises(TransportFailure) as caught:
        post(transport_class(), 'http://127.0.0.1:{0}/twirp/x'.format(unused_port()), timeout=2)
    assert caught.value.kind == NOT_SENT
    assert 'refused' in caught.value.detail.lower()


def test_a_dropped_connection_after_the_request_is_a_lost_answer(server, transport_class):
    server.behaviours.append(('drop',))
    with pytest.raises(TransportFailure) as caught:
        post(transport_class(), server.url(), {'api_secret_key': 'never-in-messages'})
    assert caught.value.kind == NO_ANSWER
    assert len(server.seen) == 1
    assert 'never-in-messages' not in caught.value.detail


def test_an_answer_slower_than_the_timeout_is_a_lost_answer(server, transport_class):
    # Had the transport waited past its 0.3 s timeout, the answer (after 1.5 s) would have come: the
    # failure itself proves the timeout held, with no wall-clock bound that a busy machine could break.
    server.behaviours.append(('slow', 1.5))
    with pytest.raises(TransportFailure) as caught:
        post(transport_class(), server.url(), timeout=0.3)
    assert caught.value.kind == NO_ANSWER


def test_the_transport_recovers_after_a_failure(server, transport_class):
    transport = transport_class()
    server.behaviours.append(('drop',))
    with pytest.raises(TransportFailure):
        post(transport, server.url())
    assert post(transport, server.url()).status == 200


# -- TLS

def test_tls_with_the_ca_file(tls_server, transport_class):
    answer = post(transport_class(ca_path=tls_server.ca_file), tls_server.url())
    assert answer.status == 200


def test_an_untrusted_certificate_is_a_tls_failure(tls_server, transport_class):
    with pytest.raises(TransportFailure) as caught:
        post(transport_class(), tls_server.url())
    assert caught.value.kind == TLS
    assert tls_server.seen == []


def test_a_trusted_certificate_for_another_name_is_a_tls_failure(misnamed_tls_server, transport_class):
    with pytest.raises(TransportFailure) as caught:
        post(transport_class(ca_path=misnamed_tls_server.ca_file), misnamed_tls_server.url())
    assert caught.value.kind == TLS
    assert misnamed_tls_server.seen == []


@pytest.mark.parametrize('validate_certs', [True, False])
def test_https_to_a_plain_http_server_is_recognised(server, transport_class, validate_certs):
    with pytest.raises(TransportFailure) as caught:
        post(transport_class(validate_certs=validate_certs), server.url().replace('http://', 'https://', 1))
    assert caught.value.kind == TLS
    assert caught.value.reason == NOT_TLS
    assert server.seen == []


def test_an_untrusted_certificate_has_no_finer_reason(tls_server, transport_class):
    with pytest.raises(TransportFailure) as caught:
        post(transport_class(), tls_server.url())
    assert caught.value.reason is None


def fail_to_resolve(errno, text):
    def getaddrinfo(*args, **kwargs):
        raise socket.gaierror(errno, text)
    return getaddrinfo


def test_a_name_that_does_not_resolve_is_an_unknown_host(transport_class, monkeypatch):
    monkeypatch.setattr(socket, 'getaddrinfo', fail_to_resolve(socket.EAI_NONAME, 'Name or service not known'))
    with pytest.raises(TransportFailure) as caught:
        post(transport_class(), 'http://puddle.invalid:8080/twirp/x', timeout=2)
    assert caught.value.kind == NOT_SENT
    assert caught.value.reason == UNKNOWN_HOST


def test_a_temporary_resolver_failure_is_not_an_unknown_host(transport_class, monkeypatch):
    monkeypatch.setattr(socket, 'getaddrinfo', fail_to_resolve(socket.EAI_AGAIN, 'Temporary failure in name resolution'))
    with pytest.raises(TransportFailure) as caught:
        post(transport_class(), 'http://puddle.invalid:8080/twirp/x', timeout=2)
    assert caught.value.kind == NOT_SENT
    assert caught.value.reason is None


@pytest.mark.filterwarnings('ignore:Unverified HTTPS request')  # requests' warning is the expected outcome here
def test_validate_certs_false_accepts_any_certificate(tls_server, transport_class):
    assert post(transport_class(validate_certs=False), tls_server.url()).status == 200


def test_the_requests_ca_bundle_variable_is_trusted_by_http_client(tls_server):
    transport = HttpClientTransport(environ={'REQUESTS_CA_BUNDLE': tls_server.ca_file})
    assert post(transport, tls_server.url()).status == 200


# -- which transport, and the proxy

@pytest.mark.parametrize('url, environ, expected', [
    ('https://p.test', {}, 'http.client'),
    ('https://p.test', {'HTTPS_PROXY': 'http://proxy:3128'}, 'requests'),
    ('https://p.test', {'https_proxy': 'http://proxy:3128'}, 'requests'),
    ('https://p.test', {'ALL_PROXY': 'http://proxy:3128'}, 'requests'),
    ('https://p.test', {'HTTP_PROXY': 'http://proxy:3128'}, 'http.client'),  # http only
    ('http://p.test', {'http_proxy': 'http://proxy:3128'}, 'requests'),
    ('http://p.test', {'HTTPS_PROXY': 'http://proxy:3128'}, 'http.client'),
    ('https://p.test', {'HTTPS_PROXY': ''}, 'http.client'),
    ('https://p.test', {'HTTPS_PROXY': 'http://proxy:3128', 'PUDDLE_HTTP_TRANSPORT': 'http.client'}, 'http.client'),
    ('https://p.test', {'PUDDLE_HTTP_TRANSPORT': 'requests'}, 'requests'),
    # NO_PROXY covering the server: a direct connection, which http.client makes.
    ('https://p.test', {'HTTPS_PROXY': 'http://proxy:3128', 'NO_PROXY': 'p.test'}, 'http.client'),
    ('https://puddle.corp.test:8443', {'HTTPS_PROXY': 'http://proxy:3128', 'no_proxy': '.corp.test'}, 'http.client'),
    ('https://p.test', {'HTTPS_PROXY': 'http://proxy:3128', 'NO_PROXY': '*'}, 'http.client'),
    ('https://p.test', {'HTTPS_PROXY': 'http://proxy:3128', 'NO_PROXY': 'other.test,q.test'}, 'requests'),
])
def test_the_transport_follows_the_proxy_variables(url, environ, expected):
    name, why = choose_transport(url, environ)
    assert name == expected
    assert why


def test_make_transport_builds_the_chosen_one():
    proxied = puddle_http.make_transport('https://p.test', environ={'HTTPS_PROXY': 'http://proxy:3128'})
    direct = puddle_http.make_transport('https://p.test', environ={})
    assert (type(proxied), type(direct)) == (RequestsTransport, HttpClientTransport)


class ForwardProxyHandler(http.server.BaseHTTPRequestHandler):
    """A plain-HTTP forward proxy: the request line carries the absolute URL to fetch."""

    protocol_version = 'HTTP/1.1'

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
        self.server.seen.append(dict(path=self.path, headers=dict(self.headers), body=body))
        target = http.client.HTTPConnection(self.headers['Host'], timeout=5)
        headers = dict((name, value) for name, value in self.headers.items() if name.lower() != 'proxy-connection')
        target.request('POST', self.path, body=body, headers=headers)
        answer = target.getresponse()
        content = answer.read()
        target.close()
        self.send_response(answer.status)
        self.send_header('Content-Type', answer.getheader('Content-Type', 'application/json'))
        self.send_header('Content-Length', str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def log_message(self, *args):
        pass


def test_requests_go_through_the_proxy_of_the_environment(server, monkeypatch):
    proxy = LoopbackServer(handler=ForwardProxyHandler)
    monkeypatch.setenv('HTTP_PROXY', 'http://127.0.0.1:{0}'.format(proxy.server_address[1]))
    monkeypatch.delenv('NO_PROXY', raising=False)
    monkeypatch.delenv('no_proxy', raising=False)
    try:
        transport = puddle_http.make_transport(server.url())
        answer = post(transport, server.url(), {'name': 'through-proxy'})
    finally:
        proxy.stop()
    assert isinstance(transport, RequestsTransport)
    assert answer.json()['echo'] == {'name': 'through-proxy'}
    assert [seen['path'] for seen in proxy.seen] == [server.url()]
    assert len(server.seen) == 1


def test_an_unreachable_proxy_was_not_sent(server, monkeypatch):
    monkeypatch.setenv('HTTP_PROXY', 'http://127.0.0.1:{0}'.format(unused_port()))
    monkeypatch.delenv('NO_PROXY', raising=False)
    monkeypatch.delenv('no_proxy', raising=False)
    with pytest.raises(TransportFailure) as caught:
        post(puddle_http.make_transport(server.url()), server.url(), timeout=2)
    assert caught.value.kind == NOT_SENT
    assert server.seen == []


# -- found by mutation testing (bench/mutation)

def test_the_query_string_reaches_the_server(server, transport_class):
    assert post(transport_class(), server.url('/twirp/x?trace=1&b=2')).status == 200
    assert server.seen[0]['path'] == '/twirp/x?trace=1&b=2'


@pytest.mark.parametrize('url', ['ftp://127.0.0.1:1/x', 'wss://127.0.0.1:1/x', 'unix://127.0.0.1:1/x'])
def test_http_client_refuses_a_scheme_other_than_http_and_https(url):
    with pytest.raises(TransportFailure) as caught:
        post(HttpClientTransport(), url)
    assert caught.value.kind == puddle_http.OTHER
    assert caught.value.detail == 'unsupported URL scheme {0!r}'.format(url.split(':')[0])


def test_http_client_refuses_a_port_out_of_range():
    with pytest.raises(TransportFailure) as caught:
        post(HttpClientTransport(), 'http://127.0.0.1:99999/x')
    assert caught.value.kind == puddle_http.OTHER
    assert caught.value.detail.startswith('ValueError: ')


def test_a_kept_alive_connection_takes_the_timeout_of_each_request(server):
    transport = HttpClientTransport()
    assert post(transport, server.url(), timeout=5).status == 200
    server.behaviours.append(('slow', 1.5))  # within the first request's 5 s, past this one's 0.3 s
    with pytest.raises(TransportFailure) as caught:
        post(transport, server.url(), timeout=0.3)
    assert caught.value.kind == NO_ANSWER
    assert server.connections == 1


def test_close_closes_every_kept_alive_connection(server):
    transport = HttpClientTransport()
    assert post(transport, server.url()).status == 200
    connection = list(transport._connections.values())[0]
    transport.close()
    assert transport._connections == {}
    assert connection.sock is None  # closed, not only forgotten
    assert post(transport, server.url()).status == 200
    assert server.connections == 2


def test_a_socket_whose_descriptor_is_gone_counts_as_closed_by_the_peer():
    import os
    probe = socket.socket()
    os.close(probe.fileno())  # select() now fails with EBADF (an OSError)
    try:
        assert puddle_http._closed_by_peer(probe) is True
    finally:
        probe.detach()
    closed = socket.socket()
    closed.close()  # fileno() is -1: select() raises ValueError
    assert puddle_http._closed_by_peer(closed) is True
    assert puddle_http._closed_by_peer(None) is True


def test_the_check_of_a_kept_alive_socket_never_waits(monkeypatch):
    # Reusing a connection must cost no time: select() only polls (a timeout of 0 s, never a wait).
    timeouts = []
    real_select = puddle_http.select.select

    def recording_select(readers, writers, errors, timeout=None):
        timeouts.append(timeout)
        return real_select(readers, writers, errors, timeout)

    monkeypatch.setattr(puddle_http.select, 'select', recording_select)
    ours, theirs = socket.socketpair()
    with ours, theirs:
        assert puddle_http._closed_by_peer(ours) is False
    assert timeouts == [0]


def test_an_idle_socket_the_peer_keeps_open_is_not_closed():
    ours, theirs = socket.socketpair()
    with ours, theirs:
        assert puddle_http._closed_by_peer(ours) is False
        theirs.close()
        assert puddle_http._closed_by_peer(ours) is True


def test_a_transport_made_with_the_defaults_verifies_certificates(tls_server):
    transport = puddle_http.make_transport(tls_server.url(), environ={})
    with pytest.raises(TransportFailure) as caught:
        post(transport, tls_server.url())
    assert caught.value.kind == TLS


def test_requests_refusing_a_url_is_a_transport_failure_of_kind_other():
    with pytest.raises(TransportFailure) as caught:
        post(RequestsTransport(), 'http://exa mple.test:8080/\x00')
    assert caught.value.kind == puddle_http.OTHER


def test_a_failure_detail_is_at_most_300_characters():
    detail = puddle_http._describe(ValueError('x' * 1000))
    assert detail == ('ValueError: ' + 'x' * 1000)[:300]


class FakeTlsContext(object):
    def __init__(self, system_cas):
        self.system_cas = system_cas
        self.loaded = []

    def cert_store_stats(self):
        return {'x509_ca': self.system_cas, 'crl': 0, 'x509': self.system_cas}

    def load_verify_locations(self, cafile=None):
        self.loaded.append(cafile)


def test_certifi_is_trusted_only_where_the_system_trusts_no_ca():
    import certifi  # brought by requests, which the unit tests install
    with_cas, without_cas = FakeTlsContext(140), FakeTlsContext(0)
    puddle_http._trust_certifi_if_the_system_trusts_nothing(with_cas)
    puddle_http._trust_certifi_if_the_system_trusts_nothing(without_cas)
    assert with_cas.loaded == []
    assert without_cas.loaded == [certifi.where()]


def test_without_certifi_a_system_without_cas_keeps_its_empty_store(monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, 'certifi', None)  # import certifi raises ImportError
    context = FakeTlsContext(0)
    puddle_http._trust_certifi_if_the_system_trusts_nothing(context)
    assert context.loaded == []


# -- failure_reason: how far it looks behind an exception, and in which order

def chained(depth, innermost):
    """An exception with innermost `depth` links down its __cause__ chain (depth 1: the cause itself)."""
    exc = innermost
    for index in range(depth):
        outer = RuntimeError('wrapper %d' % index)
        outer.__cause__ = exc
        exc = outer
    return exc


@pytest.mark.parametrize('text', ['[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1000)',
                                  '[SSL: WRONG_VERSION_NUMBER] (_ssl.c:1000)',
                                  'ssl error: wrong version number'])
def test_either_spelling_of_openssl_s_plain_text_answer_is_not_tls(text):
    # OpenSSL builds name it by its code, its text, or both: any one of them is enough.
    assert puddle_http.failure_reason(chained(1, ssl.SSLError(1, text))) == NOT_TLS


def test_an_unrelated_failure_has_no_reason():
    assert puddle_http.failure_reason(chained(3, OSError('connection reset'))) is None


def test_the_cause_20_exceptions_deep_is_the_last_one_looked_at():
    # 20 exceptions are looked at (the one raised and 19 behind it): enough for any library's wrapping,
    # and a bound for a chain that never ends.
    unknown = socket.gaierror(socket.EAI_NONAME, 'Name or service not known')
    assert puddle_http.failure_reason(chained(19, unknown)) == UNKNOWN_HOST
    assert puddle_http.failure_reason(chained(20, unknown)) is None


def test_the_nearest_cause_decides_before_a_reason():
    # Breadth first, in the order cause, context, urllib3's reason: the direct cause (here: the name
    # does not resolve) is looked at before a reason attached to the same exception (here: a TLS failure).
    outer = RuntimeError('request failed')
    outer.reason = ssl.SSLError(1, '[SSL: WRONG_VERSION_NUMBER] wrong version number')
    outer.__cause__ = socket.gaierror(socket.EAI_NONAME, 'Name or service not known')
    assert puddle_http.failure_reason(outer) == UNKNOWN_HOST
