# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a declared system is and how it compares with a real one.

The rules puddle.cloud.puddle_system applies to one declaration, kept apart from the module so
that every face that declares systems (puddle_system, a fleet) applies the same ones: option
rules that need no request (docs/api.md, section "Validation"), the catalogue look-ups that
turn options into a CreateSystem request, tag completion with Puddle's defaults, and drift of
the attributes Puddle fixes at creation.

No Ansible and no HTTP imports: plain functions over dicts, raising the client's typed errors.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import re

from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import (
    ADOPTED_ALREADY_EXISTS,
    ADOPTED_ANSWER_LOST,
    PuddleError,
    ValidationFailedError,
)
from ansible_collections.puddle.cloud.plugins.module_utils import tag_filters
from ansible_collections.puddle.cloud.plugins.module_utils.option_ranges import RULE as RANGE_RULE, seconds_problem
from ansible_collections.puddle.cloud.plugins.module_utils.model_attributes import (
    UNKNOWN_FIELD,
    is_known,
    unknown_attributes,
)
from ansible_collections.puddle.cloud.plugins.module_utils.system_transitions import (
    ABSENT,
    DECLARED_STATES,
    STEP_OUTCOMES,
    current_status,
)


NAME_PATTERN = re.compile(r'^[a-z0-9][a-z0-9-]*$')
NAME_MAX_LENGTH = 64
DISK_SIZE_RANGE = (256, 1024)
IDLE_INTERVAL_RANGE = (1, 240)
TAG_VALUE_MAX_LENGTH = 256
DEFAULT_DISK_SIZE_GB = 256
DEFAULT_IDLE_INTERVAL = 60
USABLE_IMAGE_STATUSES = ('active', 'deprecated')
# The value of a tag given as null, and of a tag a system does not carry (tag_filters.py, one meaning of null).
NO_VALUE = tag_filters.NO_VALUE

# The options of one system declaration, as an argument spec (a plain dict): puddle_system's options that
# describe a system, and those of each entry of puddle_fleet's systems (its defaults take them all but name).
# No defaults here: puddle_system sets DECLARATION_DEFAULTS in its spec, while a fleet applies them when it
# merges a declaration over its defaults, so that an option left out of a declaration can come from them.
DECLARATION_SPEC = dict(
    name=dict(type='str', required=True),
    state=dict(type='str', choices=list(DECLARED_STATES)),
    cloud=dict(type='str', choices=['aws', 'azure', 'gcp']),
    image=dict(type='str'),
    product=dict(type='str', choices=['dai', 'h2o3']),
    version=dict(type='str'),
    instance_type=dict(type='str'),
    disk_size_gb=dict(type='int'),
    idle_interval=dict(type='int'),
    tags=dict(type='dict'),
    recreate=dict(type='bool'),
    refresh_idle_timeout=dict(type='bool'),
)
DECLARATION_OPTIONS = tuple(DECLARATION_SPEC)
# What a declaration means by an option it leaves out (when a fleet's defaults do not give it either).
DECLARATION_DEFAULTS = dict(state='started', recreate=False, refresh_idle_timeout=False)

# Wire field names of CreateSystem -> the option a user wrote.
OPTION_OF_FIELD = {
    'name': 'name',
    'cloud': 'cloud',
    'image_id': 'image',
    'product': 'product',
    'version': 'version',
    'instance_type_id': 'instance_type',
    'instance_type_name': 'instance_type',
    'disk_size_gb': 'disk_size_gb',
    'idle_interval': 'idle_interval',
    'tags': 'tags',
}

# Options Puddle fixes at creation, in the order they are compared.
IMMUTABLE_OPTIONS = ('cloud', 'image', 'product', 'version', 'instance_type', 'disk_size_gb', 'idle_interval', 'tags')
# Options that name a catalogue entry by id or by name: the system fields they match (the first is shown).
ALIASED_FIELDS = {
    'image': ('image_id', 'image_name'),
    'instance_type': ('instance_type', 'instance_type_id'),
}

# docs/api.md section 7: the VM and product statuses that go with each status.
SUB_STATUSES = {
    'provisioning': ('provisioning', 'none'),
    'starting': ('starting', 'starting'),
    'started': ('running', 'running'),
    'stopping': ('stopping', 'stopping'),
    'stopped': ('stopped', 'stopped'),
    'restarting': ('running', 'restarting'),
    'failed': ('failed', 'failed'),
    'terminating': ('terminating', 'none'),
}
# docs/api.md section 2: the statuses in which each action is allowed (can_* flags).
ALLOWED_IN = {
    'can_start': ('stopped',),
    'can_stop': ('started', 'failed'),
    'can_restart': ('started',),
    'can_fail': ('provisioning', 'stopping'),
    'can_terminate': ('started', 'stopped', 'failed'),
    'can_refresh_idle_timeout': ('started',),
    'can_update_config_toml': ('started',),
}
# Values only Puddle can give (ids, times, addresses, its wording): check mode cannot predict them.
PUDDLE_ASSIGNED_FIELDS = ('id', 'url', 'address', 'created', 'updated', 'idle_deadline', 'failure_reason')

RETURNED_FIELDS = (
    'id', 'name', 'cloud', 'status', 'vm_status', 'product_status', 'config_toml_status', 'url', 'address',
    'product', 'version', 'image_id', 'image_name', 'instance_type', 'instance_type_id', 'cu_per_hour',
    'disk_size_gb', 'idle_interval', 'idle_deadline', 'tags', 'created', 'updated', 'failure_reason',
    'can_start', 'can_stop', 'can_restart', 'can_fail', 'can_terminate', 'can_refresh_idle_timeout',
    'can_update_config_toml',
)


def declaration_spec(with_name=True, defaults=None):
    """A fresh copy of DECLARATION_SPEC for a module's argument spec, without name unless with_name, with defaults."""
    spec = copy.deepcopy(DECLARATION_SPEC)
    if not with_name:
        del spec['name']
    for option, value in (defaults or {}).items():
        spec[option]['default'] = value
    return spec


def invalid_option(option, rule, message):
    """The error for a declared option that breaks a rule of the contract, naming both."""
    return ValidationFailedError('%s (rule %s)' % (message, rule), meta={'field': option, 'rule': rule})


def system_result(system):
    """The returned view of a system: its documented fields, tags as a dict, nothing else.

    A field the client did not report is left out, and named in unknown_attributes (model_attributes).
    """
    if not system:
        return None
    result = dict((field, system[field]) for field in RETURNED_FIELDS if is_known(system, field))
    if 'tags' in result:
        result['tags'] = tags_as_dict(system['tags'])
    result[UNKNOWN_FIELD] = [field for field in unknown_attributes(system, 'system') if field in RETURNED_FIELDS]
    return result


def validate_declared_options(params):
    """Check the rules that need no request; a broken one raises ValidationFailedError naming the option."""
    name = params['name']
    if len(name) > NAME_MAX_LENGTH:
        raise invalid_option('name', 'max_length', 'name must have at most %d characters' % NAME_MAX_LENGTH)
    if not NAME_PATTERN.match(name):
        raise invalid_option('name', 'pattern', 'name must match %s (lower-case letters, digits and hyphens)' % NAME_PATTERN.pattern)
    for option, (low, high) in (('disk_size_gb', DISK_SIZE_RANGE), ('idle_interval', IDLE_INTERVAL_RANGE)):
        value = params[option]
        if value is not None and not low <= value <= high:
            raise invalid_option(option, 'range', '%s must be from %d to %d, got %d' % (option, low, high, value))
    # Checked here because the client would only refuse them at the first wait, after a request.
    # A bound that is not a finite number (nan, inf) would disable it (option_ranges).
    for option in ('wait_timeout', 'poll_interval'):
        problem = seconds_problem(option, params[option])
        if problem is not None:
            raise invalid_option(option, RANGE_RULE, problem)
    for tag_name, value in sorted((params['tags'] or {}).items()):
        if len(value) > TAG_VALUE_MAX_LENGTH:
            raise invalid_option('tags.%s' % tag_name, 'max_length',
                                 'tags.%s must have at most %d characters' % (tag_name, TAG_VALUE_MAX_LENGTH))


def validate_creation_options(params):
    """The options creation needs; the first one missing raises ValidationFailedError."""
    if not params['cloud']:
        raise invalid_option('cloud', 'required', 'cloud is required to create system %s' % params['name'])
    if not params['image'] and not params['product']:
        raise invalid_option('image', 'required', 'image, or product and version, is required to create system %s' % params['name'])
    if not params['instance_type']:
        raise invalid_option('instance_type', 'required', 'instance_type is required to create system %s' % params['name'])


def find_image(images, params):
    """The usable image the options name (image id or name, or product + version)."""
    if params['image']:
        option, label = 'image', params['image']
        candidates = [image for image in images if params['image'] in (image.get('id'), image.get('name'))]
    else:
        option, label = 'version', '%s %s' % (params['product'], params['version'])
        candidates = [image for image in images
                      if image.get('product') == params['product'] and image.get('version') == params['version']]
    # An image whose status the client does not report is left for Puddle to check (it refuses unusable ones).
    usable = [image for image in candidates if image.get('status') in USABLE_IMAGE_STATUSES or not is_known(image, 'status')]
    if usable:
        return usable[0]
    if candidates:
        raise invalid_option(option, 'unknown', '%s: image %s in %s is %s; only active or deprecated images can be used'
                             % (option, label, params['cloud'], candidates[0].get('status')))
    raise invalid_option(option, 'unknown', '%s: no image %s in cloud %s' % (option, label, params['cloud']))


def find_instance_type(instance_types, params):
    for instance_type in instance_types:
        if params['instance_type'] in (instance_type.get('name'), instance_type.get('id')):
            return instance_type
    raise invalid_option('instance_type', 'unknown', 'instance_type: no instance type %s in cloud %s'
                         % (params['instance_type'], params['cloud']))


def complete_tags(defined_tags, declared):
    """Check the declared tags against Puddle's definitions; return the tags Puddle will store.

    As CreateSystem does (docs/api.md section 4): a declared tag keeps its value, even an empty
    one (a null value is the empty string, see normalize_tags); a tag not declared gets its
    non-empty default value; an active required tag still without a value is refused.
    """
    definitions = dict((tag['name'], tag) for tag in defined_tags)
    for tag_name in sorted(declared):
        definition = definitions.get(tag_name)
        if definition is None:
            raise invalid_option('tags.%s' % tag_name, 'unknown_tag', 'tags.%s: no such tag is defined in Puddle' % tag_name)
        if definition.get('status') == 'disabled':
            raise invalid_option('tags.%s' % tag_name, 'disabled_tag', 'tags.%s: the tag is disabled and cannot be set' % tag_name)
    complete = dict(declared)
    for tag_name, definition in sorted(definitions.items()):
        if definition.get('status') == 'disabled':
            continue
        if tag_name not in complete and definition.get('default_value'):
            complete[tag_name] = definition['default_value']
        if definition.get('required') and not complete.get(tag_name):
            if tag_name in declared:
                message = ('tags.%s is required, but its value is empty: a null or empty value means no value, and '
                           "Puddle's default value is not applied to a tag given without a value; give a non-empty value"
                           % tag_name)
            else:
                message = 'tags.%s is required and the tag has no default value: give it a non-empty value' % tag_name
            raise invalid_option('tags.%s' % tag_name, 'required', message)
    return complete


def option_known(system, option, declared):
    """Whether the client reported what an immutable option is compared with (model_attributes).

    image and instance_type match by id or by name: known when a reported one matches, or when both are
    reported. An option whose value is unknown is never compared, diffed or a reason to act.
    """
    if option in ALIASED_FIELDS:
        fields = ALIASED_FIELDS[option]
        if all(is_known(system, field) for field in fields):
            return True
        return any(is_known(system, field) and system[field] == declared for field in fields)
    return is_known(system, option)


def unchecked_options(system, params):
    """The declared immutable options the system's client did not report, so that cannot be compared."""
    if not system:
        return []
    return [option for option in IMMUTABLE_OPTIONS
            if params.get(option) is not None and not option_known(system, option, params[option])]


def unchecked_warning(name, options):
    """The one warning for declared options that cannot be checked on system name (None when there are none)."""
    if not options:
        return None
    return ('System %s: %s cannot be checked, because the client does not report %s (unknown attributes are '
            'never compared, so they cause no drift and no recreate)' % (
                name, ', '.join(options),
                'them' if len(options) > 1 else 'it'))


def current_value(system, option, declared):
    """The system's value of an immutable option, in the form the option was declared in.

    image and instance_type match by id or by name; tags compare only the declared keys,
    because Puddle adds the tags that have default values. Only for an option_known option.
    """
    if option == 'tags':
        tags = tags_as_dict(system.get('tags')) or {}
        return dict((key, tags.get(key, NO_VALUE)) for key in declared)
    if option in ALIASED_FIELDS:
        values = [system[field] for field in ALIASED_FIELDS[option] if is_known(system, field)]
        return declared if declared in values else values[0]
    return system.get(option)


def drift_of(system, params):
    """[{attribute, current, declared}] for every given immutable option that differs from the system.

    An option the client did not report (unchecked_options) is never a difference.
    """
    differences = []
    for option in IMMUTABLE_OPTIONS:
        declared = params[option]
        if declared is None or not option_known(system, option, declared):
            continue
        current = current_value(system, option, declared)
        if current != declared:
            differences.append(dict(attribute=option, current=current, declared=declared))
    return differences


def created_adoption(adoption, system, params):
    """How a system returned by CreateSystem must be reported: None when this task created it.

    ``adoption`` is the client's last_adoption. A system found after already_exists is someone
    else's; one found after a lost answer is ours unless it differs from the declaration (our
    request would have created the declared attributes), in which case someone else created it.
    """
    if not adoption:
        return None
    if adoption.get('reason') == ADOPTED_ANSWER_LOST and not drift_of(system, params):
        return None
    return dict(adoption, reason=ADOPTED_ALREADY_EXISTS)


def drift_error(name, differences, created_by_other=False):
    """The failure for attributes that differ while recreate is false: each one, current and declared.

    created_by_other: the system was found after this task's CreateSystem was refused (someone else created it
    meanwhile, see created_adoption); the message says so.
    """
    details = '; '.join('%s (current: %s, declared: %s)' % (item['attribute'], item['current'], item['declared'])
                        for item in differences)
    how = (' was created by someone else while this task tried to create it, and' if created_by_other else '')
    return PuddleError('System %s%s differs in attributes Puddle cannot change after creation: %s. '
                       'Set recreate: true to terminate it and create it again.' % (name, how, details),
                       code='drift', meta={'field': differences[0]['attribute'], 'rule': 'immutable'})


# A tag value as Puddle stores it: text, and null is the empty string (no value).
tag_value = tag_filters.tag_text
tags_as_dict = tag_filters.tags_as_dict


def normalize_tags(tags):
    """Declared tags as Puddle stores them: names and values as text, a null value as ''.

    Tag values are strings on the wire; YAML may hand numbers, booleans or null (no value). The one
    meaning of a null tag value in the collection is "no value", the empty string: it is sent as
    '', predicted as '' in check mode, compared as '' (a system without the tag has no value
    either), and matched as '' by the filters of the info modules and the inventory.
    """
    if tags is None:
        return None
    return dict((str(key), tag_value(value)) for key, value in tags.items())


def creation_request(client, params):
    """Validate and resolve everything creation needs, with read-only requests only.

    Returns {request, image, instance_type, tags}: the CreateSystem body, the catalogue entries it
    names and the tags Puddle will store (declared plus defaults). Raises ValidationFailedError.
    """
    validate_creation_options(params)
    image = find_image(client.list_images(params['cloud']), params)
    instance_type = find_instance_type(client.list_instance_types(params['cloud']), params)
    tags = complete_tags(client.list_tags(), params['tags'] or {})
    request = dict(
        name=params['name'],
        cloud=params['cloud'],
        instance_type_id=instance_type['id'],
        disk_size_gb=params['disk_size_gb'] or DEFAULT_DISK_SIZE_GB,
        idle_interval=params['idle_interval'] or DEFAULT_IDLE_INTERVAL,
        tags=params['tags'] or {},
    )
    if params['image']:
        request['image_id'] = image['id']
    else:
        request.update(product=params['product'], version=params['version'])
    return dict(request=request, image=image, instance_type=instance_type, tags=tags)


def with_status(system, status):
    """The system as Puddle shows it in ``status``: the sub-statuses and can_* flags of the contract.

    The values Puddle assigns (PUDDLE_ASSIGNED_FIELDS) are kept as they were, since nobody can
    predict them.
    """
    predicted = dict(system, status=status)
    vm_status, product_status = SUB_STATUSES.get(status, (system.get('vm_status'), system.get('product_status')))
    predicted.update(vm_status=vm_status, product_status=product_status)
    for flag, statuses in ALLOWED_IN.items():
        allowed = status in statuses
        if flag == 'can_update_config_toml':
            allowed = allowed and predicted.get('product') == 'dai'
        predicted[flag] = allowed
    return predicted


def predicted_after(system, step):
    """The system after a step of the transition table, for check mode."""
    return with_status(system, STEP_OUTCOMES[step])


def send_creation(client, creation):
    """CreateSystem with the request creation_request built; returns the new system.

    The server names wire fields (image_id...) in a refusal; the error names the option the user wrote.
    """
    try:
        return client.create_system(**creation['request'])
    except ValidationFailedError as error:
        if error.field is None:
            raise  # Puddle's Python client names no field: its message is all there is
        raise in_option_terms(error)


def in_option_terms(error):
    """A refusal of CreateSystem naming a wire field (image_id...), as the option the user wrote (image...).

    What the request may have done is kept: a refusal after a lost answer may follow a create Puddle carried out.
    """
    option = OPTION_OF_FIELD.get(error.field, error.field)
    located = ValidationFailedError('%s: %s (rule %s)' % (option, error.message, error.rule),
                                    meta=dict(error.meta, field=option), http_status=error.http_status)
    located.may_have_been_committed = error.may_have_been_committed
    located.unconfirmed_action = error.unconfirmed_action
    return located


class CatalogueCache(object):
    """The catalogue reads of creation_request, each sent once per cloud (tags once), for many declarations."""

    def __init__(self, client):
        self.client = client
        self._images = {}
        self._instance_types = {}
        self._tags = None

    def list_images(self, cloud):
        if cloud not in self._images:
            self._images[cloud] = self.client.list_images(cloud)
        return self._images[cloud]

    def list_instance_types(self, cloud):
        if cloud not in self._instance_types:
            self._instance_types[cloud] = self.client.list_instance_types(cloud)
        return self._instance_types[cloud]

    def list_tags(self):
        if self._tags is None:
            self._tags = self.client.list_tags()
        return self._tags


def declared_view(system, option, declared):
    """The value of an immutable option of a system as the diff shows it (None when the system is absent)."""
    if current_status(system) == ABSENT:
        return None
    return current_value(system, option, declared)


def diffable(systems, option, declared):
    """Whether a declared option is shown in a diff: known on every one of systems that exists."""
    return all(option_known(system, option, declared) for system in systems if current_status(system) != ABSENT)


def system_diff(before, after, params):
    """{before, after}: the status and each declared immutable option, for diff mode (unknown ones left out)."""
    diff = {'before': {'state': current_status(before)}, 'after': {'state': current_status(after)}}
    for option in IMMUTABLE_OPTIONS:
        if params.get(option) is not None and diffable((before, after), option, params[option]):
            diff['before'][option] = declared_view(before, option, params[option])
            diff['after'][option] = declared_view(after, option, params[option])
    return diff


def predicted_new_system(creation):
    """The system a CreateSystem of ``creation`` would return, for check mode (no id yet)."""
    image, instance_type, request = creation['image'], creation['instance_type'], creation['request']
    # What only Puddle assigns is null until it does (the id of a system that would be created is null).
    system = dict((field, None) for field in PUDDLE_ASSIGNED_FIELDS)
    system.update(
        name=request['name'], cloud=request['cloud'], status='provisioning', config_toml_status='none',
        disk_size_gb=request['disk_size_gb'], idle_interval=request['idle_interval'], tags=creation['tags'],
    )
    # From the catalogue entries, as far as the client reports them (an unknown one stays unknown).
    for field, source, attribute in (('product', image, 'product'), ('version', image, 'version'),
                                     ('image_id', image, 'id'), ('image_name', image, 'name'),
                                     ('instance_type', instance_type, 'name'), ('instance_type_id', instance_type, 'id'),
                                     ('cu_per_hour', instance_type, 'cu_per_hour')):
        if is_known(source, attribute):
            system[field] = source[attribute]
    return with_status(system, 'provisioning')


def parity_view(system):
    """A returned system without the values only Puddle assigns: what check mode must predict exactly."""
    if system is None:
        return None
    return dict((key, value) for key, value in system.items() if key not in PUDDLE_ASSIGNED_FIELDS)
