"""How the double reaches Puddle: JSON over HTTP as docs/api.md describes (not part of the reference)."""

import json
import socket
import urllib.error
import urllib.request

from puddle.client.errors.puddle_errors import PreconditionFailedError, ValidationFailedError

PATH_PREFIX = '/twirp/puddle.v2.'
TIMEOUT_S = 30
# Twirp codes that mean "not now": the double reports them as a connection problem.
_TRY_AGAIN_CODES = ('unavailable', 'resource_exhausted')


class WireError(Exception):
    """An error answer of Puddle; .exception() is what the client raises for it."""

    def __init__(self, code, message, meta=None, http_status=None):
        super(WireError, self).__init__(message)
        self.code = code
        self.message = message
        self.meta = meta or {}
        self.http_status = http_status

    def exception(self):
        if self.code in ('invalid_argument', 'malformed', 'already_exists'):
            return ValidationFailedError(self.message)
        if self.code == 'failed_precondition':
            return PreconditionFailedError(self.message)
        if self.code in _TRY_AGAIN_CODES:
            return ConnectionError('Puddle cannot answer now ({0}): {1}'.format(self.code, self.message))
        return RuntimeError('Puddle answered {0}: {1}'.format(self.code, self.message))


def post(server_address, service, method, body, headers, request_hook=None, response_hook=None):
    """POST one RPC; the decoded answer, or WireError, or ConnectionError when no answer came."""
    url = '{0}{1}{2}/{3}'.format(server_address.rstrip('/'), PATH_PREFIX, service, method)
    data = json.dumps(body).encode('utf-8')
    headers = dict(headers)
    if request_hook is not None:
        request_hook(url, data, headers)
    request = urllib.request.Request(url, data=data, headers=headers, method='POST')
    try:
        response = urllib.request.urlopen(request, timeout=TIMEOUT_S)
    except urllib.error.HTTPError as error:
        raise _error_of(error.code, error.read())
    except (urllib.error.URLError, socket.timeout, OSError) as error:
        raise ConnectionError('No answer from {0}: {1}'.format(url, error))
    with response:
        if response_hook is not None:
            response_hook(response)
        payload = response.read()
    return json.loads(payload.decode('utf-8'))


def _error_of(http_status, payload):
    try:
        answer = json.loads(payload.decode('utf-8'))
    except ValueError:
        answer = None
    if not isinstance(answer, dict) or not isinstance(answer.get('code'), str):
        return WireError('unavailable' if http_status in (429, 503) else 'internal',
                         'HTTP {0} without an error body'.format(http_status), http_status=http_status)
    return WireError(answer['code'], answer.get('msg') or answer['code'], answer.get('meta') or {}, http_status)
