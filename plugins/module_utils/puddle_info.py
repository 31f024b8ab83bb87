# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Client-side filtering shared by the puddle.cloud info modules.

Each info module makes one listing call and narrows the answer here: the contract has no
server-side filters, and pure functions are simple to test.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import env_fallback

from ansible_collections.puddle.cloud.plugins.module_utils import tag_filters
from ansible_collections.puddle.cloud.plugins.module_utils.model_attributes import (
    is_known,
    with_unknown,
)

CLOUD_CHOICES = ['aws', 'azure', 'gcp']
IMAGE_PRODUCT_CHOICES = ['dai', 'h2o3']
IMAGE_STATUS_CHOICES = ['active', 'deprecated', 'creating', 'failed']
SYSTEM_STATUS_CHOICES = ['provisioning', 'starting', 'started', 'stopping', 'stopped',
                         'restarting', 'failed', 'terminating', 'terminated']
TAG_STATUS_CHOICES = ['active', 'disabled']


def cloud_argument_spec():
    """The ``cloud`` option of the modules that list a cloud's catalogue."""
    return dict(type='str', required=True, choices=CLOUD_CHOICES, fallback=(env_fallback, ['PUDDLE_CLOUD']))


def matches(item, field, accepted):
    """True when ``accepted`` is empty/None (no filter) or the item's field is one of them.

    A field the client does not report never matches a filter: nothing shows that it holds an accepted value.
    """
    if not accepted:
        return True
    return is_known(item, field) and item[field] in accepted


def select(items, **accepted_by_field):
    """Items whose every named field holds one of the accepted values (None/empty = any)."""
    return [item for item in items
            if all(matches(item, field, accepted) for field, accepted in accepted_by_field.items())]


def _as_list(value):
    if value is None:
        return None
    if isinstance(value, (list, tuple, set)):
        return list(value)
    return [value]


def filter_images(images, product=None, version=None, status=None):
    return select(images, product=_as_list(product), version=_as_list(version), status=_as_list(status))


def filter_instance_types(instance_types, name=None):
    return select(instance_types, name=_as_list(name))


def filter_tags(tags, name=None, status=None):
    return select(tags, name=_as_list(name), status=_as_list(status))


# [{'name': n, 'value': v}, ...] -> {n: v}, None when unreadable: the one conversion (tag_filters.py).
tags_as_dict = tag_filters.tags_as_dict


# The one tag filter of the collection (tag_filters.py): a null value means "no value", and a system whose
# tags are unknown is never selected. Kept under these names for the faces that import them from here.
tag_text = tag_filters.tag_text
has_tags = tag_filters.selects


def filter_systems(systems, status=None, tags=None):
    """Systems in one of ``status`` (any when empty) that carry all ``tags``."""
    return [system for system in select(systems, status=_as_list(status)) if has_tags(system, tags)]


def system_view(system):
    """A system as the modules return it: every field Puddle sent, tags as a name -> value dict
    (the shape puddle.cloud.puddle_system returns too), and unknown_attributes naming the fields the
    client did not report (left out, never returned empty)."""
    view = with_unknown(system, system, 'system')
    if is_known(system, 'tags'):
        view['tags'] = tags_as_dict(system['tags'])
    return view


def model_views(models, kind):
    """Catalogue entries (images, instance types, tags) as returned: each with unknown_attributes."""
    return [with_unknown(model, model, kind) for model in models]


def cu_consumption_view(info):
    """GetCUConsumptionInfo as returned: the fields the client reported, each level with unknown_attributes."""
    view = with_unknown(info or {}, info or {}, 'cu_consumption')
    if is_known(view, 'systems_consumption_info'):
        view['systems_consumption_info'] = model_views(view['systems_consumption_info'] or [], 'system_consumption')
    return view
