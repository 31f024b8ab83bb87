# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A tag entry Puddle (or a client) reports without its value, or not as a {name, value} mapping, makes the
system's tags unknown: never matched by a filter (null or a value), never returned, named in unknown_attributes."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.puddle.cloud.extensions.eda.plugins.event_source import puddle_systems
from ansible_collections.puddle.cloud.plugins.inventory.puddle import host_vars_of, select_systems
from ansible_collections.puddle.cloud.plugins.module_utils import model_attributes, puddle_info, system_spec, tag_filters

# Each makes every tag of the system unknown.
UNREADABLE_TAGS = [
    [{'name': 'env'}],                                            # the example: no value key
    [{'name': 'project', 'value': 'lab'}, {'name': 'env'}],       # one entry of several
    [{'value': 'prod'}],                                          # no name: which tag is it?
    ['env'],                                                      # a string where an entry is expected
    [None],
    [{'name': 'project', 'value': 'lab'}, None],
    'env=prod',                                                   # neither a list nor a mapping
]


def a_system(tags):
    return {'id': 'sys-1', 'name': 'web', 'status': 'started', 'tags': tags}


@pytest.mark.parametrize('tags', UNREADABLE_TAGS)
def test_an_unreadable_tag_list_is_unknown(tags):
    assert tag_filters.tags_as_dict(tags) is None
    assert tag_filters.known_tags(a_system(tags)) is None
    assert model_attributes.is_known(a_system(tags), 'tags') is False
    assert 'tags' in model_attributes.unknown_attributes(a_system(tags), 'system')


@pytest.mark.parametrize('tags', UNREADABLE_TAGS)
@pytest.mark.parametrize('tag_filter', [{'env': None}, {'env': ''}, {'env': 'prod'}, {'project': 'lab'},
                                        {'project': 'lab', 'env': None}])
def test_a_system_whose_tags_are_unknown_is_selected_by_no_filter(tags, tag_filter):
    assert tag_filters.selects(a_system(tags), tag_filter) is False
    assert puddle_info.filter_systems([a_system(tags)], tags=tag_filter) == []
    assert select_systems([a_system(tags)], tags=tag_filter) == []
    assert puddle_systems.selected(a_system(tags), [], tag_filter) is False


@pytest.mark.parametrize('tags', UNREADABLE_TAGS)
def test_the_empty_filter_still_selects_it(tags):
    assert tag_filters.selects(a_system(tags), {}) is True


@pytest.mark.parametrize('tags', UNREADABLE_TAGS)
def test_every_view_leaves_the_tags_out_and_names_them_unknown(tags):
    system = a_system(tags)
    for view in (puddle_info.system_view(system), system_spec.system_result(system)):
        assert 'tags' not in view
        assert 'tags' in view['unknown_attributes']
    event = puddle_systems.make_event(puddle_systems.SYSTEM_ADDED, system)['puddle']['system']
    assert 'tags' not in event and 'tags' in event['unknown_attributes']
    host_vars = host_vars_of(system)
    assert 'puddle_tags' not in host_vars
    assert 'tags' in host_vars['puddle_unknown_attributes']
    assert model_attributes.attribute_report('system', [system])['unknown'].count('tags') == 1


@pytest.mark.parametrize('tags, expected', [
    ([{'name': 'env', 'value': None}], {'env': None}),       # a value reported as null is known: no value
    ([{'name': 'env', 'value': 'prod'}], {'env': 'prod'}),
    ([], {}),
    (None, {}),
    ({'env': 'prod'}, {'env': 'prod'}),
])
def test_a_readable_tag_list_is_known(tags, expected):
    system = a_system(tags)
    assert tag_filters.tags_as_dict(tags) == expected
    assert puddle_info.system_view(system)['tags'] == expected
    assert 'tags' not in puddle_info.system_view(system)['unknown_attributes']


def test_a_value_reported_as_null_is_matched_by_null_and_one_without_a_value_is_not():
    assert tag_filters.selects(a_system([{'name': 'env', 'value': None}]), {'env': None}) is True
    assert tag_filters.selects(a_system([{'name': 'env'}]), {'env': None}) is False


def test_drift_leaves_unknown_tags_unchecked():
    system = a_system([{'name': 'project', 'value': 'acc'}, {'name': 'env'}])
    assert system_spec.option_known(system, 'tags', {'project': 'other'}) is False
