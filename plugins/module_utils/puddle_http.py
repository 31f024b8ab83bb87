# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How the Puddle client's requests travel: one POST at a time over a kept-alive connection.

Two transports answer the same call, post(url, body, headers, timeout) -> HttpAnswer, and raise
the same TransportFailure:

- HttpClientTransport (the standard library's http.client) carries direct connections. Every
  module task runs in a new Python process, and importing requests there costs more than the
  rest of an info module's work (docs/performance.md, figure 3).
- RequestsTransport (a requests.Session) carries connections through a proxy: requests follows
  the proxy variables (HTTPS_PROXY, NO_PROXY, ...) the way the rest of the Python world does.
  A server that NO_PROXY exempts is reached directly, so http.client carries it.

choose_transport() picks one; PUDDLE_HTTP_TRANSPORT=requests or =http.client overrides the
choice. No Ansible import here.
"""

import json
import os
import select
import socket
from urllib.parse import urlsplit

TRANSPORT_ENV = 'PUDDLE_HTTP_TRANSPORT'
TRANSPORT_NAMES = ('http.client', 'requests')
# requests reads the proxy for a URL from <scheme>_proxy, then all_proxy, either spelling.
PROXY_VARIABLES = {
    'http': ('http_proxy', 'HTTP_PROXY', 'all_proxy', 'ALL_PROXY'),
    'https': ('https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY'),
}
# The CA bundle variables requests honours; the http.client transport honours them too, so
# switching transports never changes which certificates are trusted.
CA_BUNDLE_VARIABLES = ('REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE')

# TransportFailure kinds
TLS = 'tls'                # the TLS handshake or certificate check failed: retrying will not help
NOT_SENT = 'not_sent'      # no connection was made, so the server cannot have seen the request
NO_ANSWER = 'no_answer'    # the request may have reached the server, but no complete answer came back
OTHER = 'other'            # anything else (a malformed URL, ...)

# TransportFailure reasons: a finer cause, when one is recognised (None otherwise)
NOT_TLS = 'not_tls'            # an https:// address, but the server answered without TLS (plain HTTP?)
UNKNOWN_HOST = 'unknown_host'  # the host name does not resolve (not a temporary resolver failure)


class TransportFailure(Exception):
    """A request that got no HTTP answer; .kind says how far it got."""

    def __init__(self, kind, detail, reason=None):
        super(TransportFailure, self).__init__(detail)
        self.kind = kind
        self.detail = detail
        self.reason = reason


def _causes(exc):
    """exc and the exceptions behind it (cause, context, urllib3's reason, wrapped arguments)."""
    seen = []
    pending = [exc]
    while pending and len(seen) < 20:
        current = pending.pop(0)
        if not isinstance(current, BaseException) or any(current is known for known in seen):
            continue
        seen.append(current)
        pending.extend([current.__cause__, current.__context__, getattr(current, 'reason', None)])
        pending.extend(arg for arg in current.args if isinstance(arg, BaseException))
    return seen


# getaddrinfo errors that say the name does not exist; EAI_AGAIN (temporary) is not among them.
_UNKNOWN_HOST_ERRORS = tuple(getattr(socket, name) for name in ('EAI_NONAME', 'EAI_NODATA') if hasattr(socket, name))


def failure_reason(exc):
    """NOT_TLS, UNKNOWN_HOST or None for an exception raised by a request."""
    for cause in _causes(exc):
        if isinstance(cause, socket.gaierror) and cause.errno in _UNKNOWN_HOST_ERRORS:
            return UNKNOWN_HOST
        # OpenSSL's answer to a server that replies in plain text to the TLS handshake.
        if 'WRONG_VERSION_NUMBER' in str(cause) or 'wrong version number' in str(cause):
            return NOT_TLS
    return None


def _failure(kind, exc):
    return TransportFailure(kind, _describe(exc), failure_reason(exc))


class HttpAnswer(object):
    """An HTTP answer: status, headers (names in lower case) and the body as bytes."""

    __slots__ = ('status', 'headers', 'body')

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = dict((name.lower(), value) for name, value in headers.items())
        self.body = body

    def header(self, name):
        return self.headers.get(name.lower())

    def json(self):
        """The decoded JSON body; ValueError when it is not JSON."""
        return json.loads(self.body.decode('utf-8'))


def _describe(exc):
    return '{0}: {1}'.format(type(exc).__name__, exc)[:300]


def proxy_variable_for(url, environ):
    """The name of the proxy variable that applies to url, or None."""
    scheme = urlsplit(url).scheme.lower()
    for name in PROXY_VARIABLES.get(scheme, ()):
        if environ.get(name):
            return name
    return None


def choose_transport(url, environ=None):
    """'requests' or 'http.client' for a server at url, and why."""
    environ = os.environ if environ is None else environ
    forced = environ.get(TRANSPORT_ENV)
    if forced:
        if forced not in TRANSPORT_NAMES:
            raise ValueError('{0} must be one of {1}, got {2!r}'.format(
                TRANSPORT_ENV, ', '.join(TRANSPORT_NAMES), forced))
        return forced, 'set by {0}'.format(TRANSPORT_ENV)
    proxy_variable = proxy_variable_for(url, environ)
    if proxy_variable and not _no_proxy_covers(url, environ):
        return 'requests', 'the {0} environment variable is set'.format(proxy_variable)
    return 'http.client', 'a direct connection'


def _no_proxy_covers(url, environ):
    """True when NO_PROXY exempts the server, by the standard library's reading of it.

    Where requests reads more into NO_PROXY (address ranges), requests is chosen and bypasses the
    proxy itself: the connection is direct either way.
    """
    no_proxy = environ.get('no_proxy') or environ.get('NO_PROXY')
    if not no_proxy:
        return False
    from urllib.request import proxy_bypass_environment  # only imported when a proxy is configured

    return bool(proxy_bypass_environment(urlsplit(url).netloc, {'no': no_proxy}))


def ca_bundle(ca_path, environ=None):
    """The CA file or folder that verifies servers: ca_path, else a requests CA variable, else None."""
    if ca_path:
        return ca_path
    environ = os.environ if environ is None else environ
    for name in CA_BUNDLE_VARIABLES:
        if environ.get(name):
            return environ[name]
    return None


class HttpClientTransport(object):
    """http.client with one kept-alive connection per server; never retries by itself."""

    name = 'http.client'

    def __init__(self, validate_certs=True, ca_path=None, environ=None):
        self.validate_certs = validate_certs
        self.ca_path = ca_bundle(ca_path, environ) if validate_certs else None
        self._tls_context = None
        self._connections = {}

    def tls_context(self):
        import ssl  # only https needs it

        if self._tls_context is None:
            if not self.validate_certs:
                context = ssl.create_default_context()
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            elif self.ca_path and os.path.isdir(self.ca_path):
                context = ssl.create_default_context(capath=self.ca_path)
            elif self.ca_path:
                context = ssl.create_default_context(cafile=self.ca_path)
            else:
                context = ssl.create_default_context()
                _trust_certifi_if_the_system_trusts_nothing(context)
            self._tls_context = context
        return self._tls_context

    def _new_connection(self, parts, timeout):
        import http.client

        if parts.scheme == 'https':
            return http.client.HTTPSConnection(parts.hostname, parts.port, timeout=timeout,
                                               context=self.tls_context())
        if parts.scheme == 'http':
            return http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        raise TransportFailure(OTHER, 'unsupported URL scheme {0!r}'.format(parts.scheme))

    def _connection(self, parts, timeout):
        """A connected connection to the server; a kept-alive one when the server has not closed it."""
        key = (parts.scheme, parts.hostname, parts.port)
        connection = self._connections.get(key)
        if connection is not None and _closed_by_peer(connection.sock):
            self._discard(key)
            connection = None
        if connection is None:
            connection = self._new_connection(parts, timeout)
            try:
                connection.connect()
            except Exception as exc:
                connection.close()
                raise _failure(_connect_failure_kind(exc), exc)
            self._connections[key] = connection
        connection.timeout = timeout
        if connection.sock is not None:
            connection.sock.settimeout(timeout)
        return key, connection

    def _discard(self, key):
        connection = self._connections.pop(key, None)
        if connection is not None:
            connection.close()

    def post(self, url, body, headers, timeout):
        parts = urlsplit(url)
        try:
            parts.port
        except ValueError as exc:
            raise TransportFailure(OTHER, _describe(exc))
        key, connection = self._connection(parts, timeout)
        path = parts.path + ('?' + parts.query if parts.query else '')
        try:
            connection.request('POST', path or '/', body=body, headers=headers)
            response = connection.getresponse()
            content = response.read()
        except Exception as exc:
            # Bytes may have reached the server: the caller must treat the answer as lost.
            self._discard(key)
            raise TransportFailure(NO_ANSWER, _describe(exc))
        if response.will_close:
            self._discard(key)
        return HttpAnswer(response.status, response.headers, content)

    def close(self):
        for key in list(self._connections):
            self._discard(key)


def _trust_certifi_if_the_system_trusts_nothing(context):
    # requests always trusts certifi's bundle; a slim container may have certifi but no system CAs.
    if context.cert_store_stats().get('x509_ca'):
        return
    try:
        import certifi
    except ImportError:
        return
    context.load_verify_locations(cafile=certifi.where())


def _closed_by_peer(sock):
    """True when a kept-alive socket is readable while idle: the server closed it (or it is gone)."""
    if sock is None:
        return True
    try:
        readable, _writable, _failed = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


def _connect_failure_kind(exc):
    import ssl

    if isinstance(exc, ssl.SSLError):  # certificate errors included
        return TLS
    if isinstance(exc, (OSError, socket.timeout)):
        return NOT_SENT
    return OTHER


class RequestsTransport(object):
    """A requests.Session: proxies, NO_PROXY and proxy authentication as requests does them."""

    name = 'requests'

    def __init__(self, validate_certs=True, ca_path=None, session=None):
        import requests

        self._requests = requests
        self._session = session if session is not None else requests.Session()
        self.validate_certs = validate_certs
        # requests itself falls back to REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE when verify is True.
        self.verify = (ca_path or True) if validate_certs else False

    def post(self, url, body, headers, timeout):
        exceptions = self._requests.exceptions
        try:
            response = self._session.post(url, data=body, headers=headers, timeout=timeout, verify=self.verify,
                                          allow_redirects=False)
        except exceptions.SSLError as exc:
            raise _failure(TLS, exc)
        except (exceptions.ConnectionError, exceptions.Timeout, exceptions.ChunkedEncodingError) as exc:
            raise _failure(NOT_SENT if _requests_never_connected(exc) else NO_ANSWER, exc)
        except exceptions.RequestException as exc:
            raise TransportFailure(OTHER, _describe(exc))
        return HttpAnswer(response.status_code, response.headers, response.content)

    def close(self):
        self._session.close()


def _requests_never_connected(exc):
    """True when requests failed before any byte of the request could reach the server."""
    from requests.exceptions import ConnectTimeout, ProxyError
    from urllib3.exceptions import NewConnectionError

    if isinstance(exc, (ConnectTimeout, ProxyError)):
        return True
    reason = getattr(exc.args[0], 'reason', None) if exc.args else None
    return isinstance(reason, NewConnectionError)


def make_transport(url, validate_certs=True, ca_path=None, environ=None):
    """The transport choose_transport() picks for a server at url."""
    name, _why = choose_transport(url, environ)
    if name == 'requests':
        return RequestsTransport(validate_certs=validate_certs, ca_path=ca_path)
    return HttpClientTransport(validate_certs=validate_certs, ca_path=ca_path, environ=environ)
