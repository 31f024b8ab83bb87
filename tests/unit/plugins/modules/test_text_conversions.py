# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""No silent change of a declared value (docs/reliability.md, "Conversions"): a value YAML typed where text is
expected is converted as ansible-core converts a str option, with a warning naming the option and the stored text;
a mapping or a list where text is expected is refused before any request. The modules run for real."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible.module_utils.common import warnings as ansible_warnings

from ansible_collections.puddle.cloud.plugins.module_utils import text_conversions
from ansible_collections.puddle.cloud.plugins.modules import (
    puddle_config_toml,
    puddle_fleet,
    puddle_images_info,
    puddle_system,
    puddle_system_info,
)
from ansible_collections.puddle.cloud.tests.unit.plugins.modules import fake_systems_client
from ansible_collections.puddle.cloud.tests.unit.plugins.modules.fake_systems_client import FakeSystemsClient

CREATE = dict(name='sys', cloud='aws', product='dai', version='1.11.1', instance_type='m5.xlarge')


@pytest.fixture(autouse=True)
def no_earlier_warnings(monkeypatch):
    """A module's warnings are process-wide in ansible-core; each task here runs in this one process.

    Once a controller-side plugin was imported in the process (another test's inventory), ansible-core 2.19+ would
    send the warnings to the controller's display instead of the result: these tests are a module's run.
    """
    try:
        from ansible.module_utils import _internal
        monkeypatch.setattr(_internal, 'is_controller', False)
    except ImportError:  # ansible-core < 2.19
        pass
    ansible_warnings._global_warnings.clear()
    yield
    ansible_warnings._global_warnings.clear()


def warning_texts(result):
    """The task's warnings as text (a string each, or since ansible-core 2.19 a warning summary with its event)."""
    texts = []
    for warning in result.get('warnings', []):
        if isinstance(warning, dict):
            warning = (warning.get('event') or {}).get('msg', json.dumps(warning))
        texts.append(warning)
    return texts


def expected_warning(path, kind, value, text):
    return ("%s: the YAML %s %s was converted to the text '%s', which is what is sent. YAML types an unquoted value "
            "before the task sees it, so what was written may already be lost (1.10 is read as 1.1, yes as True): "
            "quote the value in YAML (for example '1.10' rather than 1.10) to send exactly what was written."
            % (path, kind, value, text))


@pytest.fixture
def release_tags(monkeypatch):
    """Puddle defines the tags of the issue's example: release and enabled."""
    monkeypatch.setattr(fake_systems_client, 'TAGS', fake_systems_client.TAGS + [
        {'name': 'release', 'label': 'Release', 'required': False, 'default_value': '', 'status': 'active'},
        {'name': 'enabled', 'label': 'Enabled', 'required': False, 'default_value': '', 'status': 'active'},
    ])


def test_tag_values_typed_by_yaml_are_stored_as_text_with_a_warning_each(run_module, release_tags):
    # The example: tags {release: 1.10, enabled: true} stored '1.1' and 'True' without a word.
    fake = FakeSystemsClient()
    tags = {'project': 'demo', 'release': 1.10, 'enabled': True}
    result, _output = run_module(puddle_system.main, fake, dict(CREATE, tags=tags))
    assert 'failed' not in result, result
    created = [call for call in fake.calls if call[0] == 'create_system'][0][2]
    assert created['tags'] == {'project': 'demo', 'release': '1.1', 'enabled': 'True'}
    assert result['system']['tags']['release'] == '1.1'
    warnings = warning_texts(result)
    assert expected_warning('tags.release', 'float', '1.1', '1.1') in warnings
    assert expected_warning('tags.enabled', 'boolean', 'True', 'True') in warnings
    assert len(warnings) == 2


def test_a_quoted_value_sends_what_was_written_without_a_warning(run_module, release_tags):
    fake = FakeSystemsClient()
    result, _output = run_module(puddle_system.main, fake, dict(CREATE, tags={'project': 'demo', 'release': '1.10'}))
    created = [call for call in fake.calls if call[0] == 'create_system'][0][2]
    assert created['tags']['release'] == '1.10'
    assert warning_texts(result) == []


def test_a_null_tag_value_is_no_value_not_a_conversion(run_module):
    result, _output = run_module(puddle_system_info.main, FakeSystemsClient(), dict(tags={'cost-center': None}))
    assert warning_texts(result) == []


def test_a_version_typed_as_a_float_is_warned_about(run_module):
    # version: 1.10 would ask for Driverless AI 1.1; the warning says what was sent and to quote it.
    result, _output = run_module(puddle_system.main, FakeSystemsClient(), dict(CREATE, version=1.10, tags={'project': 'x'}),
                                 check_mode=True)
    assert expected_warning('version', 'float', '1.1', '1.1') in warning_texts(result)
    assert result['failure']['field'] == 'version'  # no image 1.1: the text that was sent is the one named


def test_the_paths_of_the_fleet_name_the_option_as_written(run_module):
    args = dict(defaults=dict(cloud='aws', product='dai', version=1.11, instance_type='m5.xlarge', tags={'project': 7}),
                systems=[dict(name='a'), dict(name='b', tags={'cost-center': 2026})], prune=True, prune_tags={'project': 7})
    result, _output = run_module(puddle_fleet.main, FakeSystemsClient(), args, check_mode=True)
    warnings = warning_texts(result)
    assert expected_warning('defaults.version', 'float', '1.11', '1.11') in warnings
    assert expected_warning('defaults.tags.project', 'integer', '7', '7') in warnings
    assert expected_warning('systems[1].tags.cost-center', 'integer', '2026', '2026') in warnings
    assert expected_warning('prune_tags.project', 'integer', '7', '7') in warnings


def test_list_elements_are_checked_too(run_module):
    result, _output = run_module(puddle_images_info.main, FakeSystemsClient(), dict(cloud='aws', version=[1.10, '1.11.1']))
    assert warning_texts(result) == [expected_warning('version[0]', 'float', '1.1', '1.1')]


@pytest.mark.parametrize('main, args, path, kind', [
    (puddle_config_toml.main, dict(system='sys', content={'authentication_method': 'local'}), 'content', 'mapping'),
    (puddle_system.main, dict(CREATE, tags={'project': ['a', 'b']}), 'tags.project', 'list'),
    (puddle_system.main, dict(CREATE, version=['1.11.1']), 'version', 'list'),
])
def test_a_mapping_or_a_list_where_text_is_expected_is_refused_before_any_request(run_module, main, args, path, kind):
    fake = FakeSystemsClient()
    result, _output = run_module(main, fake, args)
    assert result['failed'] is True
    assert (result['failure']['field'], result['failure']['rule']) == (path, 'type')
    assert result['msg'].startswith('%s must be text, got a %s' % (path, kind))
    assert fake.calls == []


@pytest.mark.parametrize('main, args, path, shown', [
    # wait_timeout: .inf used to fail with "Module failed: cannot convert Infinity to integer" (ansible-core's
    # OverflowError), naming no option.
    (puddle_system.main, dict(CREATE, wait_timeout=float('inf')), 'wait_timeout', 'inf'),
    (puddle_system.main, dict(CREATE, disk_size_gb='-Infinity'), 'disk_size_gb', '-Infinity'),
    (puddle_config_toml.main, dict(system='sys', content='a = 1', wait_timeout=float('-inf')), 'wait_timeout', '-inf'),
    (puddle_fleet.main, dict(systems=[dict(CREATE), dict(CREATE, name='b', idle_interval=float('inf'))]),
     'systems[1].idle_interval', 'inf'),
])
def test_an_int_option_given_an_infinity_is_refused_naming_it_before_any_request(run_module, main, args, path, shown):
    fake = FakeSystemsClient()
    result, _output = run_module(main, fake, args)
    assert result['failed'] is True
    assert (result['failure']['field'], result['failure']['rule']) == (path, 'type')
    assert result['msg'].startswith('%s must be a whole number, got %s' % (path, shown))
    assert fake.calls == []


def test_not_a_finite_number_reads_floats_and_text_but_not_other_values():
    assert [text_conversions.not_a_finite_number(value) for value in (
        float('inf'), float('nan'), 'Infinity', '-inf', 'NaN', 1200, 1.5, '1200', '.inf', True, None)] == [
        True, True, True, True, True, False, False, False, False, False, False]


def test_a_secret_typed_by_yaml_is_converted_without_showing_it(run_module):
    result, output = run_module(puddle_system_info.main, FakeSystemsClient(), dict(api_secret_key=123456789))
    warnings = warning_texts(result)
    assert any(warning.startswith('api_secret_key: a YAML integer was converted to text') for warning in warnings)
    assert '123456789' not in output


def test_the_tag_filter_check_of_the_inventory_and_event_source():
    found = text_conversions.check_tag_filter('tags', {'release': 1.10, 'project': 'x', 'owner': None, 3: 'y'})
    assert expected_warning('tags.release', 'float', '1.1', '1.1') in found.warnings
    assert any(warning.startswith("tags: the tag name 3 (a YAML integer) was converted to the text '3'")
               for warning in found.warnings)
    assert len(found.warnings) == 2 and found.refusals == []
    refused = text_conversions.check_tag_filter('tags', {'project': {'a': 1}})
    assert refused.refusals[0][0] == 'tags.project'
