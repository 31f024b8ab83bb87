# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The puddle.cloud.puddle_systems event source: main(queue, args) with the real client talking to an
in-memory Puddle (FakePuddle in place of the HTTP transport), poll by poll."""

import asyncio
import json
import logging
import threading
import time
from datetime import datetime, timezone

import pytest
import yaml

from ansible_collections.puddle.cloud.extensions.eda.plugins.event_source import puddle_systems
from ansible_collections.puddle.cloud.plugins.module_utils import client_factory
from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import PuddleClient
from ansible_collections.puddle.cloud.plugins.module_utils.puddle_pyclient import PythonClientAdapter
from ansible_collections.puddle.cloud.tests.unit.plugins.module_utils import puddle_client_double
from ansible_collections.puddle.cloud.tests.unit.plugins.module_utils.fake_puddle import (
    SERVER,
    FakeClock,
    FakePuddle,
    FixedRandom,
)

SECRET_KEY = 'demo-secret-key'
CONNECTION = dict(server_address=SERVER, api_key_id='demo-key-id', api_secret_key=SECRET_KEY)
# How long a test may wait for the source, in real seconds (the polls themselves take milliseconds).
PATIENCE = 10


def iso(seconds_from_now):
    moment = datetime.fromtimestamp(time.time() + seconds_from_now, tz=timezone.utc)
    return moment.strftime('%Y-%m-%dT%H:%M:%SZ')


class ScriptedPuddle(FakePuddle):
    """A FakePuddle whose script[n](self) runs at the start of the source's n-th poll (0-based); it
    counts the polls, reports the CU it is told to, and remembers which threads sent requests."""

    def __init__(self, script=()):
        super(ScriptedPuddle, self).__init__(FakeClock())
        self.script = list(script)
        self.polls = 0
        self.available_cu = 1000
        self.threads = set()

    def start_poll(self):
        if self.polls < len(self.script) and self.script[self.polls] is not None:
            self.script[self.polls](self)
        self.polls += 1

    def post(self, url, body, headers, timeout):
        self.threads.add(threading.get_ident())
        return super(ScriptedPuddle, self).post(url, body, headers, timeout)

    def _rpc_GetCUConsumptionInfo(self, body, user):
        return self._ok({'available_cu': self.available_cu, 'consumed_cu': 1000 - self.available_cu,
                         'systems_consumption_info': []})

    def system(self, name):
        return [system for system in self.systems.values() if system['name'] == name][0]


@pytest.fixture
def fake(monkeypatch):
    fake = ScriptedPuddle()

    def build_client(settings):
        options = dict((name, settings[name]) for name in puddle_systems.CONNECTION_DEFAULTS if name != 'api_client')
        return PuddleClient(transport=fake, sleep=fake.clock.sleep, monotonic=fake.clock.monotonic,
                            random=FixedRandom(1.0), **options)

    original_poll = puddle_systems.poll

    def scripted_poll(client, with_cu):
        fake.start_poll()
        return original_poll(client, with_cu)

    monkeypatch.setattr(puddle_systems, 'build_client', build_client)
    monkeypatch.setattr(puddle_systems, 'poll', scripted_poll)
    return fake


def run_source(fake, polls, **args):
    """Run main() until `polls` polls are done (their events queued); returns (events, error or None)."""
    async def scenario():
        queue = asyncio.Queue()
        task = asyncio.ensure_future(puddle_systems.main(queue, dict(CONNECTION, interval=0.001, **args)))
        deadline = time.monotonic() + PATIENCE
        # Once poll n+1 has started, the events of poll n are on the queue (main awaits each poll).
        while fake.polls <= polls and not task.done():
            assert time.monotonic() < deadline, 'the source made {0} polls in {1} s'.format(fake.polls, PATIENCE)
            await asyncio.sleep(0.001)
        error = None
        if task.done():
            error = task.exception()
        else:
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        events = []
        while not queue.empty():
            events.append(queue.get_nowait())
        return events, error

    return asyncio.run(scenario())


def kinds(events):
    return [(event['puddle']['event'], (event['puddle']['system'] or {}).get('name')) for event in events]


# ----------------------------------------------------------------------------- first poll

def test_first_poll_gives_one_system_added_per_existing_system(fake):
    fake.add_system('alpha', tags=[{'name': 'project', 'value': 'churn'}])
    fake.add_system('beta', status='stopped')
    events, error = run_source(fake, polls=3)
    assert error is None
    assert kinds(events) == [('system_added', 'alpha'), ('system_added', 'beta')]
    alpha = events[0]['puddle']
    # The system as the modules return it: tags as a name -> value dict.
    assert alpha['system']['tags'] == {'project': 'churn'}
    assert alpha['system']['status'] == 'started'
    assert set(alpha) == {'event', 'system'}


def test_first_poll_gives_nothing_with_initial_events_false(fake):
    fake.add_system('alpha')
    fake.script = [None, lambda puddle: puddle.add_system('gamma', status='provisioning')]
    events, error = run_source(fake, polls=3, initial_events=False)
    assert error is None
    assert kinds(events) == [('system_added', 'gamma')]


# ----------------------------------------------------------------------------- each event kind

def test_status_changed_carries_the_previous_status_once_per_change(fake):
    fake.add_system('alpha')

    def fail(puddle):
        puddle.system('alpha').update(status='failed', failure_reason='disk full')

    def stop(puddle):
        puddle.system('alpha')['status'] = 'stopping'

    fake.script = [None, None, fail, None, None, stop]
    events, error = run_source(fake, polls=8)
    assert error is None
    assert kinds(events) == [('system_added', 'alpha'), ('status_changed', 'alpha'), ('status_changed', 'alpha')]
    failed, stopping = events[1]['puddle'], events[2]['puddle']
    assert (failed['previous_status'], failed['system']['status']) == ('started', 'failed')
    assert failed['system']['failure_reason'] == 'disk full'
    assert (stopping['previous_status'], stopping['system']['status']) == ('failed', 'stopping')


def test_system_added_and_removed_between_polls(fake):
    fake.add_system('alpha')

    def create(puddle):
        puddle.add_system('beta', status='provisioning')

    def terminate(puddle):
        puddle.system('alpha')['status'] = 'terminated'  # ListSystems no longer lists it

    fake.script = [None, create, None, terminate]
    events, error = run_source(fake, polls=6)
    assert error is None
    assert kinds(events) == [('system_added', 'alpha'), ('system_added', 'beta'), ('system_removed', 'alpha')]
    # A removed system is reported as it was last seen.
    assert events[2]['puddle']['system']['status'] == 'started'
    assert events[1]['puddle']['system']['status'] == 'provisioning'


def test_idle_deadline_near_once_per_deadline(fake):
    fake.add_system('far', idle_deadline=iso(3600))
    fake.add_system('near', idle_deadline=iso(120))
    fake.add_system('stopped', status='stopped', idle_deadline=None)

    def refresh(puddle):
        # The idle timeout was refreshed: a new deadline, far away at first...
        puddle.system('near')['idle_deadline'] = iso(3600)

    def come_near(puddle):
        # ...then near again (the same thing as time passing).
        puddle.system('near')['idle_deadline'] = iso(240)

    fake.script = [None, None, None, refresh, None, come_near, None, None]
    events, error = run_source(fake, polls=9, idle_warning_minutes=5, initial_events=False)
    assert error is None
    assert kinds(events) == [('idle_deadline_near', 'near'), ('idle_deadline_near', 'near')]
    first, second = events[0]['puddle'], events[1]['puddle']
    assert 1.5 < first['minutes_left'] <= 2
    assert 3.5 < second['minutes_left'] <= 4
    assert second['system']['idle_deadline'] != first['system']['idle_deadline']


def test_idle_deadline_near_also_after_the_deadline_while_still_started(fake):
    fake.add_system('late', idle_deadline=iso(-30))
    events, error = run_source(fake, polls=3, initial_events=False)
    assert error is None
    assert kinds(events) == [('idle_deadline_near', 'late')]
    assert events[0]['puddle']['minutes_left'] < 0


def test_idle_deadline_near_is_off_with_zero_minutes(fake):
    fake.add_system('near', idle_deadline=iso(10))
    events, error = run_source(fake, polls=3, idle_warning_minutes=0, initial_events=False)
    assert error is None
    assert events == []


def test_cu_low_once_per_crossing(fake):
    levels = [500, 40, 30, 30, 60, 45, 45]

    def level(value):
        def set_level(puddle):
            puddle.available_cu = value
        return set_level

    fake.script = [level(value) for value in levels]
    events, error = run_source(fake, polls=len(levels), cu_low_threshold=50)
    assert error is None
    assert [event['puddle']['event'] for event in events] == ['cu_low', 'cu_low']
    assert events[0]['puddle'] == {'event': 'cu_low', 'system': None,
                                   'cu': {'available_cu': 40, 'consumed_cu': 960, 'threshold': 50}}
    assert events[1]['puddle']['cu']['available_cu'] == 45


def test_each_poll_costs_one_list_and_one_cu_call_only_with_a_threshold(fake):
    fake.add_system('alpha')
    run_source(fake, polls=4)
    assert fake.methods().count('GetCUConsumptionInfo') == 0
    assert fake.methods().count('Login') == 1
    fake.requests[:] = []
    fake.polls = 0
    run_source(fake, polls=4, cu_low_threshold=10)
    methods = [method for method in fake.methods() if method != 'Login']
    assert methods.count('ListSystems') == fake.polls
    assert methods.count('GetCUConsumptionInfo') in (fake.polls, fake.polls - 1)
    assert set(methods) == {'ListSystems', 'GetCUConsumptionInfo'}


def test_name_and_tag_filters(fake):
    fake.add_system('churn-a', tags=[{'name': 'project', 'value': 'churn'}])
    fake.add_system('churn-b', tags=[{'name': 'project', 'value': 'fraud'}])
    fake.add_system('other', tags=[{'name': 'project', 'value': 'churn'}])
    fake.add_system('churn-c', tags=[])

    def fail_all(puddle):
        for system in puddle.systems.values():
            system['status'] = 'failed'

    fake.script = [None, fail_all]
    events, error = run_source(fake, polls=3, names=['churn-*'], tags={'project': 'churn'})
    assert error is None
    assert kinds(events) == [('system_added', 'churn-a'), ('status_changed', 'churn-a')]


def test_a_null_tag_value_means_no_value(fake):
    fake.add_system('lab-untagged', tags=[{'name': 'project', 'value': 'lab'}])
    fake.add_system('lab-empty', tags=[{'name': 'project', 'value': 'lab'}, {'name': 'owner', 'value': ''}])
    fake.add_system('lab-owned', tags=[{'name': 'project', 'value': 'lab'}, {'name': 'owner', 'value': 'ann'}])
    events, error = run_source(fake, polls=2, tags={'project': 'lab', 'owner': None})
    assert error is None
    assert kinds(events) == [('system_added', 'lab-untagged'), ('system_added', 'lab-empty')]


def test_the_client_runs_outside_the_event_loop_thread(fake):
    fake.add_system('alpha')
    # asyncio.run() runs the event loop in this thread.
    run_source(fake, polls=2)
    assert fake.threads and not fake.threads & {threading.get_ident()}


# ----------------------------------------------------------------------------- errors

def test_transient_errors_are_retried_and_the_source_goes_on(fake, caplog):
    fake.add_system('alpha')

    def outage(puddle):
        # More 503 answers than the client retries: this poll fails, the next one works.
        puddle.fail_next('ListSystems', 'unavailable', times=11)

    def fail(puddle):
        puddle.system('alpha')['status'] = 'failed'

    fake.script = [None, outage, fail]
    with caplog.at_level(logging.WARNING, logger='puddle.cloud.puddle_systems'):
        events, error = run_source(fake, polls=4)
    assert error is None
    assert kinds(events) == [('system_added', 'alpha'), ('status_changed', 'alpha')]
    warnings = [record.getMessage() for record in caplog.records]
    assert len(warnings) == 1
    assert 'poll failed, trying again' in warnings[0] and 'unavailable' in warnings[0]


def test_an_expired_token_is_renewed_by_a_new_login(fake):
    fake.add_system('alpha')
    fake.script = [None, lambda puddle: puddle.expire_tokens()]
    events, error = run_source(fake, polls=3)
    assert error is None
    assert fake.methods().count('Login') == 2
    assert kinds(events) == [('system_added', 'alpha')]


@pytest.mark.parametrize('args, fault, expected', [
    (dict(api_secret_key='wrong-secret-value'), None, 'unauthenticated'),
    ({}, ('ssl',), 'TLS verification failed'),
    (dict(api_key_id=None, api_secret_key=None, api_token='token-given-s3cr3t'), ('invalid_token',),
     'The Puddle API token was refused'),
    ({}, ('internal',), None),
], ids=['wrong-secret', 'tls', 'refused-token', 'internal-error-is-transient'])
def test_persistent_errors_end_the_source_with_a_clear_message(fake, caplog, args, fault, expected):
    fake.add_system('alpha')
    if fault is not None:
        fake.fail_next('ListSystems', *fault)
    with caplog.at_level(logging.DEBUG):
        events, error = run_source(fake, polls=3, **args)
    if expected is None:
        assert error is None
        assert kinds(events) == [('system_added', 'alpha')]
        return
    assert isinstance(error, puddle_systems.PuddleSourceError)
    message = str(error)
    assert message.startswith('puddle.cloud.puddle_systems: stopped, Puddle refused the poll: ')
    assert expected in message
    assert events == []
    for secret in ('wrong-secret-value', 'token-given-s3cr3t', SECRET_KEY):
        assert secret not in message
        assert secret not in caplog.text


def test_a_server_that_is_not_puddles_api_ends_the_source_at_once(fake, monkeypatch):
    # Another poll will not cure a web page at the address: the source stops, saying what answered where.
    from ansible_collections.puddle.cloud.plugins.module_utils import puddle_client as client_lib
    from ansible_collections.puddle.cloud.plugins.module_utils.puddle_http import HttpAnswer

    monkeypatch.setattr(client_lib, 'python_client_installed', lambda: False)
    fake.post = lambda url, body, headers, timeout: HttpAnswer(404, {'Content-Type': 'text/html'}, b'<html></html>')
    events, error = run_source(fake, polls=3)
    assert isinstance(error, puddle_systems.PuddleSourceError)
    message = str(error)
    assert message.startswith('puddle.cloud.puddle_systems: stopped, Puddle refused the poll: AuthService/Login: the '
                              "server at {0} does not answer Puddle's API: POST {0}/twirp/puddle.v2.AuthService/Login "
                              'answered HTTP 404 with an HTML page'.format(SERVER))
    assert '(not_puddle_api)' in message
    assert events == []


def test_no_secret_in_any_event_or_log_line(fake, caplog):
    system = fake.add_system('alpha', idle_deadline=iso(60))

    def change(puddle):
        system['status'] = 'failed'
        puddle.fail_next('ListSystems', 'unavailable', times=11, msg='overloaded')

    fake.script = [None, change, None, lambda puddle: puddle.expire_tokens()]
    with caplog.at_level(logging.DEBUG):
        events, error = run_source(fake, polls=5, cu_low_threshold=5000)
    assert error is None
    assert {event['puddle']['event'] for event in events} == {'system_added', 'idle_deadline_near', 'cu_low',
                                                              'status_changed'}
    text = json.dumps(events) + caplog.text
    tokens = list(fake.tokens)
    assert len(tokens) == 2
    for secret in [SECRET_KEY] + tokens:
        assert secret not in text


# ----------------------------------------------------------------------------- arguments

def test_connection_arguments_fall_back_to_the_environment(monkeypatch):
    monkeypatch.setenv('PUDDLE_SERVER_ADDRESS', 'https://env.example')
    monkeypatch.setenv('PUDDLE_api_key_id', 'lower-id')
    monkeypatch.setenv('PUDDLE_API_SECRET_KEY', 'env-secret')
    settings = puddle_systems.parse_arguments({})
    assert (settings['server_address'], settings['api_key_id'], settings['api_secret_key']) == (
        'https://env.example', 'lower-id', 'env-secret')
    monkeypatch.setenv('PUDDLE_API_KEY_ID', 'upper-id')
    assert puddle_systems.parse_arguments({})['api_key_id'] == 'upper-id'
    assert puddle_systems.parse_arguments({'api_key_id': 'given'})['api_key_id'] == 'given'


def test_defaults():
    settings = puddle_systems.parse_arguments(dict(CONNECTION, eda_feedback_queue=object()))
    assert settings['interval'] == 60
    assert settings['idle_warning_minutes'] == 10
    assert settings['cu_low_threshold'] is None
    assert settings['initial_events'] is True
    assert settings['validate_certs'] is True
    assert settings['api_client'] == 'builtin'
    assert (settings['names'], settings['tags']) == ([], {})


@pytest.mark.parametrize('args, message', [
    (dict(intervall=5), 'unknown argument(s) intervall'),
    (dict(interval=0), 'interval must be greater than 0'),
    (dict(interval='often'), 'interval must be a number'),
    (dict(idle_warning_minutes=-2), 'idle_warning_minutes must be at least 0'),
    (dict(cu_low_threshold=2.5), 'cu_low_threshold must be a number'),
    (dict(request_timeout=0), 'request_timeout must be greater than 0'),
    # nan and inf would disable the bound (every comparison with nan is false).
    (dict(request_timeout=float('nan')), 'request_timeout must be a finite number'),
    (dict(request_timeout='inf'), 'request_timeout must be a finite number'),
    (dict(interval=float('inf')), 'interval must be a finite number'),
    (dict(interval='nan'), 'interval must be a finite number'),
    (dict(idle_warning_minutes=float('nan')), 'idle_warning_minutes must be a finite number'),
    (dict(cu_low_threshold=float('inf')), 'cu_low_threshold must be a number'),
    (dict(validate_certs='maybe'), 'validate_certs must be a boolean'),
    (dict(names=[1]), 'names must be a list of strings'),
    (dict(tags=['project']), 'tags must be a dictionary'),
    (dict(api_client='other'), "api_client must be one of builtin, puddle_client, got 'other'"),
    (dict(api_client='puddle_client', api_key_id=None, api_secret_key=None, api_token='token-given'),
     'api_token cannot be used with api_client=puddle_client'),
    (dict(api_secret_key=None), 'api_key_id is set but api_secret_key is missing'),
    (dict(server_address=None), 'No Puddle server address'),
])
def test_wrong_arguments_are_named_before_any_request(fake, args, message):
    with pytest.raises(puddle_systems.SourceArgumentError) as raised:
        asyncio.run(puddle_systems.main(asyncio.Queue(), dict(CONNECTION, **args)))
    assert message in str(raised.value)
    assert fake.requests == []


def test_string_arguments_from_a_rulebook_are_converted():
    settings = puddle_systems.parse_arguments(dict(CONNECTION, interval='2.5', validate_certs='false',
                                                   cu_low_threshold='40', names='lab-*'))
    assert (settings['interval'], settings['validate_certs'], settings['cu_low_threshold'], settings['names']) == (
        2.5, False, 40, ['lab-*'])


def test_the_documentation_lists_every_argument_with_its_default():
    documented = yaml.safe_load(puddle_systems.DOCUMENTATION)['options']
    defaults = dict(puddle_systems.CONNECTION_DEFAULTS, **puddle_systems.WATCH_DEFAULTS)
    assert sorted(documented) == sorted(defaults)
    for name, default in defaults.items():
        if default is None:
            assert 'default' not in documented[name], name
        else:
            assert documented[name]['default'] == default, name
    assert documented['api_client']['choices'] == list(puddle_systems.API_CLIENTS)
    examples = yaml.safe_load(puddle_systems.EXAMPLES)
    example_args = examples[0]['sources'][0]['puddle.cloud.puddle_systems']
    assert set(example_args) <= set(documented)


def test_build_client_hands_every_connection_setting_to_the_client(monkeypatch):
    built = []
    monkeypatch.setitem(client_factory.CLIENT_CLASSES, 'builtin', lambda **options: built.append(options) or 'client')
    settings = puddle_systems.parse_arguments(dict(CONNECTION, validate_certs=False, ca_path='~/ca.pem',
                                                   request_timeout=5, api_client='builtin'))
    assert puddle_systems.build_client(settings) == 'client'
    assert built == [dict(CONNECTION, api_token=None, validate_certs=False, ca_path=puddle_systems.os.path.expanduser(
        '~/ca.pem'), request_timeout=5.0)]


# ----------------------------------------------------------------------------- api_client

def test_api_client_falls_back_to_the_environment_only_when_not_given(monkeypatch):
    monkeypatch.setenv('PUDDLE_API_CLIENT', 'puddle_client')
    assert puddle_systems.parse_arguments(CONNECTION)['api_client'] == 'puddle_client'
    assert puddle_systems.parse_arguments(dict(CONNECTION, api_client='builtin'))['api_client'] == 'builtin'
    monkeypatch.setenv('PUDDLE_API_CLIENT', '')
    assert puddle_systems.parse_arguments(CONNECTION)['api_client'] == 'builtin'


def test_a_wrong_api_client_from_the_environment_names_the_variable(fake, monkeypatch):
    monkeypatch.setenv('PUDDLE_API_CLIENT', 'pyclient')
    with pytest.raises(puddle_systems.SourceArgumentError) as raised:
        asyncio.run(puddle_systems.main(asyncio.Queue(), dict(CONNECTION)))
    assert str(raised.value) == ("api_client must be one of builtin, puddle_client, got 'pyclient' "
                                 '(api_client came from the PUDDLE_API_CLIENT environment variable)')
    assert fake.requests == []


def test_an_api_token_from_the_environment_with_puddle_client_ends_the_source_naming_both(fake, monkeypatch):
    monkeypatch.setenv('PUDDLE_API_TOKEN', 'token-from-env-s3cr3t')
    with pytest.raises(puddle_systems.SourceArgumentError) as raised:
        asyncio.run(puddle_systems.main(asyncio.Queue(), dict(CONNECTION, api_client='puddle_client')))
    message = str(raised.value)
    assert message.startswith('api_token cannot be used with api_client=puddle_client')
    assert message.endswith('(api_token came from the PUDDLE_API_TOKEN environment variable)')
    assert 'token-from-env-s3cr3t' not in message
    assert fake.requests == []


@pytest.fixture
def memory_puddle(monkeypatch):
    """An in-memory Puddle answering the conformance double of puddle.client (which goes on sys.path)."""
    memory = puddle_client_double.InMemoryPuddle()
    puddle_client_double.double_modules()
    monkeypatch.setattr(puddle_client_double.double_module('puddle.client._wire'), 'post', memory.post)
    return memory


def test_api_client_puddle_client_polls_through_the_python_client_adapter(memory_puddle, monkeypatch):
    memory_puddle.add(puddle_client_double.system_record('s1', 'alpha', 'started'))
    memory_puddle.add(puddle_client_double.system_record('s2', 'beta', 'stopped'))
    built = []
    real_build_client = puddle_systems.build_client
    monkeypatch.setattr(puddle_systems, 'build_client', lambda settings: built.append(real_build_client(settings)) or
                        built[-1])
    args = dict(server_address=puddle_client_double.SERVER, api_key_id='demo-key-id', api_secret_key=SECRET_KEY,
                api_client='puddle_client', interval=0.001)

    async def scenario():
        queue = asyncio.Queue()
        task = asyncio.ensure_future(puddle_systems.main(queue, args))
        deadline = time.monotonic() + PATIENCE
        while memory_puddle.calls.count('ListSystems') < 2 and not task.done():
            assert time.monotonic() < deadline, 'the source did not poll twice in {0} s'.format(PATIENCE)
            await asyncio.sleep(0.001)
        assert not task.done(), task.exception()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        events = []
        while not queue.empty():
            events.append(queue.get_nowait())
        return events

    events = asyncio.run(scenario())
    assert len(built) == 1 and isinstance(built[0], PythonClientAdapter)
    assert sorted(kinds(events)) == [('system_added', 'alpha'), ('system_added', 'beta')]
    assert events[0]['puddle']['system']['tags'] == {'project': 'churn'}
    assert memory_puddle.calls[:3] == ['Login', 'ListSystems', 'ListSystems']


def test_build_client_gives_the_adapter_for_puddle_client(memory_puddle):
    settings = puddle_systems.parse_arguments(dict(CONNECTION, api_client='puddle_client'))
    client = puddle_systems.build_client(settings)
    assert isinstance(client, PythonClientAdapter)
    assert isinstance(puddle_systems.build_client(dict(settings, api_client='builtin')), PuddleClient)


def test_a_ca_path_with_puddle_client_ends_the_source_naming_it(memory_puddle):
    args = dict(CONNECTION, api_client='puddle_client', ca_path='/etc/ssl/puddle-ca.pem')
    with pytest.raises(puddle_systems.PuddleSourceError) as raised:
        asyncio.run(puddle_systems.main(asyncio.Queue(), args))
    message = str(raised.value)
    assert message.startswith('puddle.cloud.puddle_systems: cannot set up the Puddle client: ca_path cannot be used '
                              'with api_client=puddle_client')
    assert SECRET_KEY not in message
    assert memory_puddle.calls == []
