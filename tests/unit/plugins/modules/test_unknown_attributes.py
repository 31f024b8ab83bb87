# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a client does not report is unknown, not empty (issue 19.1, docs/reliability.md "Unknown attributes").

The conversion table is walked: for each attribute in turn, Puddle's Python client (the double) lacks it, and a
system that is as declared converges with changed false, no drift and no recreate, returns the attribute as
unknown (absent and named in unknown_attributes), and the info modules do the same.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
from ansible.module_utils.common import warnings as ansible_warnings

from ansible_collections.puddle.cloud.extensions.eda.plugins.event_source.puddle_systems import SystemsWatcher
from ansible_collections.puddle.cloud.plugins.module_utils import puddle_pyclient
from ansible_collections.puddle.cloud.plugins.module_utils.model_attributes import (
    ESSENTIAL_ATTRIBUTES,
    MODEL_ATTRIBUTES,
    attribute_report,
    unknown_attributes,
)
from ansible_collections.puddle.cloud.plugins.module_utils.puddle_pyclient import PythonClientAdapter
from ansible_collections.puddle.cloud.plugins.module_utils.system_spec import RETURNED_FIELDS
from ansible_collections.puddle.cloud.plugins.modules import (
    puddle_fleet,
    puddle_images_info,
    puddle_instance_types_info,
    puddle_system,
    puddle_system_info,
    puddle_tags_info,
)
from ansible_collections.puddle.cloud.tests.unit.plugins.module_utils.puddle_client_double import (
    SERVER,
    InMemoryPuddle,
    double_module,
    double_modules,
    system_record,
    without_attributes,
)
from ansible_collections.puddle.cloud.tests.unit.plugins.modules.fake_systems_client import SECRET_KEY

# The system the in-memory Puddle holds (system_record), declared in both forms of the image.
BY_IMAGE = dict(name='acc', cloud='aws', image='img-1', instance_type='m5.xlarge', disk_size_gb=256, idle_interval=60,
                tags={'project': 'churn'})
BY_PRODUCT = dict(BY_IMAGE, image=None, product='dai', version='1.11.1')
# The declared option a lacking attribute leaves unchecked, per form (image and instance_type match by id or name:
# image img-1 is the image_id, instance_type m5.xlarge the name, so only those two leave them unchecked).
UNCHECKED = {
    'cloud': 'cloud', 'image_id': 'image', 'instance_type': 'instance_type', 'product': 'product', 'version': 'version',
    'disk_size_gb': 'disk_size_gb', 'idle_interval': 'idle_interval', 'tags': 'tags',
}
SYSTEM_ATTRIBUTES = [name for name in MODEL_ATTRIBUTES['system'] if name not in ESSENTIAL_ATTRIBUTES['system']]
IMAGES = [dict(id='img-1', name='dai-1.11.1', cloud='aws', product='dai', version='1.11.1', status='active')]
INSTANCE_TYPES = [dict(id='it-1', name='m5.xlarge', cloud='aws', cpu=4, memory_gb=16, gpu=0, cu_per_hour=4)]
TAGS = [dict(name='project', label='Project', required=True, default_value='', status='active')]


@pytest.fixture
def puddle(monkeypatch):
    memory = InMemoryPuddle()
    double_modules()
    monkeypatch.setattr(double_module('puddle.client._wire'), 'post', memory.post)
    memory.catalogue = {'images': IMAGES, 'instance_types': INSTANCE_TYPES, 'tags': TAGS}
    return memory


@pytest.fixture
def run(run_module, puddle):
    def run_with_python_client(main, check_mode=False, **args):
        adapter = PythonClientAdapter(SERVER, api_key_id='demo-key-id', api_secret_key=SECRET_KEY,
                                      sleep=lambda seconds: None)
        args = dict((key, value) for key, value in args.items() if value is not None)
        # ansible-core keeps the warnings of a process: each run here must show only its own.
        ansible_warnings._global_warnings.clear()  # pylint: disable=protected-access
        result, dummy = run_module(main, adapter, args, check_mode=check_mode, diff=True)
        return result
    return run_with_python_client


def warnings(result):
    """The texts of the task's warnings (ansible-core 2.19+ returns them as structured summaries)."""
    return [item if isinstance(item, str) else item['event']['msg'] for item in result.get('warnings', [])]


def changes(puddle):
    return [method for method in puddle.calls if method not in (
        'Login', 'GetSystem', 'FindSystemByName', 'ListSystems', 'ListAvailableImages', 'ListAvailableInstanceTypes',
        'ListTags', 'GetCUConsumptionInfo')]


# ----------------------------------------------------------------------------- the table and the report

@pytest.mark.parametrize('kind, table', [
    ('system', puddle_pyclient.SYSTEM_FIELDS), ('image', puddle_pyclient.IMAGE_FIELDS),
    ('instance_type', puddle_pyclient.INSTANCE_TYPE_FIELDS), ('tag', puddle_pyclient.TAG_FIELDS),
    ('user', puddle_pyclient.USER_FIELDS), ('cu_consumption', puddle_pyclient.CU_CONSUMPTION_FIELDS),
    ('system_consumption', puddle_pyclient.SYSTEM_CONSUMPTION_FIELDS),
])
def test_the_conversion_tables_read_the_attributes_the_collection_knows(kind, table):
    assert tuple(row[0] for row in table) == MODEL_ATTRIBUTES[kind]


def test_attribute_report_tells_known_and_unknown_per_model():
    full = dict((name, None) for name in MODEL_ATTRIBUTES['image'])
    partial = dict(full)
    del partial['status']
    assert attribute_report('image', [full, partial]) == dict(
        known=sorted(set(MODEL_ATTRIBUTES['image']) - {'status'}), unknown=['status'])
    assert attribute_report('image', []) == dict(known=[], unknown=sorted(MODEL_ATTRIBUTES['image']))


def test_a_null_attribute_is_known_and_a_missing_one_unknown():
    converted = puddle_pyclient.convert(puddle_pyclient.IMAGE_FIELDS, dict(id='i', name=None))
    assert converted == dict(id='i', name=None)
    assert unknown_attributes(converted, 'image') == ['cloud', 'product', 'status', 'version']


def test_a_tag_without_a_value_attribute_makes_the_tags_unknown_not_empty(puddle, monkeypatch):
    without_attributes(monkeypatch, 'TagData.value')
    puddle.add(system_record('s1', 'acc', 'started'))
    adapter = PythonClientAdapter(SERVER, api_key_id='demo-key-id', api_secret_key='x')
    system = adapter.get_system('s1')
    assert 'tags' not in system and unknown_attributes(system, 'system') == ['tags']


@pytest.mark.parametrize('attribute', ESSENTIAL_ATTRIBUTES['system'])
def test_a_client_without_an_essential_attribute_is_refused_naming_it(run, puddle, monkeypatch, attribute):
    without_attributes(monkeypatch, 'System.' + attribute)
    puddle.add(system_record('s1', 'acc', 'started'))
    result = run(puddle_system.main, **BY_IMAGE)
    assert result['failed'] is True and result['changed'] is False
    assert result['failure']['code'] == 'configuration' and result['failure']['field'] == 'api_client'
    assert attribute in result['msg']
    assert changes(puddle) == []


# ----------------------------------------------------------------------------- puddle_system walks the table

@pytest.mark.parametrize('recreate', [False, True])
@pytest.mark.parametrize('declaration', [BY_IMAGE, BY_PRODUCT], ids=['image', 'product'])
@pytest.mark.parametrize('attribute', SYSTEM_ATTRIBUTES)
def test_a_system_as_declared_converges_whatever_attribute_the_client_lacks(
        run, puddle, monkeypatch, attribute, declaration, recreate):
    without_attributes(monkeypatch, 'System.' + attribute)
    puddle.add(system_record('s1', 'acc', 'started'))
    for check_mode in (True, False):
        result = run(puddle_system.main, check_mode=check_mode, recreate=recreate, **declaration)
        assert 'failed' not in result, result
        assert (result['changed'], result['actions'], result['adopted']) == (False, [], [])
        assert 'drift' not in result
        system = result['system']
        assert attribute not in system and system['unknown_attributes'] == (
            [attribute] if attribute in RETURNED_FIELDS else [])
        option = UNCHECKED.get(attribute)
        if option is not None and declaration.get(option) is not None:
            assert len(warnings(result)) == 1
            assert option in warnings(result)[0] and 'cannot be checked' in warnings(result)[0]
            assert option not in result['diff']['before'] and option not in result['diff']['after']
        else:
            assert warnings(result) == []
    assert changes(puddle) == []


def test_the_example_tags_and_idle_interval_unknown_never_drift_nor_recreate(run, puddle, monkeypatch):
    # issue 19.1: created with tags and idle_interval through a client whose System lacks both attributes.
    without_attributes(monkeypatch, 'System.tags', 'System.idle_interval')
    declaration = dict(BY_IMAGE, tags={'project': 'acc'}, poll_interval=0.001)
    puddle.script['s1'] = ['started']
    first = run(puddle_system.main, **declaration)
    assert first['changed'] is True and first['actions'] == ['create']
    assert puddle.systems['s1']['tags'] == [{'name': 'project', 'value': 'acc'}]  # Puddle holds them
    assert puddle.systems['s1']['idle_interval'] == 60
    for recreate in (False, True):
        again = run(puddle_system.main, recreate=recreate, **declaration)
        assert (again['changed'], again['actions']) == (False, [])
        assert 'drift' not in again and 'failed' not in again
        assert again['system']['unknown_attributes'] == ['idle_interval', 'tags']
        assert 'tags' not in again['system'] and 'idle_interval' not in again['system']
        assert warnings(again) == [
            'System acc: idle_interval, tags cannot be checked, because the client does not report them (unknown '
            'attributes are never compared, so they cause no drift and no recreate)']
    assert changes(puddle) == ['CreateSystem']


def test_a_known_attribute_still_drifts(run, puddle, monkeypatch):
    without_attributes(monkeypatch, 'System.tags')
    puddle.add(system_record('s1', 'acc', 'started', disk_size_gb=512))
    result = run(puddle_system.main, **BY_IMAGE)
    assert result['failed'] is True and result['failure']['code'] == 'drift'
    assert result['drift'] == [{'attribute': 'disk_size_gb', 'current': 512, 'declared': 256}]


# ----------------------------------------------------------------------------- puddle_fleet

@pytest.mark.parametrize('attribute', SYSTEM_ATTRIBUTES)
def test_a_fleet_as_declared_converges_whatever_attribute_the_client_lacks(run, puddle, monkeypatch, attribute):
    without_attributes(monkeypatch, 'System.' + attribute)
    puddle.add(system_record('s1', 'acc', 'started'))
    for check_mode in (True, False):
        result = run(puddle_fleet.main, check_mode=check_mode, systems=[dict(BY_IMAGE, recreate=True)])
        assert 'failed' not in result, result
        assert result['changed'] is False and result['systems'][0]['actions'] == []
        assert 'drift' not in result['systems'][0]
        assert attribute not in result['systems'][0]['system']
        option = UNCHECKED.get(attribute)
        if option is not None and BY_IMAGE.get(option) is not None:
            assert len(warnings(result)) == 1 and 'acc (%s)' % option in warnings(result)[0]
        else:
            assert warnings(result) == []
    assert changes(puddle) == []


def test_prune_by_tags_never_selects_a_system_whose_tags_are_unknown(run, puddle, monkeypatch):
    without_attributes(monkeypatch, 'System.tags')
    puddle.add(system_record('s1', 'other', 'started'))  # carries project=churn on Puddle
    result = run(puddle_fleet.main, prune=True, prune_tags={'project': 'churn'}, systems=[])
    assert result['changed'] is False and result['summary']['pruned'] == 0
    assert changes(puddle) == []


# ----------------------------------------------------------------------------- the info modules

@pytest.mark.parametrize('attribute', SYSTEM_ATTRIBUTES)
def test_system_info_returns_an_attribute_the_client_lacks_as_unknown(run, puddle, monkeypatch, attribute):
    without_attributes(monkeypatch, 'System.' + attribute)
    puddle.add(system_record('s1', 'acc', 'started'))
    result = run(puddle_system_info.main, name='acc')
    system = result['systems'][0]
    assert attribute not in system and system['unknown_attributes'] == [attribute]


def test_system_info_with_unknown_tags_matches_no_tag_filter(run, puddle, monkeypatch):
    without_attributes(monkeypatch, 'System.tags')
    puddle.add(system_record('s1', 'acc', 'started'))
    assert run(puddle_system_info.main, tags={'project': 'churn'})['systems'] == []
    assert run(puddle_system_info.main, tags={'project': None})['systems'] == []


@pytest.mark.parametrize('model, attribute', [('CUConsumptionInfo', name) for name in MODEL_ATTRIBUTES['cu_consumption']]
                         + [('SystemConsumptionInfo', name) for name in MODEL_ATTRIBUTES['system_consumption']])
def test_cu_consumption_returns_an_attribute_the_client_lacks_as_unknown(run, puddle, monkeypatch, model, attribute):
    without_attributes(monkeypatch, '%s.%s' % (model, attribute))
    puddle.add(system_record('s1', 'acc', 'started'))
    info = run(puddle_system_info.main, cu_consumption=True)['cu_consumption']
    if model == 'CUConsumptionInfo':
        assert attribute not in info and info['unknown_attributes'] == [attribute]
    else:
        item = info['systems_consumption_info'][0]
        assert attribute not in item and item['unknown_attributes'] == [attribute]


CATALOGUE = [(puddle_images_info.main, 'Image', 'image', 'images', dict(cloud='aws')),
             (puddle_instance_types_info.main, 'InstanceType', 'instance_type', 'instance_types', dict(cloud='aws')),
             (puddle_tags_info.main, 'Tag', 'tag', 'tags', dict())]


@pytest.mark.parametrize('main, model, kind, key, args, attribute', [
    (main, model, kind, key, args, attribute) for main, model, kind, key, args in CATALOGUE
    for attribute in MODEL_ATTRIBUTES[kind] if attribute not in ESSENTIAL_ATTRIBUTES[kind]])
def test_catalogue_info_returns_an_attribute_the_client_lacks_as_unknown(
        run, puddle, monkeypatch, main, model, kind, key, args, attribute):
    without_attributes(monkeypatch, '%s.%s' % (model, attribute))
    if kind != 'tag':
        puddle.catalogue[key] = [dict(item, cloud='aws') for item in puddle.catalogue[key]]
    items = run(main, **args)[key]
    if attribute == 'cloud':
        # The double filters by cloud on the server side; the entry is still listed, without its cloud.
        assert items
    assert items and attribute not in items[0] and items[0]['unknown_attributes'] == [attribute]


@pytest.mark.parametrize('attribute', ['status', 'product'])
def test_an_image_filter_never_matches_an_unknown_value(run, puddle, monkeypatch, attribute):
    without_attributes(monkeypatch, 'Image.' + attribute)
    assert run(puddle_images_info.main, cloud='aws', **{attribute: ['active'] if attribute == 'status' else 'dai'})[
        'images'] == []


def test_creation_from_an_image_whose_status_is_unknown_is_left_to_puddle(run, puddle, monkeypatch):
    without_attributes(monkeypatch, 'Image.status')
    puddle.script['s1'] = ['started']
    result = run(puddle_system.main, poll_interval=0.001, **BY_IMAGE)
    assert result['actions'] == ['create'] and 'failed' not in result


# ----------------------------------------------------------------------------- the event source

def test_the_event_source_never_warns_of_an_unknown_idle_deadline_nor_selects_by_unknown_tags():
    system = dict((name, None) for name in MODEL_ATTRIBUTES['system'])
    system.update(id='s1', name='acc', status='started')
    del system['idle_deadline']
    watcher = SystemsWatcher(idle_warning_minutes=10.0)
    events = watcher.update([system], now=0)
    assert [event['puddle']['event'] for event in events] == ['system_added']
    assert events[0]['puddle']['system']['unknown_attributes'] == ['idle_deadline']
    del system['tags']
    assert SystemsWatcher(tags={'project': None}).update([system], now=0) == []
