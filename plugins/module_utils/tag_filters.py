# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one meaning of a tag filter in puddle.cloud (docs/reliability.md, "Tag filters").

A tag filter is a dict tag name -> value. Every face that selects systems by tags calls
``selects`` (or ``select_systems``): the info module's ``tags``, puddle_fleet's ``prune_tags``,
the inventory's ``tags`` and the event source's ``tags``. So a filter copied from an info task
into a prune selector terminates exactly the systems the info task lists, never more.

- A system is selected when, for every name of the filter, the text of its tag equals the text of
  the filter's value. Values compare as text (42 matches '42'), the way they are stored.
- A null (or empty) value means "no value", the empty string, as puddle.cloud.puddle_system stores
  a null tag value: it matches a system whose tag is empty or that does not carry the tag, never
  one whose tag has a value. There is no "any value" form: to select regardless of a tag, leave
  the tag out of the filter.
- An empty filter (or none) selects every system.
- A system whose tags are unknown (the client did not report them: the system dict has no
  ``tags`` key, or it is null) is never selected by a non-empty filter: nothing is known that
  could match, and an unknown value is never a reason to act (terminate, list, raise an event).

No Ansible and no HTTP imports.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# The value of a tag given as null, and of a tag a system does not carry.
NO_VALUE = ''


def tag_text(value):
    """A tag value as text: null is the empty string; any other value as ansible-core converts a str option."""
    if value is None:
        return NO_VALUE
    if isinstance(value, str):
        return value
    return str(value)


def known_tags(system):
    """The system's tags as name -> value, or None when they are unknown (no ``tags`` key).

    A ``tags`` sent as null is known, and empty: the rule of model_attributes (an attribute reported as null is
    known), so the info modules, drift and the filters read one system alike.

    Puddle's answer holds the tags as [{name, value}]; an already converted name -> value dict is read too.
    """
    if not isinstance(system, dict) or 'tags' not in system:
        return None
    tags = system['tags']
    if tags is None:
        return {}
    if isinstance(tags, dict):
        return dict(tags)
    return dict((tag.get('name'), tag.get('value')) for tag in tags)


def selects(system, tag_filter):
    """Whether the tag filter selects the system (see the module's docstring for the rules)."""
    if not tag_filter:
        return True
    tags = known_tags(system)
    if tags is None:
        return False
    for name, wanted in tag_filter.items():
        if tag_text(tags.get(tag_text(name))) != tag_text(wanted):
            return False
    return True


def select_systems(systems, tag_filter):
    """The systems the tag filter selects, in their order."""
    return [system for system in systems if selects(system, tag_filter)]
