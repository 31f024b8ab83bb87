# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An in-memory stand-in for a Puddle server, used in place of the client's HTTP transport.

It speaks the subset of docs/api.md the client uses, on a fake clock, and injects the faults
the client must survive (lost answers, 503, 429, expired tokens...). Unit tests only.
"""

import collections
import datetime
import itertools
import json

from ansible_collections.puddle.cloud.plugins.module_utils.puddle_http import (
    NO_ANSWER,
    NOT_SENT,
    NOT_TLS,
    TLS,
    UNKNOWN_HOST,
    HttpAnswer,
    TransportFailure,
)

USERS = {
    'demo-key-id': ('demo-secret-key', {'id': 'u-demo', 'name': 'demo', 'email': 'demo@example.com'}),
    'other-key-id': ('other-secret-key', {'id': 'u-other', 'name': 'other', 'email': 'other@example.com'}),
}
SERVER = 'https://puddle.test'

PRECONDITIONS = {
    'StartSystem': (('stopped',), 'starting', 'start'),
    'StopSystem': (('started', 'failed'), 'stopping', 'stop'),
    'RestartSystem': (('started',), 'restarting', 'restart'),
    'FailSystem': (('provisioning', 'stopping'), 'failed', 'fail'),
    'TerminateSystem': (('started', 'stopped', 'failed'), 'terminating', 'terminate'),
}


class FakeClock(object):
    """monotonic() and sleep() on simulated time; records every sleep."""

    def __init__(self, start=1000.0):
        self.now = start
        self.sleeps = []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        assert seconds >= 0, 'negative sleep {0}'.format(seconds)
        self.sleeps.append(seconds)
        self.now += seconds


class FixedRandom(object):
    """A random source whose random() always answers the same value."""

    def __init__(self, value):
        self.value = value

    def random(self):
        return self.value


def FakeResponse(status_code, payload=None, headers=None, text=None):
    """An HttpAnswer with a JSON payload, or with text when payload is None."""
    body = json.dumps(payload) if payload is not None else (text or '')
    return HttpAnswer(status_code, headers or {}, body.encode('utf-8'))


class Fault(object):
    """Something going wrong for the next `times` calls of `method`."""

    def __init__(self, method, kind, times=1, **options):
        self.method = method
        self.kind = kind
        self.times = times
        self.options = options


BEFORE_HANDLING = {
    'drop': lambda fault: TransportFailure(NO_ANSWER, 'RemoteDisconnected: Connection aborted.'),
    'refused': lambda fault: TransportFailure(NOT_SENT, 'ConnectionRefusedError: [Errno 111] Connection refused'),
    'connect_timeout': lambda fault: TransportFailure(NOT_SENT, 'TimeoutError: connect timed out'),
    'ssl': lambda fault: TransportFailure(TLS, 'SSLCertVerificationError: certificate verify failed'),
    'not_tls': lambda fault: TransportFailure(TLS, 'SSLError: [SSL: WRONG_VERSION_NUMBER] wrong version number',
                                              NOT_TLS),
    'unknown_host': lambda fault: TransportFailure(NOT_SENT, 'gaierror: [Errno -2] Name or service not known',
                                                   UNKNOWN_HOST),
    'dns_again': lambda fault: TransportFailure(NOT_SENT, 'gaierror: [Errno -3] Temporary failure in name resolution'),
}
AFTER_HANDLING = {
    'drop_after_commit': lambda fault: TransportFailure(NO_ANSWER, 'RemoteDisconnected: Connection aborted.'),
    'read_timeout_after_commit': lambda fault: TransportFailure(NO_ANSWER, 'TimeoutError: timed out'),
}
ERROR_ANSWERS = {
    'unavailable': (503, 'unavailable'),
    'rate_limited': (429, 'resource_exhausted'),
    'internal': (500, 'internal'),
    'token_expired': (401, 'unauthenticated'),
    'invalid_token': (401, 'unauthenticated'),
    'missing_token': (401, 'unauthenticated'),
}


class FakePuddle(object):
    """Pass as PuddleClient(transport=...): answers post() like a Puddle server would."""

    def __init__(self, clock=None, latency=0.0):
        self.clock = clock or FakeClock()
        self.latency = latency
        self.systems = collections.OrderedDict()
        self.tokens = {}
        self.faults = []
        self.requests = []  # (method, body, headers, kwargs)
        self.scheduled = collections.defaultdict(list)  # system id -> [(time, status)]
        self.config_status_script = collections.defaultdict(collections.deque)
        self.stale_find = 0  # answer FindSystemByName with null this many times (a not yet visible commit)
        self._ids = itertools.count(1)

    # -- test controls

    def fail_next(self, method, kind, times=1, **options):
        self.faults.append(Fault(method, kind, times, **options))

    def expire_tokens(self):
        for token in self.tokens:
            self.tokens[token]['expired'] = True

    def calls(self, method):
        return [body for name, body, headers, kwargs in self.requests if name == method]

    def methods(self):
        return [name for name, body, headers, kwargs in self.requests]

    def add_system(self, name='sys', status='started', owner='u-demo', **fields):
        system_id = 'sys-{0}'.format(next(self._ids))
        system = {
            'id': system_id, 'name': name, 'owner': owner, 'cloud': 'aws', 'status': status,
            'product': 'dai', 'version': '1.11.1', 'image_id': 'aws-dai-1.11.1', 'config_toml_status': 'none',
            'failure_reason': None, 'tags': [],
        }
        system.update(fields)
        self.systems[system_id] = system
        return system

    def schedule(self, system_id, at, status):
        """The system's status becomes `status` at clock time `at` (`gone`: the system disappears)."""
        self.scheduled[system_id].append((at, status))
        self.scheduled[system_id].sort()

    def live_systems(self, name=None):
        return [system for system in self.systems.values()
                if system['status'] != 'terminated' and (name is None or system['name'] == name)]

    # -- the transport interface

    def post(self, url, body, headers, timeout):
        method = url.rsplit('/', 1)[-1]
        body = json.loads(body.decode('utf-8'))
        self.requests.append((method, body, dict(headers or {}), dict(timeout=timeout, url=url)))
        self.clock.now += self.latency
        fault = self._take_fault(method)
        if fault is not None and fault.kind in BEFORE_HANDLING:
            raise BEFORE_HANDLING[fault.kind](fault)
        if fault is not None and fault.kind in ERROR_ANSWERS:
            return self._fault_answer(fault)
        response = self._handle(method, body or {}, headers or {})
        if fault is not None and fault.kind in AFTER_HANDLING:
            raise AFTER_HANDLING[fault.kind](fault)
        if fault is not None and fault.kind == 'internal_after_commit':
            return self._error(500, 'internal', 'stored, then crashed')
        return response

    def _take_fault(self, method):
        for fault in self.faults:
            if fault.method in (method, '*') and fault.times > 0:
                fault.times -= 1
                return fault
        return None

    def _fault_answer(self, fault):
        status, code = ERROR_ANSWERS[fault.kind]
        meta = dict(fault.options.get('meta', {}))
        headers = {}
        if fault.kind in ('token_expired', 'invalid_token', 'missing_token'):
            meta['reason'] = fault.kind
        if 'retry_after' in fault.options:
            headers['Retry-After'] = str(fault.options['retry_after'])
        return self._error(status, code, fault.options.get('msg', 'injected ' + fault.kind), headers=headers, **meta)

    @staticmethod
    def _error(http_status, code, msg, headers=None, **meta):
        return FakeResponse(http_status, {'code': code, 'msg': msg, 'meta': dict((k, str(v)) for k, v in meta.items())},
                            headers=headers)

    @staticmethod
    def _ok(payload):
        return FakeResponse(200, payload)

    def _authenticate(self, headers):
        token = headers.get('X-Puddle-Token')
        if not token:
            return None, self._error(401, 'unauthenticated', 'missing token', reason='missing_token')
        session = self.tokens.get(token)
        if session is None:
            return None, self._error(401, 'unauthenticated', 'invalid token', reason='invalid_token')
        if session['expired']:
            return None, self._error(401, 'unauthenticated', 'token expired', reason='token_expired')
        return session['user'], None

    def _handle(self, method, body, headers):
        if method == 'Login':
            return self._login(body)
        user, refusal = self._authenticate(headers)
        if refusal is not None:
            return refusal
        handler = getattr(self, '_rpc_' + method, None)
        if handler is None:
            return self._error(404, 'bad_route', 'no such method ' + method)
        self._apply_schedule()
        return handler(body, user)

    def _apply_schedule(self):
        for system_id, plan in self.scheduled.items():
            while plan and plan[0][0] <= self.clock.now:
                status = plan.pop(0)[1]
                if status == 'gone':
                    self.systems.pop(system_id, None)
                elif system_id in self.systems:
                    self.systems[system_id]['status'] = status

    def _login(self, body):
        known = USERS.get(body.get('api_key_id'))
        if known is None or known[0] != body.get('api_secret_key'):
            return self._error(401, 'unauthenticated', 'wrong API key id or secret')
        token = 'token-{0}-s3cr3t'.format(len(self.tokens) + 1)
        self.tokens[token] = {'user': known[1], 'expired': False}
        return self._ok({'token': token, 'expires_at': '2026-11-25T13:00:00Z', 'user': known[1]})

    # -- RPC handlers

    def _rpc_Logout(self, body, user):
        return self._ok({})

    def _rpc_ListAvailableImages(self, body, user):
        return self._ok({'images': [{'id': body['cloud'] + '-dai-1.11.1', 'cloud': body['cloud'], 'status': 'active'}]})

    def _rpc_ListAvailableInstanceTypes(self, body, user):
        return self._ok({'instance_types': [{'id': body['cloud'] + '-m5.xlarge', 'name': 'm5.xlarge'}]})

    def _rpc_ListTags(self, body, user):
        return self._ok({'tags': [{'name': 'project', 'required': True}]})

    def _rpc_GetCUConsumptionInfo(self, body, user):
        return self._ok({'available_cu': 1000, 'consumed_cu': 0, 'systems_consumption_info': []})

    def _rpc_CreateSystem(self, body, user):
        existing = self.live_systems(body['name'])
        if existing:
            return self._error(409, 'already_exists', 'a system named {0} exists'.format(body['name']),
                               field='name', system_id=existing[0]['id'])
        fields = dict((key, value) for key, value in body.items() if key != 'name')
        return self._ok({'system': dict(self.add_system(body['name'], 'provisioning', owner=user['id'], **fields))})

    def _owned(self, body, user):
        system = self.systems.get(body.get('id'))
        if system is None or system['owner'] != user['id']:
            return None
        return system

    def _rpc_GetSystem(self, body, user):
        system = self._owned(body, user)
        if system is None:
            return self._error(404, 'not_found', 'no system {0}'.format(body.get('id')))
        return self._ok({'system': dict(system)})

    def _rpc_FindSystemByName(self, body, user):
        if self.stale_find:
            self.stale_find -= 1
            return self._ok({'system': None})
        found = [system for system in self.live_systems(body['name']) if system['owner'] == user['id']]
        return self._ok({'system': dict(found[0]) if found else None})

    def _rpc_ListSystems(self, body, user):
        return self._ok({'systems': [dict(s) for s in self.live_systems() if s['owner'] == user['id']]})

    def _action(self, method, body, user):
        system = self._owned(body, user)
        if system is None:
            return self._error(404, 'not_found', 'no system {0}'.format(body.get('id')))
        allowed, next_status, action = PRECONDITIONS[method]
        if system['status'] not in allowed:
            return self._error(412, 'failed_precondition', 'cannot {0} a {1} system'.format(action, system['status']),
                               status=system['status'], action=action)
        system['status'] = next_status
        return self._ok({'system': dict(system)})

    def _rpc_StartSystem(self, body, user):
        return self._action('StartSystem', body, user)

    def _rpc_StopSystem(self, body, user):
        return self._action('StopSystem', body, user)

    def _rpc_RestartSystem(self, body, user):
        return self._action('RestartSystem', body, user)

    def _rpc_FailSystem(self, body, user):
        return self._action('FailSystem', body, user)

    def _rpc_TerminateSystem(self, body, user):
        return self._action('TerminateSystem', body, user)

    def _rpc_RefreshIdleTimeout(self, body, user):
        # The idle deadline becomes now + idle_interval (docs/api.md section 2): a later one than any before.
        system = self._owned(body, user)
        system['idle_deadline'] = self.idle_deadline(60 * system.get('idle_interval', 60))
        return self._ok({'system': dict(system)})

    def idle_deadline(self, seconds):
        """RFC 3339 text of the fake clock's time plus seconds (the clock counts from the epoch)."""
        moment = datetime.datetime.fromtimestamp(self.clock.now + seconds, datetime.timezone.utc)
        return moment.strftime('%Y-%m-%dT%H:%M:%S.%fZ')

    def _rpc_UpdateConfigToml(self, body, user):
        system = self._owned(body, user)
        system['config_toml_status'] = 'uploading'
        system['config_toml'] = body['config_toml']
        return self._ok({'system': dict(system)})

    def _rpc_GetConfigToml(self, body, user):
        system = self._owned(body, user)
        script = self.config_status_script[system['id']]
        if script:
            system['config_toml_status'] = script.popleft()
        return self._ok({'config_toml': system.get('config_toml', ''), 'applied_config_toml': '',
                         'config_toml_status': system['config_toml_status']})
