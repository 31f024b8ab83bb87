# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One meaning of a tag filter (docs/reliability.md, "Tag filters"): puddle_fleet's prune_tags selects exactly
the systems puddle_system_info lists with the same tags filter (the inventory and the event source: see
tests/unit/plugins/inventory/test_tag_filter_selection.py).

Both modules run for real (argument parsing, the fleet's plan in check mode, the info module's filter) against
the method-level fake of PuddleClient; Hypothesis generates the filters and the systems' tags.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.puddle.cloud.plugins.modules import puddle_fleet, puddle_system_info
from ansible_collections.puddle.cloud.tests.unit.plugins.modules.fake_systems_client import (
    FakeSystemsClient,
    make_system,
)

TAG_NAMES = ('project', 'cost-center', 'owner')
# A name no system carries: a filter may name a tag that is absent everywhere.
FILTER_NAMES = TAG_NAMES + ('absent-everywhere',)
STORED_VALUES = ('', 'c33', 'x', '42')

stored_tags = st.dictionaries(st.sampled_from(TAG_NAMES), st.sampled_from(STORED_VALUES))
# None: the client did not report the system's tags (unknown): the system dict has no 'tags' key.
system_tags = st.one_of(st.none(), stored_tags)
filter_values = st.one_of(st.none(), st.sampled_from(STORED_VALUES), st.text(alphabet='c3x', max_size=3))
filters = st.dictionaries(st.sampled_from(FILTER_NAMES), filter_values, min_size=1, max_size=3)


def system_with(index, tags):
    system = make_system('sys-%d' % index, 'started')
    if tags is None:
        del system['tags']
    else:
        system['tags'] = [{'name': name, 'value': value} for name, value in sorted(tags.items())]
    return system


def pruned_names(run_module, systems, tag_filter, check_mode=True):
    result, _output = run_module(puddle_fleet.main, FakeSystemsClient(systems),
                                 dict(systems=[], prune=True, prune_tags=tag_filter, poll_interval=1),
                                 check_mode=check_mode)
    assert 'failed' not in result, result
    entries = result['systems']
    assert all(entry['pruned'] for entry in entries)
    return sorted(entry['name'] for entry in entries)


def listed_names(run_module, systems, tag_filter):
    result, _output = run_module(puddle_system_info.main, FakeSystemsClient(systems), dict(tags=tag_filter))
    assert 'failed' not in result, result
    return sorted(system['name'] for system in result['systems'])


@settings(max_examples=60, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(tag_sets=st.lists(system_tags, max_size=6), tag_filter=filters)
def test_prune_selects_exactly_what_the_info_module_lists(run_module, tag_sets, tag_filter):
    systems = [system_with(index, tags) for index, tags in enumerate(tag_sets)]
    listed = listed_names(run_module, systems, tag_filter)
    assert pruned_names(run_module, systems, tag_filter) == listed
    # A system whose tags are unknown is never selected.
    unknown = set('sys-%d' % index for index, tags in enumerate(tag_sets) if tags is None)
    assert not unknown & set(listed)


def test_a_null_value_means_no_value_for_prune_as_for_the_info_module(run_module):
    # The example: prune_tags {project: c33, cost-center: null} pruned three systems while the info
    # module listed one. Now both select only the system whose cost-center has no value.
    systems = [
        system_with(1, {'project': 'c33', 'cost-center': 'rnd'}),
        system_with(2, {'project': 'c33', 'cost-center': 'ops'}),
        system_with(3, {'project': 'c33', 'cost-center': ''}),
        system_with(4, {'project': 'c33'}),
    ]
    tag_filter = {'project': 'c33', 'cost-center': None}
    assert listed_names(run_module, systems, tag_filter) == ['sys-3', 'sys-4']
    assert pruned_names(run_module, systems, tag_filter) == ['sys-3', 'sys-4']


def test_a_system_whose_tags_are_unknown_is_never_pruned_by_tags(run_module):
    fake = FakeSystemsClient([system_with(1, None), system_with(2, {'project': 'c33'})])
    result, _output = run_module(puddle_fleet.main, fake, dict(systems=[], prune=True, prune_tags={'project': 'c33'},
                                                               poll_interval=1))
    assert [entry['name'] for entry in result['systems']] == ['sys-2']
    assert [system['name'] for system in fake.list_systems()] == ['sys-1']


@pytest.mark.parametrize('tag_filter', [{'cost-center': None}, {'cost-center': ''}, {'project': 'c33'}])
def test_a_system_whose_tags_are_unknown_is_not_listed_by_a_tag_filter(run_module, tag_filter):
    assert listed_names(run_module, [system_with(1, None)], tag_filter) == []


def test_without_a_tag_filter_a_system_whose_tags_are_unknown_is_listed(run_module):
    result, _output = run_module(puddle_system_info.main, FakeSystemsClient([system_with(1, None)]), {})
    assert [system['name'] for system in result['systems']] == ['sys-1']
