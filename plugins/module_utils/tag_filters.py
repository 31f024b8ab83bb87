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
  ``tags`` key) is never selected by a non-empty filter: nothing is known that could match, and an
  unknown value is never a reason to act (terminate, list, raise an event).
- A tags list with an entry that is not a {name, value} mapping (an entry without its ``value`` or
  ``name`` key, or a string or null in the list) makes the system's tags unknown, as a missing
  ``tags`` key does: reading it as "no value" would let a null filter select (and prune terminate)
  a system whose value nobody knows, and leaving the entry out would read as "the system does not
  carry that tag". ``tags_as_dict`` is the one conversion; model_attributes asks it too, so such a
  system names ``tags`` in its unknown_attributes.

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


def tags_as_dict(tags):
    """Tags as reported ([{name, value}], or an already converted name -> value dict) as name -> value.

    None when they cannot be read: an entry that is not a mapping with both a ``name`` and a ``value`` key (or
    a ``tags`` that is neither a list nor a mapping) makes every tag of the system unknown. A ``tags`` sent as
    null is known, and empty: the rule of model_attributes (an attribute reported as null is known).
    """
    if tags is None:
        return {}
    if isinstance(tags, dict):
        return dict(tags)
    if not isinstance(tags, (list, tuple)):
        return None
    if not all(isinstance(tag, dict) and 'name' in tag and 'value' in tag for tag in tags):
        return None
    return dict((tag['name'], tag['value']) for tag in tags)


def known_tags(system):
    """The system's tags as name -> value, or None when they are unknown (no ``tags`` key, or unreadable).

    The info modules, drift and the filters read one system alike (tags_as_dict).
    """
    if not isinstance(system, dict) or 'tags' not in system:
        return None
    return tags_as_dict(system['tags'])


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
