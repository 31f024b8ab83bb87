# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.puddle.cloud.plugins.module_utils import puddle_info

IMAGES = [
    {'id': 'aws-dai-1.10.6', 'name': 'Driverless AI 1.10.6', 'cloud': 'aws', 'product': 'dai', 'version': '1.10.6', 'status': 'active'},
    {'id': 'aws-dai-1.11.1', 'name': 'Driverless AI 1.11.1', 'cloud': 'aws', 'product': 'dai', 'version': '1.11.1', 'status': 'active'},
    {'id': 'aws-dai-1.9.3', 'name': 'Driverless AI 1.9.3', 'cloud': 'aws', 'product': 'dai', 'version': '1.9.3', 'status': 'deprecated'},
    {'id': 'aws-h2o3-3.46.0.1', 'name': 'H2O-3 3.46.0.1', 'cloud': 'aws', 'product': 'h2o3', 'version': '3.46.0.1', 'status': 'active'},
    {'id': 'aws-dai-0.0.1', 'name': 'Broken', 'cloud': 'aws', 'product': 'dai', 'version': '0.0.1', 'status': 'failed'},
]


def ids(items, key='id'):
    return [item[key] for item in items]


def test_no_filter_returns_everything_in_order():
    assert puddle_info.filter_images(IMAGES) == IMAGES


def test_images_by_product_and_status():
    result = puddle_info.filter_images(IMAGES, product='dai', status=['active', 'deprecated'])
    assert ids(result) == ['aws-dai-1.10.6', 'aws-dai-1.11.1', 'aws-dai-1.9.3']


def test_images_by_version_list():
    assert ids(puddle_info.filter_images(IMAGES, version=['1.11.1', '3.46.0.1'])) == ['aws-dai-1.11.1', 'aws-h2o3-3.46.0.1']


def test_images_filters_combine_with_and():
    assert puddle_info.filter_images(IMAGES, product='h2o3', version=['1.11.1']) == []


def test_empty_filter_list_means_no_filter():
    assert puddle_info.filter_images(IMAGES, status=[]) == IMAGES


def test_instance_types_by_name():
    types = [{'name': 'm5.xlarge'}, {'name': 'm5.4xlarge'}, {'name': 'p3.2xlarge'}]
    assert ids(puddle_info.filter_instance_types(types, name=['p3.2xlarge', 'm5.xlarge']), 'name') == ['m5.xlarge', 'p3.2xlarge']
    assert puddle_info.filter_instance_types(types, name=['nope']) == []


def test_tags_by_name_and_status():
    tags = [{'name': 'project', 'status': 'active'}, {'name': 'legacy', 'status': 'disabled'}, {'name': 'cost-center', 'status': 'active'}]
    assert ids(puddle_info.filter_tags(tags, status=['active']), 'name') == ['project', 'cost-center']
    assert ids(puddle_info.filter_tags(tags, name=['legacy']), 'name') == ['legacy']


SYSTEMS = [
    {'id': 's1', 'status': 'started', 'tags': [{'name': 'cost-center', 'value': 'rnd'}, {'name': 'project', 'value': 'alpha'}]},
    {'id': 's2', 'status': 'stopped', 'tags': [{'name': 'project', 'value': 'alpha'}]},
    {'id': 's3', 'status': 'started', 'tags': [{'name': 'project', 'value': 'beta'}]},
    {'id': 's4', 'status': 'failed', 'tags': []},
]


def test_systems_by_status():
    assert ids(puddle_info.filter_systems(SYSTEMS, status=['started', 'failed'])) == ['s1', 's3', 's4']


def test_systems_tags_all_must_match():
    assert ids(puddle_info.filter_systems(SYSTEMS, tags={'project': 'alpha'})) == ['s1', 's2']
    assert ids(puddle_info.filter_systems(SYSTEMS, tags={'project': 'alpha', 'cost-center': 'rnd'})) == ['s1']
    assert ids(puddle_info.filter_systems(SYSTEMS, tags={'project': 'gamma'})) == []


def test_a_null_tag_value_means_no_value_as_when_puddle_system_sets_it():
    systems = SYSTEMS + [{'id': 's5', 'status': 'started', 'tags': [{'name': 'cost-center', 'value': ''}]}]
    # s1 has cost-center=rnd: a value, so it does not match; s5 has it empty, the others lack it.
    assert ids(puddle_info.filter_systems(systems, tags={'cost-center': None})) == ['s2', 's3', 's4', 's5']
    assert ids(puddle_info.filter_systems(systems, tags={'cost-center': ''})) == ['s2', 's3', 's4', 's5']
    assert ids(puddle_info.filter_systems(systems, tags={'cost-center': None, 'project': 'alpha'})) == ['s2']


def test_systems_tag_values_compare_as_strings():
    systems = [{'id': 'n', 'status': 'started', 'tags': [{'name': 'build', 'value': '42'}]}]
    assert ids(puddle_info.filter_systems(systems, tags={'build': 42})) == ['n']


def test_systems_status_and_tags_combine():
    assert ids(puddle_info.filter_systems(SYSTEMS, status=['stopped'], tags={'project': 'alpha'})) == ['s2']


def test_tags_as_dict():
    assert puddle_info.tags_as_dict([{'name': 'a', 'value': '1'}, {'name': 'b', 'value': ''}]) == {'a': '1', 'b': ''}
    assert puddle_info.tags_as_dict(None) == {}


def test_cloud_argument_spec_has_env_fallback_and_choices():
    spec = puddle_info.cloud_argument_spec()
    assert spec['required'] is True
    assert spec['choices'] == ['aws', 'azure', 'gcp']
    assert spec['fallback'][1] == ['PUDDLE_CLOUD']


def test_tags_sent_as_null_are_known_and_empty_for_the_view_and_the_filter_alike():
    # One meaning (model_attributes, tag_filters): a null attribute is known; only an absent one is unknown.
    with_null = {'id': 's1', 'name': 'a', 'status': 'started', 'tags': None}
    without = {'id': 's2', 'name': 'b', 'status': 'started'}
    assert puddle_info.system_view(with_null)['tags'] == {}
    assert 'tags' not in puddle_info.system_view(with_null)['unknown_attributes']
    assert 'tags' in puddle_info.system_view(without)['unknown_attributes']
    assert ids(puddle_info.filter_systems([with_null, without], tags={'project': None})) == ['s1']
    assert ids(puddle_info.filter_systems([with_null, without], tags={'project': 'x'})) == []
