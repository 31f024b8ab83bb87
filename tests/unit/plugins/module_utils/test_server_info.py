# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""server_info: what a Puddle offers the collection, with sources, request counts and the attributes each client reports."""

import json
import os
import types

import pytest

from ansible_collections.puddle.cloud.plugins.module_utils import puddle_client as pc
from ansible_collections.puddle.cloud.plugins.module_utils import puddle_info, puddle_pyclient
from ansible_collections.puddle.cloud.plugins.module_utils import server_info as si
from ansible_collections.puddle.cloud.plugins.module_utils.puddle_pyclient import PythonClientAdapter
from ansible_collections.puddle.cloud.tests.unit.plugins.module_utils.fake_puddle import SERVER, FakeResponse
from ansible_collections.puddle.cloud.tests.unit.plugins.module_utils.puddle_client_double import (
    InMemoryPuddle,
    double_module,
    double_modules,
    system_record,
)

COLLECTION_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..'))
BUILTIN_READS = ['Login', 'ListTags'] + ['ListAvailableImages', 'ListAvailableInstanceTypes'] * 3 + [
    'GetCUConsumptionInfo', 'ListSystems']


def schema_properties(name):
    with open(os.path.join(COLLECTION_ROOT, 'docs', 'api-schema.json')) as handle:
        schema = json.load(handle)
    if name in schema['$defs']:
        return tuple(schema['$defs'][name]['properties'])
    return tuple(schema['methods'][name]['response']['properties'])


@pytest.mark.parametrize('kind, schema_name', [
    ('user', 'User'), ('image', 'Image'), ('instance_type', 'InstanceType'), ('tag', 'Tag'), ('system', 'System'),
    ('system_consumption', 'SystemConsumptionInfo'), ('cu_consumption', 'SystemService/GetCUConsumptionInfo'),
])
def test_the_documented_fields_are_those_of_the_contract(kind, schema_name):
    assert si.DOCUMENTED_FIELDS[kind] == schema_properties(schema_name)


def test_builtin_reported_unknown_partly_and_extra_fields():
    objects = [{'id': 'a', 'name': 'x', 'cloud': None, 'colour': 'red'}, {'id': 'b', 'cloud': 'aws'}]
    section = si.model_attributes('image', objects, si.BUILTIN, 'ImageService/ListAvailableImages')
    assert section == dict(examined=2, reported=['id', 'cloud'], unknown=['product', 'version', 'status'],
                           partly=['name'], extra=['colour'], source='ImageService/ListAvailableImages')


def test_a_model_of_which_nothing_was_seen_is_all_unknown():
    section = si.model_attributes('user', [None], si.BUILTIN, 'AuthService/Login')
    assert section['examined'] == 0
    assert section['reported'] == [] and section['partly'] == []
    assert section['unknown'] == ['id', 'name', 'email']


class PartialSystem(object):
    """A model of a client that names one attribute differently (disk_size) and lacks most."""

    def __init__(self):
        self.id = 's1'
        self.name = 'churn'
        self.disk_size = 512

    @property
    def status(self):
        return 'started'


def test_puddle_client_reports_the_conversion_tables_attributes_the_models_have():
    # The report reads the models as the adapter returns them: converted by the conversion table.
    converted = puddle_pyclient.convert(puddle_pyclient.SYSTEM_FIELDS, PartialSystem())
    section = si.model_attributes('system', [converted], si.PYTHON_CLIENT, 'SystemsClient.list')
    assert section['reported'] == ['id', 'name', 'status', 'disk_size_gb']
    assert 'idle_interval' in section['unknown'] and 'url' in section['unknown']
    assert len(section['reported']) + len(section['unknown']) == len(si.DOCUMENTED_FIELDS['system'])
    assert 'extra' not in section


@pytest.mark.parametrize('tags', [
    [{'name': 'project', 'value': 'churn'}, {'name': 'env'}],   # a tag without its value
    [{'name': 'project', 'value': 'churn'}, 'env'],              # an entry that is not a mapping
    [{'name': 'env', 'value': None}],                            # a value reported as null: known
    [],
])
def test_the_report_and_the_modules_unknown_attributes_agree(make_client, fake, tags):
    """The same answer from server_info and from every module (model_attributes on the converted models)."""
    fake.add_system('churn', tags=tags)
    client = make_client()
    result, error = si.report(client, clouds=[], api_key_id='demo-key-id')
    assert error is None
    view = puddle_info.system_view(client.list_systems()[0])
    unknown = view['unknown_attributes']
    assert ('tags' in unknown) == ('tags' in result['models']['system']['unknown'])
    assert [field for field in si.DOCUMENTED_FIELDS['system'] if field in unknown] == result['models']['system']['unknown']
    assert ('tags' in result['models']['system']['reported']) == ('tags' in view)


# ----------------------------------------------------------------------------- the builtin client

def test_the_builtin_report_reads_each_section_once_and_names_its_source(make_client, fake, clock):
    fake.latency = 0.004
    fake.add_system('churn')
    result, error = si.report(make_client(), api_key_id='demo-key-id', monotonic=clock.monotonic)
    assert error is None
    assert fake.methods() == BUILTIN_READS
    assert result['requests'] == dict(count=10, counted='HTTP requests')
    assert result['server'] == dict(address=SERVER)
    assert result['api'] == dict(answers=True, round_trip_ms=4.0, round_trip_source='AuthService/Login', error=None)
    assert result['client'] == dict(name='builtin', version=None, version_source=None, transport=None,
                                    requests_counted='HTTP requests')
    assert result['auth'] == dict(method='api_key', api_key_id='demo-key-id', source='AuthService/Login',
                                  user={'id': 'u-demo', 'name': 'demo', 'email': 'demo@example.com', 'unknown_attributes': []},
                                  token_expires_at=result['auth']['token_expires_at'])
    assert result['tags'] == dict(count=1, source='TagService/ListTags')
    assert result['clouds'][1] == dict(cloud='azure', images=1, instance_types=1, source=dict(
        images='ImageService/ListAvailableImages', instance_types='InstanceTypeService/ListAvailableInstanceTypes'))
    assert [entry['cloud'] for entry in result['clouds']] == ['aws', 'azure', 'gcp']
    assert result['cu_pool'] == dict(available_cu=1000, consumed_cu=0, size=1000, consuming_systems=0, unknown_attributes=[],
                                     source='SystemService/GetCUConsumptionInfo')
    # The fake's images carry id, cloud and status only.
    assert result['models']['image']['reported'] == ['id', 'cloud', 'status']
    assert result['models']['image']['unknown'] == ['name', 'product', 'version']
    assert result['models']['image']['examined'] == 3
    assert result['models']['system']['examined'] == 1
    assert result['models']['system']['source'] == 'SystemService/ListSystems'
    assert result['models']['system_consumption']['examined'] == 0
    assert result['errors'] == []


def test_with_a_token_there_is_no_login_and_the_user_is_unknown(make_client, fake):
    login = make_client()
    login.login()
    token = login.token
    fake.requests[:] = []
    result, error = si.report(make_client(api_key_id=None, api_secret_key=None, api_token=token), token_given=True,
                              clouds=['gcp'])
    assert error is None
    assert fake.methods() == ['ListTags', 'ListAvailableImages', 'ListAvailableInstanceTypes', 'GetCUConsumptionInfo',
                              'ListSystems']
    assert result['requests']['count'] == 5
    assert result['auth'] == dict(method='api_token', api_key_id=None, user=None, token_expires_at=None, source=None)
    assert result['models']['user']['examined'] == 0 and result['models']['user']['source'] is None
    assert token not in json.dumps(result)


def test_no_cloud_asked_means_no_catalogue_read(make_client, fake):
    result, error = si.report(make_client(), clouds=[])
    assert error is None
    assert fake.methods() == ['Login', 'ListTags', 'GetCUConsumptionInfo', 'ListSystems']
    assert result['clouds'] == []
    assert result['models']['image']['examined'] == 0 and result['models']['image']['source'] is None


def test_a_server_that_is_not_puddles_api_ends_the_report_at_the_first_request(make_client, fake):
    fake.post = lambda url, body, headers, timeout: FakeResponse(200, None, {'Content-Type': 'text/html'}, '<html></html>')
    client = make_client()
    result, error = si.report(client)
    assert isinstance(error, pc.NotPuddleApiError)
    assert client.request_count == 1
    assert result['requests']['count'] == 1
    assert result['api']['answers'] is False
    assert result['api']['error']['code'] == 'not_puddle_api'
    assert result['api']['round_trip_ms'] is None
    assert result['tags'] is None and result['clouds'] == [] and result['cu_pool'] is None


def test_refused_credentials_are_puddle_answering(make_client, fake):
    result, error = si.report(make_client(api_secret_key='wrong-secret'), api_key_id='demo-key-id')
    assert isinstance(error, pc.AuthError)
    assert fake.methods() == ['Login']
    assert result['api']['answers'] is True
    assert result['api']['error']['code'] == 'unauthenticated'
    assert 'wrong-secret' not in json.dumps(result)


def test_no_answer_is_not_an_answer(make_client, fake):
    fake.fail_next('Login', 'refused', times=20)
    result, error = si.report(make_client(max_retries=0))
    assert isinstance(error, pc.TransportError)
    assert result['api']['answers'] is False


def test_a_read_that_fails_after_others_worked_is_kept_and_the_others_go_on(make_client, fake):
    original = fake.post

    def post(url, body, headers, timeout):
        if url.endswith('/ListAvailableImages') and b'azure' in body:
            return FakeResponse(403, {'code': 'permission_denied', 'msg': 'not for you'})
        return original(url, body, headers, timeout)
    fake.post = post
    result, error = si.report(make_client())
    assert isinstance(error, pc.AuthError) and error.code == 'permission_denied'
    assert result['errors'] == [dict(section='clouds', code='permission_denied',
                                     message='ImageService/ListAvailableImages: not for you', http_status=403)]
    assert result['clouds'][1]['images'] is None and result['clouds'][1]['instance_types'] == 1
    assert result['cu_pool'] is not None
    assert result['api']['answers'] is True and result['api']['error'] is None
    assert result['requests']['count'] == 10


# ----------------------------------------------------------------------------- the python client

@pytest.fixture
def memory(monkeypatch):
    puddle = InMemoryPuddle()
    double_modules()
    monkeypatch.setattr(double_module('puddle.client._wire'), 'post', puddle.post)
    puddle.catalogue['images'] = [dict(id='img-1', name='dai', cloud='aws', product='dai', version='1.11.1', status='active')]
    puddle.catalogue['instance_types'] = [dict(id='it-1', name='m5.xlarge', cloud='aws', cpu=4, memory_gb=16, gpu=0,
                                               cu_per_hour=4)]
    puddle.catalogue['tags'] = [dict(name='project', label='Project', required=True, default_value='', status='active')]
    return puddle


def test_the_python_client_report_reads_the_models_through_the_package(memory, monkeypatch):
    monkeypatch.setattr(si, 'python_client_version', lambda: ('1.7.11', 'importlib.metadata (distribution puddle)'))
    memory.add(system_record('s1', 'churn', 'started'))
    client = PythonClientAdapter(SERVER, api_key_id='demo-key-id', api_secret_key='demo-secret-key')
    result, error = si.report(client, clouds=['aws'], api_key_id='demo-key-id')
    assert error is None
    assert memory.calls == ['Login', 'ListTags', 'ListAvailableImages', 'ListAvailableInstanceTypes',
                            'GetCUConsumptionInfo', 'ListSystems']
    assert result['client']['name'] == 'puddle_client'
    assert result['client']['version'] == '1.7.11'
    assert result['client']['version_source'] == 'importlib.metadata (distribution puddle)'
    # Calls into the package: the login, then a constructor and a read per client (the SystemsClient serves two reads).
    assert result['requests']['count'] == 10
    assert result['auth']['user'] == {'id': 'user-demo', 'name': 'demo', 'email': 'demo@example.com', 'unknown_attributes': []}
    assert result['auth']['source'] == 'Authorizer.login, Authorizer.user'
    assert result['clouds'] == [dict(cloud='aws', images=1, instance_types=1, source=dict(
        images='ImagesClient.list_available', instance_types='InstanceTypesClient.list_available'))]
    assert result['cu_pool'] == dict(available_cu=100, consumed_cu=4, size=104, consuming_systems=1, unknown_attributes=[],
                                     source='SystemsClient.get_cu_consumption_info')
    for kind in si.MODEL_KINDS:
        model = result['models'][kind]
        assert model['examined'] >= 1, kind
        assert model['reported'] == list(si.DOCUMENTED_FIELDS[kind]), kind
        assert model['unknown'] == [], kind


def few_attributes(*names):
    class FewAttributes(object):
        def __init__(self, data):
            for name in names:
                setattr(self, name, data[name])

        @classmethod
        def from_wire(cls, data):
            return None if data is None else cls(data)
    return FewAttributes


def test_the_python_client_attributes_a_model_lacks_are_unknown(memory, monkeypatch):
    monkeypatch.setattr(double_module('puddle.client.clients'), 'System', few_attributes('id', 'name', 'status'))
    memory.add(system_record('s1', 'churn', 'started'))
    client = PythonClientAdapter(SERVER, api_key_id='demo-key-id', api_secret_key='demo-secret-key')
    result, error = si.report(client, clouds=[])
    assert error is None
    assert result['models']['system']['reported'] == ['id', 'name', 'status']
    assert 'tags' in result['models']['system']['unknown']
    assert 'idle_interval' in result['models']['system']['unknown']


def test_a_python_client_without_an_essential_attribute_is_named_and_refused(memory, monkeypatch):
    # Without a system's status the collection cannot converge (model_attributes.ESSENTIAL_ATTRIBUTES):
    # the report stops with the configuration error that names the attribute and the way out.
    monkeypatch.setattr(double_module('puddle.client.clients'), 'System', few_attributes('id', 'name'))
    memory.add(system_record('s1', 'churn', 'started'))
    client = PythonClientAdapter(SERVER, api_key_id='demo-key-id', api_secret_key='demo-secret-key')
    _result, error = si.report(client, clouds=[])
    assert error is not None
    assert 'no status of a system model' in str(error)
    assert 'api_client=builtin' in str(error)


# ----------------------------------------------------------------------------- the version of puddle.client

def fake_metadata(distributions, versions):
    return types.SimpleNamespace(packages_distributions=lambda: distributions, version=lambda name: versions[name])


def test_the_version_comes_from_the_installed_distribution_first():
    metadata = fake_metadata({'puddle': ['h2o-puddle']}, {'h2o-puddle': '1.7.11'})
    modules = {'puddle.client': types.SimpleNamespace(__version__='0.0.1')}
    assert si.python_client_version(metadata, modules) == ('1.7.11', 'importlib.metadata (distribution h2o-puddle)')


def test_the_version_falls_back_to_the_modules_version_attribute():
    metadata = fake_metadata({'other': ['x']}, {})
    assert si.python_client_version(metadata, {'puddle.client': types.SimpleNamespace(__version__='1.2.0')}) == (
        '1.2.0', 'puddle.client.__version__')
    assert si.python_client_version(metadata, {'puddle': types.SimpleNamespace(__version__='1.2.1')}) == (
        '1.2.1', 'puddle.__version__')


def test_an_unknown_version_is_none():
    assert si.python_client_version(fake_metadata({}, {}), {}) == (None, None)
    assert si.python_client_version(types.SimpleNamespace(), {'puddle.client': types.SimpleNamespace()}) == (None, None)


def test_the_double_of_the_tests_reads_as_an_installed_distribution():
    double_modules()  # the double's folder on sys.path, with its dist-info
    assert si.python_client_version() == ('0.1.0', 'importlib.metadata (distribution puddle-client-double)')


def test_an_answer_the_python_client_cannot_decode_is_not_puddles_api(memory):
    # json.loads of a web page, inside the package: not a refused setting (ValueError) but the wrong server.
    memory.errors['Login'] = json.JSONDecodeError('Expecting value', '<html></html>', 0)
    client = PythonClientAdapter(SERVER + '/site', api_key_id='demo-key-id', api_secret_key='demo-secret-key')
    result, error = si.report(client, api_key_id='demo-key-id')
    assert isinstance(error, pc.NotPuddleApiError)
    assert error.code == 'not_puddle_api'
    assert error.message.startswith("Puddle's Python client got an answer from {0}/site that is not Puddle's API "
                                    '(not JSON: Expecting value'.format(SERVER))
    assert 'check server_address' in error.message
    assert result['api']['answers'] is False
    assert memory.calls == ['Login']


def test_a_cu_figure_the_answer_lacks_is_unknown_not_zero(make_client, fake, monkeypatch):
    # Before: a consumption answer without systems_consumption_info reported consuming_systems 0.
    monkeypatch.setattr(fake, '_rpc_GetCUConsumptionInfo', lambda body, user: fake._ok({'available_cu': 990}))
    result, error = si.report(make_client(), clouds=[], api_key_id='demo-key-id')
    assert error is None
    assert result['cu_pool'] == dict(available_cu=990, size=None, source='SystemService/GetCUConsumptionInfo',
                                     unknown_attributes=['consumed_cu', 'consuming_systems'])
