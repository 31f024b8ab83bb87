# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The messages of two error paths of PuddleClient: plain Python, no Ansible import.

An answer that is not Puddle's API speaking (NotPuddleApiError: what answered, the address and route
tried, what to check) and a request that did not travel (TransportError: which address, what to check).
puddle_client imports this module on those paths only: a task whose requests are answered never compiles
it (every module_utils file a task imports is compiled from source in its process). Reached through
puddle_client.not_puddle_api_answer and puddle_client.transport_error_from_failure.
"""

from urllib.parse import urlsplit, urlunsplit

from ansible_collections.puddle.cloud.plugins.module_utils import puddle_client
from ansible_collections.puddle.cloud.plugins.module_utils import puddle_http
from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import (
    API_PACKAGE,
    PATH_PREFIX,
    NotPuddleApiError,
    TransportError,
    is_twirp_error,
    shown_address,
)


def _shown_url(url):
    """A URL as a message may show it: no user information, query or fragment (they may carry secrets)."""
    parts = urlsplit(shown_address(url or '') or '')
    return urlunsplit((parts.scheme, parts.netloc, parts.path, '', ''))


def _page_title(body):
    text = body[:20000].decode('utf-8', 'replace')
    lowered = text.lower()
    start = lowered.find('<title')
    if start < 0:
        return None
    start = lowered.find('>', start)
    end = lowered.find('</title>', start)
    if start < 0 or end < 0:
        return None
    title = ' '.join(text[start + 1:end].split())[:80]
    return title or None


def _what_answered(status, headers, body, payload, missing_field, rpc_name):
    """How the answer looked, for the message of puddle_client.NotPuddleApiError; and its meta."""
    content_type = (headers.get('content-type') or '').split(';', 1)[0].strip().lower() or None
    meta = {'http_status': str(status)}
    if content_type:
        meta['content_type'] = content_type
    if 300 <= status < 400:
        location = headers.get('location')
        meta['location'] = _shown_url(location) if location else ''
        return 'HTTP {0}, a redirect to {1}'.format(status, meta['location'] or 'nowhere'), meta
    if is_twirp_error(payload):
        meta['twirp_code'] = payload['code']
        return 'HTTP {0} {1} ({2}): a Twirp server without this route'.format(
            status, payload['code'], str(payload.get('msg') or '')[:120]), meta
    if missing_field is not None:
        meta['missing_field'] = missing_field
        return "HTTP {0} with JSON that is not Puddle's answer to {1} (no {2} field)".format(
            status, rpc_name, missing_field), meta
    if isinstance(payload, dict):
        return "HTTP {0} with JSON that is not a Twirp error (no code among Twirp's)".format(status), meta
    if payload is not None:
        return 'HTTP {0} with JSON that is not an object'.format(status), meta
    if not body.strip():
        return 'HTTP {0} with an empty body'.format(status), meta
    if content_type == 'text/html' or body.lstrip()[:15].lower().startswith((b'<!doctype html', b'<html')):
        title = _page_title(body)
        return 'HTTP {0} with an HTML page{1}'.format(status, " titled '{0}'".format(title) if title else ''), meta
    return 'HTTP {0} with a {1} body that is not JSON'.format(status, content_type or 'non-JSON'), meta


def not_puddle_api_answer(answer, payload, rpc_name, url, server_address, missing_field=None):
    """The NotPuddleApiError for an answer that is not Puddle's API speaking (see puddle_client.NotPuddleApiError).

    Its message says what answered, names the address and the route tried, and what to check: the
    base URL, a sign-in in front of the API, and api_client: puddle_client when Puddle's own client
    is installed where the task runs.
    """
    headers = dict((name.lower(), value) for name, value in (answer.headers or {}).items())
    what, meta = _what_answered(answer.status, headers, answer.body or b'', payload, missing_field, rpc_name)
    meta['url'] = _shown_url(url)
    hints = ['check server_address (option server_address or PUDDLE_SERVER_ADDRESS): it must be the base URL to '
             'which {0}/{1}.<Service>/<Method> is appended, with no path unless Puddle is served under one'.format(
                 PATH_PREFIX, API_PACKAGE)]
    if answer.status in (401, 403, 407) or 300 <= answer.status < 400:
        hints.append('a proxy or single sign-on in front of Puddle that asks for a browser login must let the API '
                     'through')
    if puddle_client.python_client_installed():  # through the module: a test may replace it there
        hints.append("or set api_client: puddle_client: Puddle's own Python client (puddle.client) is installed "
                     'here')
    message = "{0}: the server at {1} does not answer Puddle's API: POST {2} answered {3}; {4}".format(
        rpc_name, shown_address(server_address), meta['url'], what, '; '.join(hints))
    return NotPuddleApiError(message, meta=meta, http_status=answer.status)


def transport_error(failure, rpc_name, server_address=''):
    """A TransportError for a puddle_http.TransportFailure; never includes the request body.

    The message names the address that was tried and where it comes from, so a wrong
    server_address is recognised at once.
    """
    where = 'server_address {0} (option server_address or PUDDLE_SERVER_ADDRESS)'.format(
        shown_address(server_address))
    if failure.reason == puddle_http.NOT_TLS:
        return TransportError(
            '{0}: the server at {1} does not seem to speak TLS ({2}); check the scheme of server_address '
            '(http:// for a plain HTTP server)'.format(rpc_name, where, failure.detail),
            retryable=False)
    if failure.reason == puddle_http.UNKNOWN_HOST:
        return TransportError(
            '{0}: the host name of {1} does not resolve ({2})'.format(rpc_name, where, failure.detail),
            retryable=False)
    if failure.kind == puddle_http.TLS:
        return TransportError(
            '{0}: TLS verification failed for {1} ({2}); set ca_path to the CA bundle that signed the server '
            'certificate, or validate_certs=false for a test server'.format(rpc_name, where, failure.detail),
            retryable=False)
    if failure.kind in (puddle_http.NOT_SENT, puddle_http.NO_ANSWER):
        return TransportError('{0}: no answer from Puddle at {1} ({2})'.format(rpc_name, where, failure.detail),
                              retryable=True, may_have_been_committed=failure.kind == puddle_http.NO_ANSWER)
    return TransportError('{0}: request to {1} failed ({2})'.format(rpc_name, where, failure.detail), retryable=False)
