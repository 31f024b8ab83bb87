# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""api_client=puddle_client: the conversion table row by row, and the adapter driving the double of
puddle.client (its HTTP replaced by an in-memory Puddle), with string and with enum statuses."""

import datetime
import enum
import types

import pytest

from ansible_collections.puddle.cloud.plugins.module_utils import puddle_pyclient
from ansible_collections.puddle.cloud.plugins.module_utils.client_factory import make_client
from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import (
    AuthError,
    ConfigurationError,
    PreconditionFailedError,
    PuddleClient,
    SystemFailedError,
    TransportError,
    UnsupportedOperationError,
    ValidationFailedError,
    WaitTimeoutError,
)
from ansible_collections.puddle.cloud.plugins.module_utils.puddle_module import connection_options_problem
from ansible_collections.puddle.cloud.plugins.module_utils.puddle_pyclient import (
    CU_CONSUMPTION_FIELDS,
    IMAGE_FIELDS,
    INSTANCE_TYPE_FIELDS,
    SYSTEM_CONSUMPTION_FIELDS,
    SYSTEM_FIELDS,
    TAG_FIELDS,
    USER_FIELDS,
    MissingPythonClientError,
    PythonClientAdapter,
    convert,
)
from ansible_collections.puddle.cloud.tests.unit.plugins.module_utils.puddle_client_double import (
    SERVER,
    InMemoryPuddle,
    double_module,
    double_modules,
    system_record,
)

TABLES = dict(system=SYSTEM_FIELDS, image=IMAGE_FIELDS, instance_type=INSTANCE_TYPE_FIELDS, tag=TAG_FIELDS,
              user=USER_FIELDS, system_consumption=SYSTEM_CONSUMPTION_FIELDS)


class Color(enum.Enum):
    STARTED = 3


class Named(object):
    def __init__(self, identifier):
        self.id = identifier


class Tagged(object):
    def __init__(self, name, value):
        self.name = name
        self.value = value


# For each conversion: a model value and the field value it must give.
SAMPLES = {
    puddle_pyclient.text: ('abc', 'abc'),
    puddle_pyclient.integer: ('7', 7),
    puddle_pyclient.boolean: (1, True),
    puddle_pyclient.status_text: (Color.STARTED, 'started'),
    puddle_pyclient.id_text: (Named('gcp'), 'gcp'),
    puddle_pyclient.timestamp: (datetime.datetime(2026, 11, 25, 12, 0, 0, 5, tzinfo=datetime.timezone.utc),
                                '2026-11-25T12:00:00Z'),
    puddle_pyclient.tag_list: ([Tagged('b', 2), Tagged('a', None)], [{'name': 'a', 'value': ''}, {'name': 'b', 'value': '2'}]),
}
ROWS = [(table, field, name, conversion) for table, rows in sorted(TABLES.items())
        for field, names, conversion in rows for name in names]


@pytest.mark.parametrize('table, field, attribute, conversion', ROWS,
                         ids=['{0}.{1}<-{2}'.format(row[0], row[1], row[2]) for row in ROWS])
def test_each_row_of_the_conversion_table(table, field, attribute, conversion):
    given, expected = SAMPLES[conversion]
    converted = convert(TABLES[table], types.SimpleNamespace(**{attribute: given}))
    assert converted[field] == expected
    # Every other field is missing from that model: None (tags: an empty list), never an error.
    others = dict((name, value) for name, value in converted.items() if name != field)
    assert all(value in (None, []) for value in others.values())


def test_cu_consumption_row_converts_each_system():
    info = types.SimpleNamespace(available_cu=10, consumed_cu=4, systems_consumption_info=[
        types.SimpleNamespace(system_id='s1', system_name='a', status='STARTED', cu_per_hour=4)])
    assert convert(CU_CONSUMPTION_FIELDS, info) == dict(available_cu=10, consumed_cu=4, systems_consumption_info=[
        dict(system_id='s1', system_name='a', status='started', cu_per_hour=4)])
    assert convert(CU_CONSUMPTION_FIELDS, types.SimpleNamespace())['systems_consumption_info'] == []


@pytest.mark.parametrize('given, expected', [
    ('started', 'started'), ('STARTED', 'started'), ('Status.STOPPED', 'stopped'), (Color.STARTED, 'started'),
    (types.SimpleNamespace(value='failed'), 'failed'), (None, None),
])
def test_status_text_accepts_strings_and_enum_like_objects(given, expected):
    assert puddle_pyclient.status_text(given) == expected


def test_timestamp_of_unix_time_and_naive_datetime():
    assert puddle_pyclient.timestamp(0) == '1970-01-01T00:00:00Z'
    assert puddle_pyclient.timestamp(datetime.datetime(2026, 1, 2, 3, 4, 5)) == '2026-01-02T03:04:05Z'


# ----------------------------------------------------------------------------- the adapter on the double

class SleepRecorder(object):
    def __init__(self):
        self.slept = []

    def __call__(self, seconds):
        self.slept.append(seconds)


@pytest.fixture
def puddle(monkeypatch):
    memory = InMemoryPuddle()
    double_modules()
    monkeypatch.setattr(double_module('puddle.client._wire'), 'post', memory.post)
    return memory


@pytest.fixture
def sleep():
    return SleepRecorder()


@pytest.fixture
def adapter(puddle, sleep):
    return PythonClientAdapter(SERVER, api_key_id='demo-key-id', api_secret_key='demo-secret-key', sleep=sleep)


class EnumSystem(object):
    """The variant: statuses are enum members, and only some attributes exist."""

    class Status(enum.Enum):
        PROVISIONING = 1
        STARTED = 2
        STOPPED = 3
        FAILED = 4
        TERMINATED = 5
        WARMING_UP = 6  # unknown to the collection

    class ConfigTomlStatus(enum.Enum):
        NONE = 0

    def __init__(self, data):
        self.id = data['id']
        self.name = data['name']
        self.status = self.Status[data['status'].upper()]
        self.failure_reason = data.get('failure_reason')

    @classmethod
    def from_wire(cls, data):
        return None if data is None else cls(data)


@pytest.fixture
def enum_variant(monkeypatch, puddle):
    monkeypatch.setattr(double_module('puddle.client.clients'), 'System', EnumSystem)


def test_a_system_read_through_the_double(adapter, puddle):
    puddle.add(system_record('s1', 'churn', 'started'))
    system = adapter.find_system_by_name('churn')
    assert system == system_record('s1', 'churn', 'started')
    assert puddle.calls == ['Login', 'FindSystemByName']


def test_enum_statuses_and_missing_attributes(adapter, puddle, enum_variant):
    puddle.add(system_record('s1', 'churn', 'stopped', failure_reason='disk full'))
    system = adapter.get_system('s1')
    assert system['status'] == 'stopped' and system['failure_reason'] == 'disk full'
    assert system['cloud'] is None and system['config_toml_status'] is None and system['tags'] == []


def test_an_unknown_status_is_waited_out(adapter, puddle, enum_variant, sleep):
    puddle.add(system_record('s1', 'churn', 'warming_up'))
    puddle.script['s1'] = ['warming_up', 'warming_up', 'started']
    assert adapter.find_system_by_name('churn')['status'] == 'started'
    assert puddle.calls.count('GetSystem') == 3 and sleep.slept == [5.0, 5.0, 5.0]


def test_wait_until_stable_uses_the_clients_waits_and_never_raises_on_failed(adapter, puddle, enum_variant):
    puddle.add(system_record('s1', 'churn', 'provisioning'))
    puddle.script['s1'] = ['provisioning', 'provisioning', 'failed']
    assert adapter.wait_until_stable('s1', timeout=5, poll_interval=0.001)['status'] == 'failed'


def test_an_action_returns_the_system_as_it_is_after_it(adapter, puddle):
    puddle.add(system_record('s1', 'churn', 'stopped'))
    assert adapter.start_system('s1')['status'] == 'starting'
    assert puddle.calls[-2:] == ['StartSystem', 'GetSystem']


def test_a_refused_action_is_a_precondition_failure(adapter, puddle):
    wire = double_module('puddle.client._wire')
    puddle.add(system_record('s1', 'churn', 'stopped'))
    puddle.errors['RestartSystem'] = wire.WireError('failed_precondition', 'cannot restart a stopped system')
    with pytest.raises(PreconditionFailedError, match='cannot restart'):
        adapter.restart_system('s1')


def test_a_refused_action_already_done_succeeds(adapter, puddle):
    wire = double_module('puddle.client._wire')
    puddle.add(system_record('s1', 'churn', 'stopping'))
    puddle.errors['StopSystem'] = wire.WireError('failed_precondition', 'already stopping')
    assert adapter.stop_system('s1')['status'] == 'stopping'


def test_waiting_for_started_that_fails(adapter, puddle):
    puddle.add(system_record('s1', 'churn', 'starting', failure_reason='quota'))
    puddle.script['s1'] = ['starting', 'failed']
    with pytest.raises(SystemFailedError, match='churn entered failed while waiting for started: quota') as caught:
        adapter.wait_for_system_started('s1', timeout=5, poll_interval=0.001)
    assert caught.value.system['status'] == 'failed'


def test_waiting_past_the_timeout(adapter, puddle):
    puddle.add(system_record('s1', 'churn', 'starting'))
    with pytest.raises(WaitTimeoutError, match='still starting') as caught:
        adapter.wait_for_system_started('s1', timeout=0, poll_interval=0.001)
    assert caught.value.system['status'] == 'starting'


def test_waiting_for_terminated_ends_when_the_system_is_gone(adapter, puddle):
    puddle.add(system_record('s1', 'churn', 'terminating'))
    puddle.script['s1'] = ['terminating', 'terminated']
    assert adapter.wait_for_system_terminated('s1', timeout=5, poll_interval=0.001)['status'] == 'terminated'


def test_validation_and_auth_errors_are_typed(adapter, puddle):
    wire = double_module('puddle.client._wire')
    with pytest.raises(ValidationFailedError, match='lowercase'):
        adapter.create_system('Bad_Name', 'aws', product='dai', version='1.11.1', instance_type_name='m5.xlarge')
    puddle.errors['Login'] = wire.WireError('unauthenticated', 'wrong API key')
    with pytest.raises(AuthError, match='wrong API key; check api_key_id and api_secret_key'):
        adapter.list_systems()


def test_connection_failures_of_reads_are_retried(adapter, puddle, sleep):
    puddle.errors['ListSystems'] = ConnectionError('refused')
    with pytest.raises(TransportError, match=r'gave up after 11 attempts'):
        adapter.list_systems()
    assert len(sleep.slept) == 10


def test_the_secret_never_reaches_a_message(adapter, puddle):
    puddle.errors['ListSystems'] = RuntimeError('key demo-secret-key refused')
    with pytest.raises(Exception) as caught:
        adapter.list_systems()
    assert 'demo-secret-key' not in str(caught.value)


def test_missing_credentials_are_a_configuration_error(puddle):
    with pytest.raises(ConfigurationError, match='API key') as caught:
        PythonClientAdapter(SERVER).list_systems()
    assert caught.value.field == 'api_key_id'


def test_reading_a_config_toml_back_is_refused_naming_the_option(adapter):
    with pytest.raises(UnsupportedOperationError, match='api_client=builtin, or force=true') as caught:
        adapter.get_config_toml('s1')
    assert caught.value.field == 'api_client'


@pytest.mark.parametrize('option, value', [('api_token', 'a-token'), ('ca_path', '/etc/ca.pem')])
def test_options_the_python_client_lacks_fail_before_any_request(puddle, option, value):
    with pytest.raises(ConfigurationError, match='api_client') as caught:
        PythonClientAdapter(SERVER, api_key_id='k', api_secret_key='s', **{option: value})
    assert caught.value.field == option and puddle.calls == []


def test_an_absent_package_names_the_option_the_package_and_the_wheel():
    def importer(name):
        raise ImportError('No module named {0!r}'.format(name))
    with pytest.raises(MissingPythonClientError) as caught:
        puddle_pyclient.import_python_client(importer)
    message = caught.value.message
    assert 'api_client=puddle_client' in message and 'puddle.client' in message and 'wheel' in message
    assert caught.value.field == 'api_client'


def test_the_factory_chooses_the_client():
    assert isinstance(make_client('builtin', server_address=SERVER, api_key_id='k', api_secret_key='s'), PuddleClient)
    assert isinstance(make_client(None, server_address=SERVER, api_key_id='k', api_secret_key='s'), PuddleClient)
    with pytest.raises(ConfigurationError, match='api_client must be one of builtin, puddle_client'):
        make_client('grpc', server_address=SERVER)


def test_connection_options_with_the_python_client():
    base = dict(server_address=SERVER, api_key_id=None, api_secret_key=None, api_token=None, api_client='puddle_client')
    assert connection_options_problem(base) is None  # the client reads its own environment
    assert connection_options_problem(dict(base, api_token='t'))[0] == 'api_token'
    assert connection_options_problem(dict(base, api_client='builtin'))[0] == 'api_key_id'
