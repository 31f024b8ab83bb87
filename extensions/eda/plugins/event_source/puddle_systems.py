# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""puddle.cloud.puddle_systems: an Event-Driven Ansible event source that watches Puddle systems."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
short_description: Events about the systems of a Puddle user
description:
  - An ansible-rulebook event source that polls a Puddle server and puts one event on the queue for
    each change it sees in the user's systems.
  - Each poll sends one C(SystemService/ListSystems) request, plus one C(SystemService/GetCUConsumptionInfo)
    only when O(cu_low_threshold) is set, through the Puddle client O(api_client) picks, as the modules do;
    lost answers, C(unavailable) and rate limiting are retried with a backoff, and an expired login token
    is replaced by a new login when O(api_key_id) and O(api_secret_key) are given.
  - 'Every event is a dictionary with one key, C(puddle), holding: C(event), one of V(system_added),
    V(status_changed), V(system_removed), V(idle_deadline_near) and V(cu_low); C(system), the system as the
    modules return it (every field Puddle sends, C(tags) as a name to value dictionary, C(unknown_attributes)
    naming the fields the client does not report, which are absent), null for V(cu_low);
    C(previous_status) for V(status_changed); C(minutes_left) (float, negative once the deadline has passed)
    for V(idle_deadline_near); C(cu) with C(available_cu), C(consumed_cu) and C(threshold) for V(cu_low).'
  - V(system_added) - a system that was not listed at the previous poll (a new one, or, on the first poll
    when O(initial_events=true), every existing one). V(status_changed) - a listed system whose status
    differs from the previous poll (statuses that came and went between two polls are not seen).
    V(system_removed) - a system no longer listed (it is terminated), with the fields it had when last seen.
  - V(idle_deadline_near) - a V(started) system whose C(idle_deadline) is at most O(idle_warning_minutes)
    away (or already past); a system whose C(idle_deadline) the client does not report gives none. A system whose
    tags the client does not report matches no O(tags) filter. It is put on the queue once per idle deadline, not again at the next polls,
    but again after the deadline moves (a refreshed idle timeout, or a new start) and comes near again.
  - V(cu_low) - the C(available_cu) of the installation fell below O(cu_low_threshold). It is put on the
    queue once per crossing, not again while it stays below, again after it has been at or above the
    threshold at one poll and falls below again.
  - The first poll, like every other, judges V(idle_deadline_near) and V(cu_low). A system already near its
    idle deadline, or a CU pool already low, gives its event on the first poll.
  - A failed poll whose error may pass (no answer, C(unavailable), rate limiting, an internal error, after the
    client's own retries) is logged as a warning and the next poll comes after O(interval). An error that
    will not pass (wrong credentials, a refused token, a TLS verification failure, a wrong server address,
    bad arguments) ends the source with a message naming it. No event or message holds the API secret key
    or a token.
  - The idle deadline is compared with the clock of the host that runs ansible-rulebook; keep it in time
    (NTP) with Puddle's.
options:
  server_address:
    description:
      - Address of the Puddle server, with its scheme, for example C(https://puddle.example.com).
      - If not set, the E(PUDDLE_SERVER_ADDRESS) environment variable is used. Required, as an argument or
        through the environment.
    type: str
  api_key_id:
    description:
      - Id of the Puddle API key to log in with. Use it together with O(api_secret_key).
      - If not set, the E(PUDDLE_API_KEY_ID) environment variable is used, then E(PUDDLE_api_key_id).
      - Either O(api_key_id) and O(api_secret_key), or O(api_token), must be given.
    type: str
  api_secret_key:
    description:
      - Secret of the Puddle API key named by O(api_key_id). Never logged nor put in an event.
      - If not set, the E(PUDDLE_API_SECRET_KEY) environment variable is used, then E(PUDDLE_api_secret_key).
    type: str
  api_token:
    description:
      - A token returned by a Puddle login, used instead of logging in with an API key. It cannot be renewed
        by the source; when it expires the source ends, unless O(api_key_id) and O(api_secret_key) are given
        too. If not set, the E(PUDDLE_API_TOKEN) environment variable is used.
    type: str
  validate_certs:
    description:
      - Whether to verify the TLS certificate of the Puddle server. V(false) only for a test server.
    type: bool
    default: true
  ca_path:
    description:
      - Path of a PEM file with the CA certificates to verify the Puddle server with, instead of the system's
        trusted CAs. If not set, the E(REQUESTS_CA_BUNDLE) or E(CURL_CA_BUNDLE) environment variable is used
        when set.
    type: path
  request_timeout:
    description:
      - Seconds to wait for an answer to a single request before it counts as lost.
    type: float
    default: 30
  api_client:
    description:
      - Which client speaks to Puddle, as for the puddle.cloud modules (their O(puddle.cloud.puddle_system#module:api_client)
        option). V(builtin) is the collection's own client.
      - V(puddle_client) drives Puddle's own Python client, the C(puddle.client) package every Puddle offers as a wheel
        in its web UI; it must be installed in the Python that runs ansible-rulebook (in Automation Platform, in the
        decision environment). With it, O(api_token) and O(ca_path) cannot be used (the source ends at once, naming
        the option) and O(request_timeout) is not applied.
      - If not set, the E(PUDDLE_API_CLIENT) environment variable is used.
    type: str
    choices: [builtin, puddle_client]
    default: builtin
  interval:
    description:
      - Seconds between the start of a poll and the start of the next one (a slow poll is followed at once
        by the next). Fractions are allowed; it must be greater than 0.
    type: float
    default: 60
  initial_events:
    description:
      - Whether the first poll puts a V(system_added) event on the queue for every system that exists already.
        With V(false) the first poll only records the systems (and judges the idle deadlines and the CU pool).
    type: bool
    default: true
  idle_warning_minutes:
    description:
      - How many minutes before its idle deadline a V(started) system gives its V(idle_deadline_near) event.
        Fractions are allowed. V(0) never gives that event.
    type: float
    default: 10
  cu_low_threshold:
    description:
      - Give a V(cu_low) event when the installation's C(available_cu) falls below this number of compute units.
      - When not set, no V(cu_low) event is given and no C(SystemService/GetCUConsumptionInfo) request is sent.
    type: int
  names:
    description:
      - Only the systems whose name matches one of these shell-style patterns (C(*), C(?), C([...])),
        case-sensitive. Empty means every name.
    type: list
    elements: str
    default: []
  tags:
    description:
      - Only the systems carrying every one of these tags (name to value) with that value, compared as strings.
        A null value means "no value", the empty string, as in the tags of the puddle.cloud.puddle_system module,
        so it matches a system whose tag is empty or that does not carry the tag. Empty means no tag is needed.
      - The same filter means the same in the puddle.cloud.puddle_system_info module and in the prune_tags of
        puddle.cloud.puddle_fleet. A system whose tags the client does not report (unknown) is not selected.
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Watch the systems of the churn project
  hosts: localhost
  sources:
    - puddle.cloud.puddle_systems:
        server_address: https://puddle.example.com
        interval: 60
        idle_warning_minutes: 10
        cu_low_threshold: 50
        tags:
          project: churn
  rules:
    - name: Print what changed
      condition: event.puddle is defined
      action:
        debug:
          msg: "{{ event.puddle.event }}: {{ event.puddle.system.name | default('CU pool') }}"
"""

import asyncio
import fnmatch
import logging
import math
import os
import sys
import threading
import time

try:
    from ansible_collections.puddle.cloud.plugins.module_utils import puddle_client as _client_lib
except ImportError:
    # ansible-rulebook runs this file with runpy, outside Ansible's collection loader: make the folder
    # that holds ansible_collections/ importable (this file is in
    # <root>/ansible_collections/puddle/cloud/extensions/eda/plugins/event_source/), then import again.
    sys.path.append(os.path.abspath(os.path.join(os.path.dirname(__file__), *(['..'] * 7))))
    from ansible_collections.puddle.cloud.plugins.module_utils import puddle_client as _client_lib

from ansible_collections.puddle.cloud.plugins.module_utils.client_factory import (
    API_CLIENT_CHOICES,
    API_CLIENT_ENV,
    BUILTIN,
    make_client,
)
from ansible_collections.puddle.cloud.plugins.module_utils import tag_filters, wire_time
from ansible_collections.puddle.cloud.plugins.module_utils.puddle_info import system_view
from ansible_collections.puddle.cloud.plugins.module_utils.puddle_module import (
    API_KEY_ID_ENV,
    API_SECRET_KEY_ENV,
    API_TOKEN_ENV,
    SECRET_OPTIONS,
    SERVER_ADDRESS_ENV,
    connection_options_problem,
)
from ansible_collections.puddle.cloud.plugins.module_utils.text_conversions import check_tag_filter

LOGGER = logging.getLogger('puddle.cloud.puddle_systems')
SOURCE_NAME = 'puddle.cloud.puddle_systems'

SYSTEM_ADDED = 'system_added'
STATUS_CHANGED = 'status_changed'
SYSTEM_REMOVED = 'system_removed'
IDLE_DEADLINE_NEAR = 'idle_deadline_near'
CU_LOW = 'cu_low'

CONNECTION_DEFAULTS = dict(server_address=None, api_key_id=None, api_secret_key=None, api_token=None,
                           validate_certs=True, ca_path=None, request_timeout=30.0, api_client=BUILTIN)
# The connection arguments read from the environment when not given, in the modules' order.
ENVIRONMENT_FALLBACKS = dict(server_address=SERVER_ADDRESS_ENV, api_key_id=API_KEY_ID_ENV,
                             api_secret_key=API_SECRET_KEY_ENV, api_token=API_TOKEN_ENV,
                             api_client=(API_CLIENT_ENV,))
API_CLIENTS = API_CLIENT_CHOICES
WATCH_DEFAULTS = dict(interval=60.0, initial_events=True, idle_warning_minutes=10.0,
                      cu_low_threshold=None, names=[], tags={})
# Arguments ansible-rulebook itself may add to a source's arguments.
ENGINE_ARGUMENTS = ('eda_feedback_queue',)

TRUE_STRINGS = ('true', 'yes', 'on', '1')
FALSE_STRINGS = ('false', 'no', 'off', '0')


class SourceArgumentError(ValueError):
    """An argument of the source is wrong; the message names it and the rule."""


class PuddleSourceError(RuntimeError):
    """Puddle refused the source for a reason that will not pass by itself (credentials, TLS...)."""


# ----------------------------------------------------------------------------- arguments

def _boolean(name, value):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in TRUE_STRINGS + FALSE_STRINGS:
        return value.strip().lower() in TRUE_STRINGS
    raise SourceArgumentError('{0} must be a boolean (true or false), got {1!r}'.format(name, value))


def _number(name, value, convert, minimum=None, above=None):
    try:
        if isinstance(value, bool):
            raise ValueError(value)
        number = convert(value)
    except (TypeError, ValueError, OverflowError):
        raise SourceArgumentError('{0} must be a number, got {1!r}'.format(name, value))
    if isinstance(number, float) and not math.isfinite(number):
        raise SourceArgumentError('{0} must be a finite number, got {1!r}'.format(name, value))
    if minimum is not None and number < minimum:
        raise SourceArgumentError('{0} must be at least {1}, got {2!r}'.format(name, minimum, value))
    if above is not None and number <= above:
        raise SourceArgumentError('{0} must be greater than {1}, got {2!r}'.format(name, above, value))
    return number


def _integer(value):
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(value)
    return int(value)


def _string_list(name, value):
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(item, str) for item in value):
        raise SourceArgumentError('{0} must be a list of strings, got {1!r}'.format(name, value))
    return list(value)


def _tag_filter(value):
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise SourceArgumentError('tags must be a dictionary of tag name to value, got {0!r}'.format(value))
    conversions = check_tag_filter('tags', value)
    if conversions.refusals:
        raise SourceArgumentError(conversions.refusals[0][1])
    for message in conversions.warnings:
        LOGGER.warning('%s: %s', SOURCE_NAME, message)
    return dict((str(name), tag) for name, tag in value.items())


def parse_arguments(args, environ=None):
    """The source's settings from its arguments and the environment; SourceArgumentError if one is wrong."""
    environ = os.environ if environ is None else environ
    args = dict(args or {})
    known = set(CONNECTION_DEFAULTS) | set(WATCH_DEFAULTS)
    unknown = sorted(name for name in args if name not in known and name not in ENGINE_ARGUMENTS)
    if unknown:
        raise SourceArgumentError('unknown argument(s) {0}; the arguments are {1}'.format(
            ', '.join(unknown), ', '.join(sorted(known))))
    given = dict((name, value) for name, value in args.items() if name in known and value is not None)
    from_environment = {}  # option -> the environment variable that gave its value
    for option, variables in ENVIRONMENT_FALLBACKS.items():
        if option not in given:
            variable = next((name for name in variables if environ.get(name)), None)
            if variable is not None:
                given[option] = environ[variable]
                from_environment[option] = variable
    settings = dict(CONNECTION_DEFAULTS, **WATCH_DEFAULTS)
    settings.update(given)
    for option in ('server_address', 'api_key_id', 'api_secret_key', 'api_token', 'ca_path'):
        if settings[option] is not None and not isinstance(settings[option], str):
            raise SourceArgumentError('{0} must be a string'.format(option))
    if settings['ca_path']:
        settings['ca_path'] = os.path.expanduser(settings['ca_path'])
    settings['validate_certs'] = _boolean('validate_certs', settings['validate_certs'])
    settings['initial_events'] = _boolean('initial_events', settings['initial_events'])
    settings['request_timeout'] = _number('request_timeout', settings['request_timeout'], float, above=0)
    settings['interval'] = _number('interval', settings['interval'], float, above=0)
    settings['idle_warning_minutes'] = _number('idle_warning_minutes', settings['idle_warning_minutes'], float,
                                               minimum=0)
    if settings['cu_low_threshold'] is not None:
        settings['cu_low_threshold'] = _number('cu_low_threshold', settings['cu_low_threshold'], _integer)
    if settings['api_client'] not in API_CLIENTS:
        raise SourceArgumentError('api_client must be one of {0}, got {1!r}{2}'.format(
            ', '.join(API_CLIENTS), settings['api_client'], _origin(from_environment, 'api_client')))
    settings['names'] = _string_list('names', settings['names'])
    settings['tags'] = _tag_filter(settings['tags'])
    problem = connection_options_problem(settings)
    if problem is not None:
        option, message = problem
        raise SourceArgumentError(message + _origin(from_environment, option))
    return settings


def _origin(from_environment, option):
    """' (api_token came from the PUDDLE_API_TOKEN environment variable)' when it did, else ''."""
    if option not in from_environment:
        return ''
    return ' ({0} came from the {1} environment variable)'.format(option, from_environment[option])


def secrets_of(settings, client=None):
    values = [settings.get(option) for option in SECRET_OPTIONS]
    if client is not None and hasattr(client, 'secrets'):
        values.extend(client.secrets())
    return [value for value in values if value]


def build_client(settings):
    """The Puddle client api_client asks for (PuddleClient or PythonClientAdapter), as the modules get it."""
    return make_client(**dict((name, settings[name]) for name in CONNECTION_DEFAULTS))


# ----------------------------------------------------------------------------- what changed

def parse_timestamp(value):
    """Seconds since the epoch of an RFC 3339 timestamp (Z or an offset; none is UTC); None if there is none.

    The instant is the same under any TZ of the machine running the rulebook (wire_time.rfc3339).
    """
    return wire_time.rfc3339_timestamp(value)


def selected(system, names, tags):
    """True when the system passes the name and tag filters."""
    if names and not any(fnmatch.fnmatchcase(system.get('name') or '', pattern) for pattern in names):
        return False
    return tag_filters.selects(system, tags)


def make_event(kind, system=None, **extra):
    body = dict(event=kind, system=system_view(system) if system is not None else None)
    body.update(extra)
    return {'puddle': body}


class SystemsWatcher(object):
    """Turns successive listings of the systems into events (no I/O: poll() results in, events out)."""

    def __init__(self, initial_events=True, idle_warning_minutes=10.0, cu_low_threshold=None, names=None,
                 tags=None):
        self.initial_events = initial_events
        self.idle_warning_seconds = float(idle_warning_minutes) * 60
        self.cu_low_threshold = cu_low_threshold
        self.names = list(names or [])
        self.tags = dict(tags or {})
        self.known = None  # system id -> system, as last seen; None before the first poll
        self.warned_deadlines = {}  # system id -> the idle_deadline already warned about
        self.cu_is_low = False

    def update(self, systems, cu_info=None, now=None):
        """The events of one poll: systems from ListSystems, cu_info from GetCUConsumptionInfo (or None)."""
        now = time.time() if now is None else now
        first_poll = self.known is None
        previous = self.known or {}
        current = dict((system['id'], system) for system in systems
                       if system.get('id') and selected(system, self.names, self.tags))
        events = []
        for system_id, system in current.items():
            before = previous.get(system_id)
            if before is None:
                if self.initial_events or not first_poll:
                    events.append(make_event(SYSTEM_ADDED, system))
            elif before.get('status') != system.get('status'):
                events.append(make_event(STATUS_CHANGED, system, previous_status=before.get('status')))
            idle_event = self._idle_event(system, now)
            if idle_event is not None:
                events.append(idle_event)
        for system_id, system in previous.items():
            if system_id not in current:
                events.append(make_event(SYSTEM_REMOVED, system))
                self.warned_deadlines.pop(system_id, None)
        self.known = current
        cu_event = self._cu_event(cu_info)
        if cu_event is not None:
            events.append(cu_event)
        return events

    def _idle_event(self, system, now):
        """idle_deadline_near, once per deadline of a started system within the warning window."""
        if self.idle_warning_seconds <= 0 or system.get('status') != 'started':
            return None
        deadline_text = system.get('idle_deadline')
        deadline = parse_timestamp(deadline_text)
        if deadline is None:
            return None
        seconds_left = deadline - now
        if seconds_left > self.idle_warning_seconds:
            return None
        if self.warned_deadlines.get(system['id']) == deadline_text:
            return None
        self.warned_deadlines[system['id']] = deadline_text
        return make_event(IDLE_DEADLINE_NEAR, system, minutes_left=round(seconds_left / 60.0, 2))

    def _cu_event(self, cu_info):
        """cu_low when available_cu falls below the threshold (once per crossing)."""
        if self.cu_low_threshold is None or cu_info is None:
            return None
        available = cu_info.get('available_cu')
        if not isinstance(available, (int, float)):
            return None
        low = available < self.cu_low_threshold
        crossed = low and not self.cu_is_low
        self.cu_is_low = low
        if not crossed:
            return None
        return make_event(CU_LOW, None, cu=dict(available_cu=available, consumed_cu=cu_info.get('consumed_cu'),
                                                threshold=self.cu_low_threshold))


# ----------------------------------------------------------------------------- polling

def poll(client, with_cu):
    """One poll: ListSystems, and GetCUConsumptionInfo when with_cu; blocking (runs in a thread)."""
    systems = client.list_systems()
    cu_info = client.get_cu_consumption_info() if with_cu else None
    return systems, cu_info


def is_persistent(error):
    """True for an error that another poll will not cure (credentials, TLS, address, arguments)."""
    if isinstance(error, (_client_lib.AuthError, _client_lib.ConfigurationError, _client_lib.NotFoundError,
                          _client_lib.ValidationFailedError, _client_lib.NotPuddleApiError)):
        return True
    if isinstance(error, _client_lib.TransportError):
        return not error.retryable
    return False


def describe_error(error, secrets):
    return _client_lib.scrub_secrets('{0} ({1})'.format(error.message, error.code), secrets)


def run_in_thread(function, *args):
    """Await function(*args) run in a daemon thread, so that the event loop never blocks on Puddle.

    A daemon thread, not an executor's: a poll still running when the rulebook stops must not hold the
    process up for the client's retries.
    """
    loop = asyncio.get_running_loop()
    future = loop.create_future()

    def settle(result, error):
        if future.cancelled():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    def report(result, error):
        try:
            loop.call_soon_threadsafe(settle, result, error)
        except RuntimeError:
            pass  # the event loop is closed: nobody waits for this poll any more

    def target():
        try:
            result = function(*args)
        except Exception as error:  # pylint: disable=broad-except
            report(None, error)
        else:
            report(result, None)

    threading.Thread(target=target, name='puddle_systems poll', daemon=True).start()
    return future


async def main(queue, args):
    """Poll Puddle every interval seconds and put one event on the queue per change (see DOCUMENTATION)."""
    settings = parse_arguments(args)
    secrets = secrets_of(settings)
    try:
        client = build_client(settings)
    except _client_lib.PuddleError as error:
        raise PuddleSourceError('{0}: cannot set up the Puddle client: {1}'.format(
            SOURCE_NAME, describe_error(error, secrets)))
    watcher = SystemsWatcher(settings['initial_events'], settings['idle_warning_minutes'],
                             settings['cu_low_threshold'], settings['names'], settings['tags'])
    with_cu = settings['cu_low_threshold'] is not None
    interval = settings['interval']
    LOGGER.info('%s: watching the systems of %s every %g s', SOURCE_NAME, client.server_address, interval)
    while True:
        started = time.monotonic()
        try:
            systems, cu_info = await run_in_thread(poll, client, with_cu)
        except _client_lib.PuddleError as error:
            message = describe_error(error, secrets_of(settings, client))
            if is_persistent(error):
                raise PuddleSourceError('{0}: stopped, Puddle refused the poll: {1}'.format(SOURCE_NAME, message))
            LOGGER.warning('%s: poll failed, trying again in %g s: %s', SOURCE_NAME, interval, message)
        else:
            for event in watcher.update(systems, cu_info):
                await queue.put(event)
        await asyncio.sleep(max(0.0, interval - (time.monotonic() - started)))
