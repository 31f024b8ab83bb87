# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small client for the Puddle API (docs/api.md): plain Python, no Ansible import.

Modules, inventory plugins, tests and benchmarks all use it as it is. It owns the token, the
route table, the typed errors, the retries (with the reconciliation of lost answers) and the
waiting loops; how bytes travel is puddle_http's job (http.client, or requests through a proxy).
"""

import hashlib
import json
import math
import random as _random_module
import time
from urllib.parse import urlsplit, urlunsplit

from ansible_collections.puddle.cloud.plugins.module_utils import puddle_http
from ansible_collections.puddle.cloud.plugins.module_utils.model_attributes import ESSENTIAL_ATTRIBUTES, missing_essentials

STABLE_STATUSES = ('started', 'stopped', 'failed')
TRANSITIONAL_STATUSES = ('provisioning', 'starting', 'stopping', 'restarting', 'terminating')
FINAL_STATUS = 'terminated'
DEFAULT_POLL_INTERVAL = 5
DEFAULT_WAIT_TIMEOUT = 1200
DEFAULT_REQUEST_TIMEOUT = 30
# Seconds one request may spend retrying after its first attempt failed (the retry_timeout option): the sleeps
# between attempts and the attempts after the first. A retry that would start or end past it is not sent.
DEFAULT_RETRY_TIMEOUT = 90
# An absurd Retry-After must not stall a playbook: it is honoured up to this many seconds.
RETRY_AFTER_MAX = 60
CONFIG_TOML_DONE_STATUSES = ('uploaded', 'applied')
TOKEN_HEADER = 'X-Puddle-Token'
REDACTED = '********'

# Where the RPCs live. A deployment serving them elsewhere changes only these lines.
PATH_PREFIX = '/twirp'
API_PACKAGE = 'puddle.v2'
ROUTES = {
    'login': (API_PACKAGE + '.AuthService', 'Login'),
    'logout': (API_PACKAGE + '.AuthService', 'Logout'),
    'list_images': (API_PACKAGE + '.ImageService', 'ListAvailableImages'),
    'list_instance_types': (API_PACKAGE + '.InstanceTypeService', 'ListAvailableInstanceTypes'),
    'list_tags': (API_PACKAGE + '.TagService', 'ListTags'),
    'create_system': (API_PACKAGE + '.SystemService', 'CreateSystem'),
    'get_system': (API_PACKAGE + '.SystemService', 'GetSystem'),
    'find_system_by_name': (API_PACKAGE + '.SystemService', 'FindSystemByName'),
    'list_systems': (API_PACKAGE + '.SystemService', 'ListSystems'),
    'start_system': (API_PACKAGE + '.SystemService', 'StartSystem'),
    'stop_system': (API_PACKAGE + '.SystemService', 'StopSystem'),
    'restart_system': (API_PACKAGE + '.SystemService', 'RestartSystem'),
    'fail_system': (API_PACKAGE + '.SystemService', 'FailSystem'),
    'terminate_system': (API_PACKAGE + '.SystemService', 'TerminateSystem'),
    'refresh_idle_timeout': (API_PACKAGE + '.SystemService', 'RefreshIdleTimeout'),
    'update_config_toml': (API_PACKAGE + '.SystemService', 'UpdateConfigToml'),
    'get_config_toml': (API_PACKAGE + '.SystemService', 'GetConfigToml'),
    'get_cu_consumption_info': (API_PACKAGE + '.SystemService', 'GetCUConsumptionInfo'),
}
UNAUTHENTICATED_ROUTES = ('login',)
# The field of each route's answer that the client reads (docs/api.md, section 2): a 200 without it is not
# Puddle's answer (NotPuddleApiError), whatever else the JSON holds.
ANSWER_FIELDS = {
    'login': ('token',),
    'list_images': ('images',),
    'list_instance_types': ('instance_types',),
    'list_tags': ('tags',),
    'create_system': ('system',),
    'get_system': ('system',),
    'find_system_by_name': ('system',),
    'list_systems': ('systems',),
    'start_system': ('system',),
    'stop_system': ('system',),
    'restart_system': ('system',),
    'fail_system': ('system',),
    'terminate_system': ('system',),
    'refresh_idle_timeout': ('system',),
    'update_config_toml': ('system',),
    'get_config_toml': ('config_toml_status',),
    # No field is required: a consumption answer without a figure is an answer with that figure unknown
    # (model_attributes; JSON encoders may leave out a zero), never a sign of a server that is not Puddle.
    'get_cu_consumption_info': (),
}

# The statuses showing that an action was carried out: after a lost answer, a
# failed_precondition on the retry is the server telling us our first attempt worked.
ACTION_EFFECT_STATUSES = {
    'start_system': ('starting', 'started'),
    'stop_system': ('stopping', 'stopped'),
    'restart_system': ('restarting',),
    'fail_system': ('failed',),
    'terminate_system': ('terminating', 'terminated'),
}
RELOGIN_REASONS = ('token_expired', 'invalid_token')

# The action each mutating route carries out, named as the modules list it in their actions. A call of
# one of them that fails after an answer was lost says so (PuddleError.unconfirmed_action).
ACTION_OF_ROUTE = {
    'create_system': 'create',
    'start_system': 'start',
    'stop_system': 'stop',
    'restart_system': 'restart',
    'fail_system': 'fail',
    'terminate_system': 'terminate',
    'refresh_idle_timeout': 'refresh_idle_timeout',
    'update_config_toml': 'upload',
}

# How a request's effect was found instead of being answered (PuddleClient.last_adoption['reason']):
# already_exists / already_done: Puddle refused the request because the effect was already there,
# and no earlier attempt of ours can have caused it (someone else did it); answer_lost: an answer was
# lost after an attempt that may have been carried out, so the effect found may be ours.
ADOPTED_ALREADY_EXISTS = 'already_exists'
ADOPTED_ALREADY_DONE = 'already_done'
ADOPTED_ANSWER_LOST = 'answer_lost'


# ----------------------------------------------------------------------------- errors

class PuddleError(Exception):
    """Base of every error the client raises; .code follows the server's Twirp code."""

    default_code = 'unknown'
    retryable = False

    def __init__(self, message, code=None, meta=None, http_status=None, system=None):
        super(PuddleError, self).__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.meta = dict(meta or {})
        self.http_status = http_status
        self.system = system
        # True when the server may have carried the request out although we got no answer.
        self.may_have_been_committed = False
        # Set when a call of a mutating route fails after an answer to it was lost: the action
        # (ACTION_OF_ROUTE) Puddle may have carried out, unknown to the caller. See take_unconfirmed.
        self.unconfirmed_action = None
        # Set when the error follows a request Puddle did carry out (a read after it failed): the action
        # (ACTION_OF_ROUTE) the caller must still count as done. See take_carried_out.
        self.carried_out_action = None

    @property
    def field(self):
        return self.meta.get('field')

    @property
    def rule(self):
        return self.meta.get('rule')

    @property
    def status(self):
        """The system's last known status, if the error knows it."""
        if self.system and self.system.get('status'):
            return self.system['status']
        return self.meta.get('status')

    def set_message(self, message):
        self.message = message
        self.args = (message,)

    def to_dict(self):
        return {
            'code': self.code,
            'message': self.message,
            'field': self.field,
            'rule': self.rule,
            'status': self.status,
            'meta': dict(self.meta),
            'http_status': self.http_status,
        }


class AuthError(PuddleError):
    default_code = 'unauthenticated'


class ValidationFailedError(PuddleError):
    default_code = 'invalid_argument'


class NotFoundError(PuddleError):
    default_code = 'not_found'


class AlreadyExistsError(PuddleError):
    default_code = 'already_exists'


class PreconditionFailedError(PuddleError):
    default_code = 'failed_precondition'


class RetryableError(PuddleError):
    """An answer that says: ask again later."""

    retryable = True

    def __init__(self, message, retry_after=None, **kwargs):
        super(RetryableError, self).__init__(message, **kwargs)
        self.retry_after = retry_after


class RateLimitedError(RetryableError):
    default_code = 'resource_exhausted'


class UnavailableError(RetryableError):
    default_code = 'unavailable'


class TransportError(PuddleError):
    """No usable answer: connection refused or dropped, timeout, TLS failure."""

    default_code = 'transport'

    def __init__(self, message, retryable=True, may_have_been_committed=False, **kwargs):
        super(TransportError, self).__init__(message, **kwargs)
        self.retryable = retryable
        self.may_have_been_committed = may_have_been_committed


class ServerError(PuddleError):
    default_code = 'internal'


class ConfigurationError(PuddleError):
    default_code = 'configuration'


class NotPuddleApiError(PuddleError):
    """The server at server_address answered, but not as Puddle's API does (not_puddle_api_answer()).

    An HTML page, a redirect to a sign-in page, a 404 without Twirp's error body, a Twirp server without
    the route, a 200 whose JSON is not the method's answer: a wrong base URL, a proxy in front of Puddle,
    or another web server. Never retried; .meta holds url, and http_status, content_type, location,
    twirp_code or missing_field when known.
    """

    default_code = 'not_puddle_api'


class MissingLibraryError(ConfigurationError):
    """A Python library the chosen transport needs is not installed."""

    default_code = 'missing_library'

    def __init__(self, library, purpose):
        super(MissingLibraryError, self).__init__(
            'The Python library {0} is needed {1}: install it where the task runs (pip install {0})'.format(
                library, purpose), meta={'library': library})
        self.library = library


class UnsupportedOperationError(ConfigurationError):
    """The chosen api_client cannot carry out an operation the task needs (field: api_client)."""

    default_code = 'unsupported'


class SystemFailedError(PuddleError):
    default_code = 'system_failed'


class WaitTimeoutError(PuddleError):
    default_code = 'timeout'

    def __init__(self, message, awaited=None, **kwargs):
        super(WaitTimeoutError, self).__init__(message, **kwargs)
        self.awaited = awaited


class StatusChangedError(PuddleError):
    """A wait saw a stable status that is not the awaited one and cannot become it without a request.

    Raised only by waits asked to stop there (stop_on_stable=True), typically because someone else moved the
    system meanwhile; .system is the system as seen, so the caller can plan again from its status.
    """

    default_code = 'status_changed'


class ConfigTomlUploadFailedError(PuddleError):
    default_code = 'config_toml_failed'


ERROR_CLASS_BY_CODE = {
    'unauthenticated': AuthError,
    'permission_denied': AuthError,
    'invalid_argument': ValidationFailedError,
    'malformed': ValidationFailedError,
    'not_found': NotFoundError,
    'bad_route': NotFoundError,
    'already_exists': AlreadyExistsError,
    'failed_precondition': PreconditionFailedError,
    'resource_exhausted': RateLimitedError,
    'unavailable': UnavailableError,
    'internal': ServerError,
}

# Used when an answer carries no Twirp error body (a proxy's page, an empty body...).
CODE_BY_HTTP_STATUS = {
    400: 'invalid_argument',
    401: 'unauthenticated',
    403: 'permission_denied',
    404: 'bad_route',
    409: 'already_exists',
    412: 'failed_precondition',
    413: 'invalid_argument',
    429: 'resource_exhausted',
    503: 'unavailable',
}


# ----------------------------------------------------------------------------- helpers

def scrub_secrets(text, secrets):
    """Return text with every non-empty secret replaced by a placeholder."""
    if not isinstance(text, str):
        return text
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text


def parse_retry_after(value, now=None):
    """Seconds to wait from a Retry-After value (seconds or an HTTP date); None if unusable.

    An HTTP date in any of its three forms is GMT, whatever the local TZ (wire_time.http_date).
    """
    if value is None:
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        # Only an HTTP-date Retry-After reads wire_time: the no-op path neither compiles nor imports it.
        from ansible_collections.puddle.cloud.plugins.module_utils import wire_time  # pylint: disable=import-outside-toplevel
        when = wire_time.http_date_timestamp(str(value))
        if when is None:
            return None
        seconds = when - (time.time() if now is None else now)
    if math.isnan(seconds) or math.isinf(seconds):
        return None
    return max(0.0, seconds)


def _string_meta(meta):
    if not isinstance(meta, dict):
        return {}
    return dict((str(key), value if isinstance(value, str) else str(value)) for key, value in meta.items())


def error_from_answer(http_status, payload, retry_after_header=None, rpc_name=''):
    """Build the typed error for a non-200 answer (payload: the decoded JSON or None)."""
    if isinstance(payload, dict) and isinstance(payload.get('code'), str):
        code = payload['code']
        message = payload.get('msg') or payload.get('message') or code
        meta = _string_meta(payload.get('meta'))
    else:
        code = CODE_BY_HTTP_STATUS.get(http_status, 'internal')
        message = 'Puddle answered HTTP {0} without an error body'.format(http_status)
        meta = {}
    if rpc_name:
        message = '{0}: {1}'.format(rpc_name, message)
    error_class = ERROR_CLASS_BY_CODE.get(code, ServerError)
    kwargs = dict(code=code, meta=meta, http_status=http_status)
    if issubclass(error_class, RetryableError):
        retry_after = parse_retry_after(retry_after_header)
        if retry_after is None:
            retry_after = parse_retry_after(meta.get('retry_after'))
        kwargs['retry_after'] = retry_after
    error = error_class(message, **kwargs)
    # A 5xx other than "unavailable" may come after the server stored the change.
    if error_class is ServerError and http_status is not None and http_status >= 500:
        error.may_have_been_committed = True
    return error


def shown_address(server_address):
    """server_address as a message may show it: without user:password@ (no secret in messages)."""
    parts = urlsplit(server_address or '')
    if '@' not in parts.netloc:
        return server_address
    return urlunsplit((parts.scheme, parts.netloc.rsplit('@', 1)[1], parts.path, parts.query, parts.fragment))


# Twirp's error codes (its specification's list): an error body whose code is not one of them is not Twirp's.
TWIRP_CODES = ('canceled', 'unknown', 'invalid_argument', 'malformed', 'deadline_exceeded', 'not_found', 'bad_route',
               'already_exists', 'permission_denied', 'unauthenticated', 'resource_exhausted', 'failed_precondition',
               'aborted', 'out_of_range', 'unimplemented', 'internal', 'unavailable', 'data_loss')
# HTTP statuses whose answer without a Twirp body keeps its meaning (error_from_answer): a gateway or rate limiter
# between us and a Puddle that is there (429, 5xx: retried or possibly committed as docs/api.md says), and the
# informational 1xx. Any other status without Twirp's error body is not Puddle's API speaking.
TRANSIENT_STATUSES_WITHOUT_BODY = (429,)


def is_twirp_error(payload):
    """True for an error body of Twirp's shape: a JSON object whose code is one of Twirp's codes."""
    return isinstance(payload, dict) and payload.get('code') in TWIRP_CODES and isinstance(payload.get('msg', ''), str)


def python_client_installed():
    """True when Puddle's own Python client (puddle.client) can be imported here; never imports it."""
    import importlib.util  # only on the error path

    try:
        return importlib.util.find_spec('puddle.client') is not None
    except (ImportError, ValueError, AttributeError):
        return False


def not_puddle_api_answer(answer, payload, rpc_name, url, server_address, missing_field=None):
    """The NotPuddleApiError for an answer that is not Puddle's API speaking (see NotPuddleApiError).

    Its message says what answered, names the address and the route tried, and what to check
    (failure_messages.not_puddle_api_answer, imported on this error path only).
    """
    from ansible_collections.puddle.cloud.plugins.module_utils import failure_messages  # pylint: disable=import-outside-toplevel
    return failure_messages.not_puddle_api_answer(answer, payload, rpc_name, url, server_address, missing_field)


def transport_error_from_failure(failure, rpc_name, server_address=''):
    """A TransportError for a puddle_http.TransportFailure; never includes the request body.

    Its message names the address that was tried and where it comes from (failure_messages.transport_error,
    imported on this error path only).
    """
    from ansible_collections.puddle.cloud.plugins.module_utils import failure_messages  # pylint: disable=import-outside-toplevel
    return failure_messages.transport_error(failure, rpc_name, server_address)


def say_unconfirmed(route, error, why='an answer to this request was lost'):
    """Mark error, ending a call of route that Puddle may have carried out, with that action (see take_unconfirmed).

    Every client marks such a failure here; why says how the client came not to know. A read changes nothing:
    error is left as it is.
    """
    action = ACTION_OF_ROUTE.get(route)
    if action is None:
        return
    error.may_have_been_committed = True
    error.unconfirmed_action = action
    error.set_message('{0}; {1}, so Puddle may have carried out the {2}: run the task again to converge'.format(
        error.message, why, action))


def take_unconfirmed(error):
    """{action, reason: answer_lost} when Puddle may have carried out error's request, else None.

    Taken from the error (its unconfirmed_action is cleared), so the action is reported once.
    """
    action = getattr(error, 'unconfirmed_action', None)
    if action is None:
        return None
    error.unconfirmed_action = None
    return dict(action=action, reason=ADOPTED_ANSWER_LOST)


def take_carried_out(error):
    """The action Puddle carried out before error was raised (a read after it failed), else None.

    Taken from the error (its carried_out_action is cleared), so the action is reported once.
    """
    action = getattr(error, 'carried_out_action', None)
    if action is not None:
        error.carried_out_action = None
    return action


def _deadline_moved(deadline_before, system):
    """Whether system's idle_deadline is later than deadline_before; None when either is unknown or not a timestamp."""
    # Only after a lost answer: the no-op path neither compiles nor imports wire_time.
    from ansible_collections.puddle.cloud.plugins.module_utils import wire_time  # pylint: disable=import-outside-toplevel
    before = wire_time.rfc3339_timestamp(deadline_before)
    after = wire_time.rfc3339_timestamp((system or {}).get('idle_deadline'))
    if before is None or after is None:
        return None
    return after > before


def backoff_delay(attempt, backoff_base, backoff_max, random_source):
    """Full jitter: a uniform delay in [0, min(backoff_max, backoff_base * 2**attempt)]."""
    ceiling = min(float(backoff_max), float(backoff_base) * (2 ** attempt))
    return ceiling * random_source.random()


def retry_delay(error, attempt, backoff_base, backoff_max, random_source, retry_after_max=RETRY_AFTER_MAX):
    """Seconds to sleep before retry number attempt+1 after error."""
    retry_after = getattr(error, 'retry_after', None)
    if retry_after is not None:
        return min(retry_after, retry_after_max)
    return backoff_delay(attempt, backoff_base, backoff_max, random_source)


def normalize_server_address(server_address):
    address = (server_address or '').strip()
    if not address:
        raise ConfigurationError('No Puddle server address was given', meta={'field': 'server_address'})
    if not address.startswith(('http://', 'https://')):
        raise ConfigurationError(
            'The Puddle server address must start with http:// or https://, got {0!r}'.format(address),
            meta={'field': 'server_address'})
    return address.rstrip('/')


def check_credentials(api_key_id, api_secret_key, api_token):
    """Raise ConfigurationError unless one complete way to authenticate is given."""
    if api_key_id and not api_secret_key:
        raise ConfigurationError('api_key_id is set but api_secret_key is missing', meta={'field': 'api_secret_key'})
    if api_secret_key and not api_key_id:
        raise ConfigurationError('api_secret_key is set but api_key_id is missing', meta={'field': 'api_key_id'})
    if not api_token and not api_key_id:
        raise ConfigurationError('No Puddle credentials: give api_key_id and api_secret_key, or api_token',
                                 meta={'field': 'api_key_id'})


# PBKDF2-HMAC-SHA256 rounds of identity_digest: about 75 ms on one core of a 2026 x86 machine.
IDENTITY_DIGEST_ITERATIONS = 400000


def identity_digest(server_address, api_key_id=None, api_secret_key=None, api_token=None):
    """A deliberately slow one-way digest of who asks where: the server address and the credentials used.

    For keying anything kept between runs (the inventory cache, whose file name holds it): other
    credentials (another key id, secret or token) or another server give another digest, and neither
    a secret nor a token can be read back from it. Someone who can only list the cache folder could
    otherwise test guesses of the secret offline against the file name, so the digest is
    PBKDF2-HMAC-SHA256 (hashlib.pbkdf2_hmac, IDENTITY_DIGEST_ITERATIONS rounds, about 50-100 ms per
    digest) of the secret and token, salted with the server address and the key id (so that one
    precomputed table serves no other server or key); 32 bytes, hexadecimal.
    """
    try:
        address = normalize_server_address(server_address)
    except ConfigurationError:
        address = (server_address or '').strip()
    salt = json.dumps(['puddle.cloud identity v2', address, api_key_id or ''], separators=(',', ':'))
    secret = json.dumps([api_secret_key or '', api_token or ''], separators=(',', ':'))
    return hashlib.pbkdf2_hmac('sha256', secret.encode('utf-8'), salt.encode('utf-8'),
                               IDENTITY_DIGEST_ITERATIONS).hex()


def tags_to_wire(tags):
    """TagData list, sorted by name, from a dict name -> value (a TagData list is accepted too)."""
    if not tags:
        return []
    if isinstance(tags, dict):
        pairs = tags.items()
    else:
        pairs = [(tag['name'], tag['value']) for tag in tags]
    return [{'name': str(name), 'value': '' if value is None else str(value)} for name, value in sorted(pairs)]


# ----------------------------------------------------------------------------- client

class PuddleClient(object):
    """A session with one Puddle server. Not thread safe."""

    def __init__(self, server_address, api_key_id=None, api_secret_key=None, api_token=None,
                 validate_certs=True, ca_path=None, request_timeout=DEFAULT_REQUEST_TIMEOUT, max_retries=10,
                 backoff_base=0.5, backoff_max=10, sleep=time.sleep, monotonic=time.monotonic, transport=None,
                 random=None, retry_after_max=RETRY_AFTER_MAX, retry_timeout=DEFAULT_RETRY_TIMEOUT):
        self.server_address = normalize_server_address(server_address)
        check_credentials(api_key_id, api_secret_key, api_token)
        self.validate_certs = validate_certs
        self.ca_path = ca_path
        self.transport = transport if transport is not None else self._make_transport()
        self._api_key_id = api_key_id
        self._api_secret_key = api_secret_key
        self._given_token = api_token
        self.token = api_token
        self.token_expires_at = None
        self.user = None
        self.request_timeout = request_timeout
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.retry_after_max = retry_after_max
        self.retry_timeout = DEFAULT_RETRY_TIMEOUT if retry_timeout is None else float(retry_timeout)
        self._sleep = sleep
        self._monotonic = monotonic
        self._random = random if random is not None else _random_module.Random()
        self.request_count = 0
        # system id -> monotonic time we last acted on it or read it; paces the first poll.
        self._last_touched = {}
        # system id -> its idle_deadline as this client last read it (only when the answer had the field): after a
        # lost answer to RefreshIdleTimeout or RestartSystem, a later deadline read back says it was carried out.
        self._idle_deadlines = {}
        # While waiting, retries must not sleep past the wait's deadline.
        self._wait_deadline = None
        # Set by a task bounded by an option (set_task_deadline): no retry is sent past it.
        self.task_deadline = None
        self.task_deadline_option = None
        # Set by every create_system and action: None when Puddle carried out the request we sent,
        # else {action, reason, status} saying how the returned system was found (see ADOPTED_*).
        self.last_adoption = None

    def __repr__(self):
        return 'PuddleClient(server_address={0!r}, user={1!r})'.format(
            self.server_address, (self.user or {}).get('name'))

    # -- secrets

    @property
    def has_key_credentials(self):
        return bool(self._api_key_id and self._api_secret_key)

    def secrets(self):
        """Every secret value this client holds (for scrubbing messages)."""
        return [value for value in (self._api_secret_key, self._given_token, self.token) if value]

    def scrub(self, text):
        return scrub_secrets(text, self.secrets())

    def _scrub_error(self, error):
        error.set_message(self.scrub(error.message))
        error.meta = dict((key, self.scrub(value)) for key, value in error.meta.items())
        return error

    # -- transport

    def url_for(self, route):
        service, method = ROUTES[route]
        return '{0}{1}/{2}/{3}'.format(self.server_address, PATH_PREFIX, service, method)

    @staticmethod
    def rpc_name(route):
        service, method = ROUTES[route]
        return '{0}/{1}'.format(service.rsplit('.', 1)[-1], method)

    def _headers(self, with_token):
        headers = {'Content-Type': 'application/json', 'Accept': 'application/json'}
        if with_token:
            headers[TOKEN_HEADER] = self.token
        return headers

    def _make_transport(self):
        try:
            return puddle_http.make_transport(self.server_address, self.validate_certs, self.ca_path)
        except ValueError as exc:
            raise ConfigurationError(str(exc), meta={'field': puddle_http.TRANSPORT_ENV})
        except ImportError:
            _name, why = puddle_http.choose_transport(self.server_address)
            raise MissingLibraryError('requests', 'for the requests transport ({0})'.format(why))

    def _send_once(self, route, body, with_token, timeout=None):
        """One HTTP request; returns the decoded answer or raises a typed error."""
        rpc_name = self.rpc_name(route)
        self.request_count += 1
        try:
            answer = self.transport.post(self.url_for(route), json.dumps(body).encode('utf-8'),
                                         self._headers(with_token), self.request_timeout if timeout is None else timeout)
        except puddle_http.TransportFailure as failure:
            raise self._scrub_error(transport_error_from_failure(failure, rpc_name, self.server_address))
        return self._decode(answer, rpc_name, route)

    def _decode(self, answer, rpc_name, route=None):
        try:
            payload = answer.json()
        except ValueError:
            payload = None
        if answer.status == 200:
            missing = [field for field in ANSWER_FIELDS.get(route, ()) if field not in payload] \
                if isinstance(payload, dict) else []
            if isinstance(payload, dict) and not missing:
                return payload
            raise self._scrub_error(self._not_puddle_api(answer, payload, rpc_name, route, missing[0] if missing else None))
        if self._speaks_the_api(answer.status, payload):
            error = error_from_answer(answer.status, payload, answer.header('Retry-After'), rpc_name)
        else:
            error = self._not_puddle_api(answer, payload, rpc_name, route)
        raise self._scrub_error(error)

    @staticmethod
    def _speaks_the_api(http_status, payload):
        """False for an answer that only another server gives (not_puddle_api_answer): see TWIRP_CODES."""
        if is_twirp_error(payload):
            return payload['code'] != 'bad_route'  # Twirp, but without Puddle's route here: a wrong base URL
        return http_status < 200 or http_status >= 500 or http_status in TRANSIENT_STATUSES_WITHOUT_BODY

    def _not_puddle_api(self, answer, payload, rpc_name, route, missing_field=None):
        url = self.url_for(route) if route in ROUTES else self.server_address
        return not_puddle_api_answer(answer, payload, rpc_name, url, self.server_address, missing_field)

    # -- the call loop: authentication, retries, lost answers

    def call(self, route, body=None):
        """Call a route of ROUTES with a JSON body; returns the decoded answer."""
        return self._call(route, body or {})

    def _call(self, route, body, resolve_lost_answer=None):
        """Send with retries.

        resolve_lost_answer(error) is consulted once an answer may have been lost (the server may
        have carried the request out); a non-None result is returned instead of raising or retrying.
        """
        if route not in ROUTES:
            raise ConfigurationError('Unknown Puddle route {0!r}'.format(route))
        needs_token = route not in UNAUTHENTICATED_ROUTES
        attempt = 0
        answer_lost = False
        logged_in_again = False
        retry_budget_end = None  # set at the first failure: retry_timeout seconds later
        try:
            while True:
                if needs_token and not self.token:
                    self.login()
                try:
                    return self._send_once(route, body, with_token=needs_token,
                                           timeout=self._attempt_timeout(retry_budget_end))
                except PuddleError as error:
                    if needs_token and self._must_log_in_again(error, logged_in_again):
                        logged_in_again = True
                        self.token = None
                        continue
                    answer_lost = answer_lost or error.may_have_been_committed
                    if retry_budget_end is None:
                        retry_budget_end = self._monotonic() + self.retry_timeout
                    delay = self._retry_delay_within_deadline(error, attempt, retry_budget_end)
                    will_retry = delay is not None
                    if will_retry:
                        self._sleep(delay)
                        attempt += 1
                    if resolve_lost_answer is not None and (
                            answer_lost or isinstance(error, (AlreadyExistsError, PreconditionFailedError))):
                        resolved = self._resolve_lost_answer(resolve_lost_answer, error, answer_lost,
                                                             final=not will_retry)
                        if resolved is not None:
                            return resolved
                    if not will_retry:
                        if attempt and error.retryable and not getattr(error, 'out_of_retry_budget', False):
                            error.set_message('{0} (gave up after {1} attempts)'.format(error.message, attempt + 1))
                        raise
        except PuddleError as error:
            # The request's own error, or that of a lookup after it (a resolver, a new login).
            if answer_lost:
                self._say_unconfirmed(route, error)
            raise

    def _attempt_timeout(self, retry_budget_end):
        """request_timeout for a first attempt; a retry may not last past the retry budget (nor, outside a wait,
        past the task's deadline)."""
        if retry_budget_end is None:
            return self.request_timeout
        end = retry_budget_end
        if self._wait_deadline is None and self.task_deadline is not None:
            end = min(end, self.task_deadline)
        return max(min(float(self.request_timeout), end - self._monotonic()), 0.001)

    def set_task_deadline(self, deadline, option):
        """Bound every request's retries by a task's deadline (monotonic), named after the option that set it."""
        self.task_deadline = deadline
        self.task_deadline_option = '{0}={1:g} s'.format(option[0], float(option[1]))

    def _retry_delay_within_deadline(self, error, attempt, retry_budget_end=None):
        """Seconds to sleep before retrying error, or None when it must not be retried.

        A retry whose sleep would end past retry_budget_end (retry_timeout after the first failure) is not
        sent: error's message then names retry_timeout and the delay the last answer asked for.
        """
        if not error.retryable or attempt >= self.max_retries:
            return None
        delay = retry_delay(error, attempt, self.backoff_base, self.backoff_max, self._random, self.retry_after_max)
        if retry_budget_end is not None:
            # retry_timeout, and outside a wait the task's own deadline. Inside a wait (a poll of wait_for_status,
            # poll_systems...) retry_timeout bounds each poll's retries too; the wait's deadline, when it comes
            # first, cuts the delay below and the wait ends with its timeout.
            bound, end = 'retry_timeout={0:g} s'.format(self.retry_timeout), retry_budget_end
            if self._wait_deadline is None and self.task_deadline is not None and self.task_deadline < end:
                bound, end = self.task_deadline_option, self.task_deadline
            left = end - self._monotonic()
            if delay >= left and (self._wait_deadline is None or end < self._wait_deadline):
                self._say_out_of_retry_budget(error, attempt, delay, left, bound)
                return None
        if self._wait_deadline is None:
            return delay
        remaining = self._wait_deadline - self._monotonic()
        if remaining <= 0:
            return None
        return min(delay, remaining)

    @staticmethod
    def _say_out_of_retry_budget(error, attempt, delay, left, bound):
        asked = getattr(error, 'retry_after', None)
        why = ('Puddle asked to retry after {0:g} s'.format(asked) if asked is not None
               else 'the next retry was due in {0:g} s'.format(delay))
        error.set_message('{0} (gave up after {1} attempt{2}: {3}, and {4:.3g} s were left of the time this request '
                          'may spend retrying, {5})'.format(error.message, attempt + 1, '' if attempt == 0 else 's',
                                                            why, max(left, 0.0), bound))
        error.meta['retry_bound'] = bound
        error.out_of_retry_budget = True

    @staticmethod
    def _say_unconfirmed(route, error):
        """Mark error, ending a call whose answer was lost, with the action Puddle may have carried out.

        Not when a resolver found it carried out (error.carried_out_action, a read after that failed).
        """
        if error.carried_out_action is None:
            say_unconfirmed(route, error)

    @staticmethod
    def _resolve_lost_answer(resolve_lost_answer, error, answer_lost, final):
        """Ask the resolver; when giving up anyway, its own failure must not hide the original error."""
        if not final:
            return resolve_lost_answer(error, answer_lost)
        try:
            return resolve_lost_answer(error, answer_lost)
        except PuddleError:
            return None

    def _adopted(self, action, reason, answer_lost, system):
        """Record how the system returned for action was found; returns the answer to give back."""
        self.last_adoption = dict(action=action, reason=ADOPTED_ANSWER_LOST if answer_lost else reason,
                                  status=(system or {}).get('status'))
        return {'system': system}

    def _must_log_in_again(self, error, logged_in_again):
        """True when an expired/invalid token should be replaced by a new login (once per call)."""
        if error.code != 'unauthenticated' or error.meta.get('reason') not in RELOGIN_REASONS:
            return False
        if not self.has_key_credentials:
            raise AuthError(
                'The Puddle API token was refused ({0}): log in again to get a new api_token, or give '
                'api_key_id and api_secret_key so that the client can log in by itself'.format(error.meta['reason']),
                code='unauthenticated', meta=error.meta, http_status=error.http_status)
        return not logged_in_again

    # -- authentication

    def login(self):
        """Log in with the API key; returns the user dict."""
        if not self.has_key_credentials:
            raise ConfigurationError('Cannot log in to Puddle without api_key_id and api_secret_key',
                                     meta={'field': 'api_key_id'})
        try:
            answer = self._call('login', {'api_key_id': self._api_key_id, 'api_secret_key': self._api_secret_key})
        except AuthError as error:
            error.set_message('{0}; check api_key_id and api_secret_key'.format(error.message))
            raise
        self.token = answer['token']
        self.token_expires_at = answer.get('expires_at')
        self.user = answer.get('user')
        return self.user

    def logout(self):
        if self.token:
            self._call('logout', {})
        self.token = None
        self._given_token = None

    # -- catalogue

    def list_images(self, cloud):
        return self._call('list_images', {'cloud': cloud})['images']

    def list_instance_types(self, cloud):
        return self._call('list_instance_types', {'cloud': cloud})['instance_types']

    def list_tags(self):
        return self._call('list_tags', {})['tags']

    def get_cu_consumption_info(self):
        return self._call('get_cu_consumption_info', {})

    # -- systems

    def _touched(self, system):
        if system and system.get('id'):
            self._last_touched[system['id']] = self._monotonic()
        return self._seen(system)

    def _seen(self, system):
        if system and system.get('id') and 'idle_deadline' in system:
            self._idle_deadlines[system['id']] = system['idle_deadline']
        return system

    def create_system(self, name, cloud, image_id=None, product=None, version=None, instance_type_id=None,
                      instance_type_name=None, disk_size_gb=256, idle_interval=60, tags=None):
        """Create a system; a lost answer is resolved by FindSystemByName, so it is never created twice."""
        body = {'name': name, 'cloud': cloud}
        optional = (('image_id', image_id), ('product', product), ('version', version),
                    ('instance_type_id', instance_type_id), ('instance_type_name', instance_type_name),
                    ('disk_size_gb', disk_size_gb), ('idle_interval', idle_interval))
        body.update((key, value) for key, value in optional if value is not None)
        body['tags'] = tags_to_wire(tags)
        self.last_adoption = None
        answer = self._call('create_system', body, self._lost_create_resolver(name))
        return self._touched(answer['system'])

    def _lost_create_resolver(self, name):
        """After already_exists or a lost answer: the system of that name, recorded in last_adoption.

        The caller must compare it with what it asked for: after already_exists it is someone
        else's, and after a lost answer it may be.
        """
        def resolve(error, answer_lost):
            if isinstance(error, AlreadyExistsError) or error.may_have_been_committed:
                system = self.find_system_by_name(name)
                if system is not None:
                    return self._adopted('create', ADOPTED_ALREADY_EXISTS, answer_lost, system)
            return None
        return resolve

    @staticmethod
    def _readable(system):
        """A system read from Puddle, refused when the answer lacks what the collection cannot do without.

        Without its id, name or status a system cannot be told apart or planned from, so it is never guessed
        around (a system without a status would read as absent, and be created again).
        """
        missing = missing_essentials(system, 'system')
        if missing:
            raise ServerError('Puddle answered with a system without {0} (every system needs {1}, docs/api.md section 3)'.format(
                ', '.join(missing), ', '.join(ESSENTIAL_ATTRIBUTES['system'])), meta={'rule': 'unknown_attribute'})
        return system

    def get_system(self, system_id):
        return self._touched(self._readable(self._call('get_system', {'id': system_id})['system']))

    def find_system_by_name(self, name):
        return self._touched(self._readable(self._call('find_system_by_name', {'name': name}).get('system')))

    def list_systems(self):
        return [self._seen(self._readable(system)) for system in self._call('list_systems', {})['systems']]

    def _act(self, route, system_id):
        self.last_adoption = None
        answer = self._call(route, {'id': system_id}, self._lost_action_resolver(route, system_id))
        return self._touched(answer['system'])

    def _lost_action_resolver(self, route, system_id):
        effect_statuses = ACTION_EFFECT_STATUSES[route]
        action = route[:-len('_system')]
        deadline_before = self._idle_deadlines.get(system_id)

        def resolve(error, answer_lost):
            if isinstance(error, PreconditionFailedError) and error.meta.get('status') in effect_statuses:
                # Refused because the system is already where the action takes it: the action is done.
                return self._adopted(action, ADOPTED_ALREADY_DONE, answer_lost, self.get_system(system_id))
            if route == 'restart_system' and answer_lost and not isinstance(error, PreconditionFailedError):
                # A restart ends where it began (started): a retry would be accepted again once it is over.
                return self._lost_restart(error, system_id, deadline_before)
            if isinstance(error, PreconditionFailedError) or (error.may_have_been_committed and not error.retryable):
                system = self.get_system(system_id)
                if system.get('status') in effect_statuses:
                    return self._adopted(action, ADOPTED_ALREADY_DONE, answer_lost, system)
                error.system = system  # the system as read after the refusal (other_writers plans from it)
            return None
        return resolve

    def _lost_restart(self, error, system_id, deadline_before):
        """After a lost answer to RestartSystem: done when the system is restarting, or started again since.

        Puddle sets the idle deadline whenever a system becomes started, so a deadline later than the one read before
        the call says a restart ended meanwhile; the same one says none did (sending again is safe). Without a
        deadline to compare (none read before, or unknown) nothing tells: the restart is not sent again, and the
        call fails saying it may have been carried out.
        """
        system = self.get_system(system_id)
        if system.get('status') in ACTION_EFFECT_STATUSES['restart_system']:
            return self._adopted('restart', ADOPTED_ALREADY_DONE, True, system)
        moved = _deadline_moved(deadline_before, system)
        if moved is None:
            raise error
        if moved:
            return self._adopted('restart', ADOPTED_ALREADY_DONE, True, system)
        return None

    def start_system(self, system_id):
        return self._act('start_system', system_id)

    def stop_system(self, system_id):
        return self._act('stop_system', system_id)

    def restart_system(self, system_id):
        return self._act('restart_system', system_id)

    def fail_system(self, system_id):
        return self._act('fail_system', system_id)

    def terminate_system(self, system_id):
        return self._act('terminate_system', system_id)

    def refresh_idle_timeout(self, system_id):
        """RefreshIdleTimeout; a lost answer is resolved by the idle deadline read back, never by sending blindly."""
        self.last_adoption = None
        answer = self._call('refresh_idle_timeout', {'id': system_id},
                            self._lost_refresh_resolver(system_id, self._idle_deadlines.get(system_id)))
        return self._touched(answer['system'])

    def _lost_refresh_resolver(self, system_id, deadline_before):
        """After a lost answer: the system, when its idle deadline read back is later than the one read before the call.

        Puddle moves the deadline to now + idle_interval, so a later one says a refresh was carried out (the lost one,
        as far as anyone can tell) and it is not sent again; the same deadline says it was not, so sending again is
        safe. Without a deadline to compare (this client read none before the call, or one side does not report it)
        nothing tells: the refresh is not sent again and the call fails saying it may have been carried out.
        """
        def resolve(error, answer_lost):
            if not answer_lost:
                return None
            system = self.get_system(system_id)
            moved = _deadline_moved(deadline_before, system)
            if moved is None:
                raise error
            return self._adopted('refresh_idle_timeout', ADOPTED_ANSWER_LOST, True, system) if moved else None
        return resolve

    def update_config_toml(self, system_id, config_toml):
        """UpdateConfigToml; a lost answer is resolved by GetConfigToml, so one upload is never committed twice."""
        self.last_adoption = None
        answer = self._call('update_config_toml', {'id': system_id, 'config_toml': config_toml},
                            self._lost_upload_resolver(system_id, config_toml))
        return self._touched(answer['system'])

    def _lost_upload_resolver(self, system_id, config_toml):
        """After a lost answer: the system, recorded in last_adoption (answer_lost), when Puddle holds the text sent.

        Puddle stores an uploaded text at once (docs/api.md section 9), so the text read back being the one sent says
        the upload was carried out and it is not sent again; another text says it was not (or was replaced since), so
        sending again is safe. When the read of the system after a matching read-back fails, the upload is still
        carried out (carried_out_action).
        """
        def resolve(error, answer_lost):
            if not answer_lost:
                return None
            held = self.get_config_toml(system_id)
            if 'config_toml' not in held:
                raise error  # what Puddle holds is unknown: nothing tells, so nothing is sent again
            if held['config_toml'] != config_toml:
                return None
            try:
                system = self.get_system(system_id)
            except PuddleError as failure:
                failure.carried_out_action = ACTION_OF_ROUTE['update_config_toml']
                raise
            return self._adopted('upload', ADOPTED_ANSWER_LOST, True, system)
        return resolve

    def get_config_toml(self, system_id):
        return self._call('get_config_toml', {'id': system_id})

    # -- waiting

    # -- waiting: the loops live in puddle_waiting, imported when a task first waits (a no-op task never does)

    @staticmethod
    def _waiting():
        from ansible_collections.puddle.cloud.plugins.module_utils import puddle_waiting  # pylint: disable=import-outside-toplevel
        return puddle_waiting

    def wait_for_status(self, system_id, wanted, timeout=DEFAULT_WAIT_TIMEOUT, poll_interval=DEFAULT_POLL_INTERVAL,
                        on_poll=None, fail_on_failed=True, first_poll_delay=None, stop_on_stable=False):
        """Poll GetSystem until the status is one of wanted; returns the system.

        The polls follow a fixed grid: the first one a full poll_interval after the client last acted on (or
        read) the system (else at once; first_poll_delay overrides it), then every poll_interval, the last at
        the deadline; a poll's retries never pass the deadline. SystemFailedError when the system becomes
        failed and failed is not wanted (if fail_on_failed); WaitTimeoutError (.system = the last system seen)
        at the deadline. Waiting for terminated also ends when the system is no longer found. With
        stop_on_stable, a stable status that is not wanted (started, stopped, or failed when fail_on_failed is
        false) ends the wait at once with StatusChangedError (.system = the system seen) instead of waiting in
        vain until the deadline: Puddle never leaves a stable status without a request.
        """
        return self._waiting().wait_for_status(self, system_id, wanted, timeout, poll_interval, on_poll=on_poll,
                                               fail_on_failed=fail_on_failed, delay=first_poll_delay,
                                               stop_on_stable=stop_on_stable)

    def wait_for_system_started(self, system_id, timeout=DEFAULT_WAIT_TIMEOUT, poll_interval=DEFAULT_POLL_INTERVAL,
                                **kwargs):
        return self.wait_for_status(system_id, 'started', timeout, poll_interval, **kwargs)

    def wait_for_system_stopped(self, system_id, timeout=DEFAULT_WAIT_TIMEOUT, poll_interval=DEFAULT_POLL_INTERVAL,
                                **kwargs):
        return self.wait_for_status(system_id, 'stopped', timeout, poll_interval, **kwargs)

    def wait_for_system_terminated(self, system_id, timeout=DEFAULT_WAIT_TIMEOUT,
                                   poll_interval=DEFAULT_POLL_INTERVAL, **kwargs):
        return self.wait_for_status(system_id, FINAL_STATUS, timeout, poll_interval, **kwargs)

    def wait_for_system_failed(self, system_id, timeout=DEFAULT_WAIT_TIMEOUT, poll_interval=DEFAULT_POLL_INTERVAL,
                               **kwargs):
        return self.wait_for_status(system_id, 'failed', timeout, poll_interval, **kwargs)

    def wait_until_stable(self, system_id, timeout=DEFAULT_WAIT_TIMEOUT, poll_interval=DEFAULT_POLL_INTERVAL,
                          **kwargs):
        """Wait for the first non-transitional status (terminated included); never SystemFailedError."""
        kwargs['fail_on_failed'] = False
        return self.wait_for_status(system_id, STABLE_STATUSES + (FINAL_STATUS,), timeout, poll_interval, **kwargs)

    def poll_systems(self, on_listing, timeout=DEFAULT_WAIT_TIMEOUT, poll_interval=DEFAULT_POLL_INTERVAL,
                     first_poll_delay=0.0):
        """List the user's systems once per poll round until on_listing(systems) returns True.

        The rounds follow the grid of wait_for_status (first at first_poll_delay, then every
        poll_interval, the last at the deadline), in a loop: any number of rounds costs the same
        stack. on_listing may send requests; the next round then reads their effect. Returns the
        number of listings; WaitTimeoutError (.meta['rounds']) at the deadline.
        """
        return self._waiting().poll_systems(self, on_listing, timeout, poll_interval, first_poll_delay)

    def wait_for_config_toml_uploaded(self, system_id, timeout=DEFAULT_WAIT_TIMEOUT,
                                      poll_interval=DEFAULT_POLL_INTERVAL, on_poll=None, first_poll_delay=None):
        """Poll GetConfigToml until the upload is done (uploaded or applied); returns that answer.

        On the grid of wait_for_status; ConfigTomlUploadFailedError when the upload failed, WaitTimeoutError
        at the deadline.
        """
        return self._waiting().wait_for_config_toml_uploaded(self, system_id, timeout, poll_interval,
                                                             on_poll=on_poll, delay=first_poll_delay)
