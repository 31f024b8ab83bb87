# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which attributes of a model a client reported: plain Python, no Ansible import.

The one mechanism of unknown attributes (docs/reliability.md, "Unknown attributes"): a model dict
given by a client (the builtin client's decoded answer, or the dict the conversion table of
puddle_pyclient built) simply lacks the key of an attribute the client could not read. Such an
attribute is unknown: never compared, never diffed, never returned as a value, never a reason to
act. Everything that compares or returns a model asks here, and results name the unknown
attributes of each returned model in the field UNKNOWN_FIELD.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.puddle.cloud.plugins.module_utils.tag_filters import tags_as_dict

# The field of every returned model (system, image, instance type, tag, CU consumption) that names the
# attributes the client did not report; those attributes are absent from the model.
UNKNOWN_FIELD = 'unknown_attributes'

# The attributes of each model the collection reads (docs/api.md section 3), by model kind. The conversion
# tables of puddle_pyclient have one row per name here (a unit test holds them together).
MODEL_ATTRIBUTES = {
    'system': (
        'id', 'name', 'owner', 'cloud', 'status', 'vm_status', 'product_status', 'config_toml_status', 'product',
        'version', 'image_id', 'image_name', 'instance_type', 'instance_type_id', 'cu_per_hour', 'disk_size_gb',
        'idle_interval', 'idle_deadline', 'tags', 'address', 'url', 'created', 'updated', 'can_start', 'can_stop',
        'can_restart', 'can_fail', 'can_terminate', 'can_refresh_idle_timeout', 'can_update_config_toml',
        'failure_reason'),
    'image': ('id', 'name', 'cloud', 'product', 'version', 'status'),
    'instance_type': ('id', 'name', 'cloud', 'cpu', 'memory_gb', 'gpu', 'cu_per_hour'),
    'tag': ('name', 'label', 'required', 'default_value', 'status'),
    'user': ('id', 'name', 'email'),
    'cu_consumption': ('available_cu', 'consumed_cu', 'systems_consumption_info'),
    'system_consumption': ('system_id', 'system_name', 'status', 'cu_per_hour'),
}

# Without these the collection cannot tell which object it holds or what state it is in: a client that does
# not report them is refused (a configuration error naming api_client) instead of being guessed around.
ESSENTIAL_ATTRIBUTES = {
    'system': ('id', 'name', 'status'),
    'image': ('id',),
    'instance_type': ('id',),
    'tag': ('name',),
}


# Attributes whose reported value can still be unreadable: a tags list with an entry that is not a {name, value}
# mapping is unknown as a whole (tag_filters.tags_as_dict, docs/reliability.md "Tag filters").
_READABLE = {
    'tags': lambda value: tags_as_dict(value) is not None,
}


def is_known(model, attribute):
    """Whether the client reported this attribute of the model, in a form it can be read in.

    A null value is known: it is null.
    """
    if model is None or attribute not in model:
        return False
    readable = _READABLE.get(attribute)
    return readable is None or readable(model[attribute])


def unknown_attributes(model, kind):
    """The attributes of MODEL_ATTRIBUTES[kind] the model lacks, sorted; [] for no model."""
    if model is None:
        return []
    return sorted(attribute for attribute in MODEL_ATTRIBUTES[kind] if not is_known(model, attribute))


def missing_essentials(model, kind):
    """The ESSENTIAL_ATTRIBUTES of kind the model lacks, in their order."""
    if model is None:
        return []
    return [attribute for attribute in ESSENTIAL_ATTRIBUTES.get(kind, ()) if attribute not in model]


def attribute_report(kind, models):
    """{known: [...], unknown: [...]}: the attributes of kind that every one of models reports, and the others.

    For a report of what a client can read (each list sorted). With no model at all, nothing is known.
    """
    models = [model for model in models or [] if model is not None]
    unknown = set()
    for model in models:
        unknown.update(unknown_attributes(model, kind))
    if not models:
        unknown = set(MODEL_ATTRIBUTES[kind])
    return dict(known=sorted(set(MODEL_ATTRIBUTES[kind]) - unknown), unknown=sorted(unknown))


def with_unknown(view, model, kind):
    """The returned view of a model, with UNKNOWN_FIELD naming what the model lacks (None stays None).

    An attribute reported in a form that cannot be read (is_known) is left out of the view, never returned.
    """
    if view is None:
        return None
    view = dict(view)
    view[UNKNOWN_FIELD] = unknown_attributes(model, kind)
    for attribute in view[UNKNOWN_FIELD]:
        view.pop(attribute, None)
    return view
