# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventory and the event source select exactly the systems puddle_system_info lists for the same tag
filter (docs/reliability.md, "Tag filters"); the modules' side is tests/unit/plugins/modules/test_tag_filter_parity.py.
Here, on the controller side, the faces' own selection functions against the info module's filter."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.puddle.cloud.extensions.eda.plugins.event_source import puddle_systems
from ansible_collections.puddle.cloud.plugins.inventory.puddle import select_systems as inventory_selects
from ansible_collections.puddle.cloud.plugins.module_utils.puddle_info import filter_systems

TAG_NAMES = ('project', 'cost-center', 'owner')
STORED_VALUES = ('', 'c33', 'x', '42')
system_tags = st.one_of(st.none(), st.dictionaries(st.sampled_from(TAG_NAMES), st.sampled_from(STORED_VALUES)))
filters = st.dictionaries(st.sampled_from(TAG_NAMES + ('absent-everywhere',)),
                          st.one_of(st.none(), st.sampled_from(STORED_VALUES), st.text(alphabet='c3x', max_size=3)),
                          max_size=3)


def system_with(index, tags):
    system = {'id': 'id-%d' % index, 'name': 'sys-%d' % index, 'status': 'started', 'cloud': 'aws'}
    if tags is not None:  # None: the client did not report the tags (unknown): no 'tags' key
        system['tags'] = [{'name': name, 'value': value} for name, value in sorted(tags.items())]
    return system


@settings(max_examples=150, deadline=None, database=None)
@given(tag_sets=st.lists(system_tags, max_size=6), tag_filter=filters)
def test_inventory_and_event_source_select_what_the_info_module_lists(tag_sets, tag_filter):
    systems = [system_with(index, tags) for index, tags in enumerate(tag_sets)]
    listed = [system['name'] for system in filter_systems(systems, tags=tag_filter)]
    assert [system['name'] for system in inventory_selects(systems, tags=tag_filter)] == listed
    watcher = puddle_systems.SystemsWatcher(tags=tag_filter)
    events = watcher.update(systems, now=0)
    assert [event['puddle']['system']['name'] for event in events] == listed
    if tag_filter:
        unknown = set('sys-%d' % index for index, tags in enumerate(tag_sets) if tags is None)
        assert not unknown & set(listed)
