# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rules of a system declaration (system_spec), function by function, against docs/api.md."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.puddle.cloud.plugins.module_utils import system_spec as spec
from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import PuddleError, ValidationFailedError


def decoded(value):
    """value as the client hands it over: decoded from JSON, so no string is an interned constant."""
    return json.loads(json.dumps(value))


# In Puddle's order: find_image takes the first usable match.
IMAGES = decoded([
    {'id': 'img-new', 'name': 'DAI 2.0', 'product': 'dai', 'version': '2.0', 'status': 'active'},
    {'id': 'img-old', 'name': 'DAI 1.9', 'product': 'dai', 'version': '1.9', 'status': 'deprecated'},
    {'id': 'img-broken', 'name': 'DAI 2.0 broken', 'product': 'dai', 'version': '2.0', 'status': 'failed'},
    {'id': 'img-rebuilt', 'name': 'DAI 2.0 rebuilt', 'product': 'dai', 'version': '2.0', 'status': 'active'},
    {'id': 'img-creating', 'name': 'DAI 2.1', 'product': 'dai', 'version': '2.1', 'status': 'creating'},
    {'id': 'img-failed', 'name': 'DAI 2.1 failed', 'product': 'dai', 'version': '2.1', 'status': 'failed'},
    {'id': 'img-h2o3', 'name': 'H2O-3 3.46', 'product': 'h2o3', 'version': '3.46', 'status': 'active'},
])
INSTANCE_TYPES = decoded([
    {'id': 'it-small', 'name': 'small', 'cu_per_hour': 2},
    {'id': 'it-large', 'name': 'large', 'cu_per_hour': 8},
])
TAG_DEFINITIONS = decoded([
    {'name': 'project', 'required': True, 'default_value': '', 'status': 'active'},
    {'name': 'cost-center', 'required': False, 'default_value': 'rnd', 'status': 'active'},
    {'name': 'owner', 'required': False, 'default_value': '', 'status': 'active'},
    {'name': 'legacy', 'required': True, 'default_value': 'old', 'status': 'disabled'},
])


def declared(**overrides):
    """The parameters puddle_system hands to system_spec, as its argument spec defaults them."""
    params = dict(name='sys-1', cloud='aws', image=None, product='dai', version='2.0', instance_type='small',
                  disk_size_gb=None, idle_interval=None, tags=None, wait_timeout=600, poll_interval=5)
    params.update(overrides)
    return params


def raised(function, *args):
    with pytest.raises(PuddleError) as caught:
        function(*args)
    return caught.value


class FakeCatalogue(object):
    """The three read-only look-ups creation_request makes, recording the cloud asked."""

    def __init__(self):
        self.calls = []

    def list_images(self, cloud):
        self.calls.append(('list_images', cloud))
        return IMAGES

    def list_instance_types(self, cloud):
        self.calls.append(('list_instance_types', cloud))
        return INSTANCE_TYPES

    def list_tags(self):
        self.calls.append(('list_tags',))
        return TAG_DEFINITIONS


# -- errors name the option and the rule ---------------------------------------------------

def test_invalid_option_names_the_option_and_the_rule():
    error = spec.invalid_option('disk_size_gb', 'range', 'too big')
    assert isinstance(error, ValidationFailedError)
    assert (error.field, error.rule) == ('disk_size_gb', 'range')
    assert error.message == 'too big (rule range)'


# -- validate_declared_options: the rules that need no request ----------------------------

@pytest.mark.parametrize('overrides', [
    dict(name='a' * 64),
    dict(name='0-a-b'),
    dict(disk_size_gb=256), dict(disk_size_gb=1024),
    dict(idle_interval=1), dict(idle_interval=240),
    dict(wait_timeout=0),
    dict(poll_interval=0.1),
    dict(tags={'project': 'x' * 256}),
])
def test_values_on_the_bounds_are_accepted(overrides):
    spec.validate_declared_options(declared(**overrides))


@pytest.mark.parametrize('overrides, field, rule, message', [
    (dict(name='a' * 65), 'name', 'max_length', 'name must have at most 64 characters'),
    (dict(name='Sys'), 'name', 'pattern', 'name must match ^[a-z0-9][a-z0-9-]*$'),
    (dict(name='-sys'), 'name', 'pattern', 'name must match'),
    (dict(name='sys_1'), 'name', 'pattern', 'name must match'),
    (dict(disk_size_gb=255), 'disk_size_gb', 'range', 'disk_size_gb must be from 256 to 1024, got 255'),
    (dict(disk_size_gb=1025), 'disk_size_gb', 'range', 'disk_size_gb must be from 256 to 1024, got 1025'),
    (dict(idle_interval=0), 'idle_interval', 'range', 'idle_interval must be from 1 to 240, got 0'),
    (dict(idle_interval=241), 'idle_interval', 'range', 'idle_interval must be from 1 to 240, got 241'),
    (dict(wait_timeout=-1), 'wait_timeout', 'range', 'wait_timeout must be a finite number of seconds, 0 or more, got -1'),
    (dict(poll_interval=0), 'poll_interval', 'range',
     'poll_interval must be a finite number of seconds, more than 0, got 0'),
    (dict(poll_interval=-0.5), 'poll_interval', 'range',
     'poll_interval must be a finite number of seconds, more than 0, got -0.5'),
    # nan and inf would disable the bound (every comparison with nan is false).
    (dict(poll_interval=float('nan')), 'poll_interval', 'range',
     'poll_interval must be a finite number of seconds, more than 0, got nan'),
    (dict(poll_interval=float('inf')), 'poll_interval', 'range',
     'poll_interval must be a finite number of seconds, more than 0, got inf'),
    (dict(tags={'project': 'x' * 257}), 'tags.project', 'max_length',
     'tags.project must have at most 256 characters'),
])
def test_a_broken_rule_names_the_option_the_rule_and_the_value(overrides, field, rule, message):
    error = raised(spec.validate_declared_options, declared(**overrides))
    assert isinstance(error, ValidationFailedError)
    assert (error.field, error.rule) == (field, rule)
    assert error.message.startswith(message)
    assert error.message.endswith('(rule %s)' % rule)


def test_the_first_tag_in_name_order_is_reported():
    too_long = 'x' * 257
    error = raised(spec.validate_declared_options, declared(tags={'zeta': too_long, 'alpha': too_long}))
    assert error.field == 'tags.alpha'


@pytest.mark.parametrize('overrides, field', [
    (dict(cloud=None), 'cloud'),
    (dict(image=None, product=None), 'image'),
    (dict(instance_type=None), 'instance_type'),
])
def test_creation_needs_cloud_an_image_and_an_instance_type(overrides, field):
    error = raised(spec.validate_creation_options, declared(**overrides))
    assert (error.field, error.rule) == (field, 'required')
    assert 'required to create system sys-1' in error.message


@pytest.mark.parametrize('overrides', [dict(), dict(product=None, version=None, image='img-new')])
def test_creation_accepts_an_image_or_a_product(overrides):
    spec.validate_creation_options(declared(**overrides))


# -- catalogue look-ups ----------------------------------------------------------------------

@pytest.mark.parametrize('image', ['img-new', 'DAI 2.0'])
def test_an_image_is_found_by_id_or_by_name(image):
    assert spec.find_image(IMAGES, declared(image=image))['id'] == 'img-new'


def test_product_and_version_find_the_usable_image_among_others():
    assert spec.find_image(IMAGES, declared(product='dai', version='2.0'))['id'] == 'img-new'
    assert spec.find_image(IMAGES, declared(product='dai', version='1.9'))['id'] == 'img-old'
    assert spec.find_image(IMAGES, declared(product='h2o3', version='3.46'))['id'] == 'img-h2o3'


@pytest.mark.parametrize('product, version', [('h2o3', '2.0'), ('dai', '3.46')])
def test_product_and_version_both_have_to_match(product, version):
    error = raised(spec.find_image, IMAGES, declared(product=product, version=version))
    assert (error.field, error.rule) == ('version', 'unknown')
    assert error.message == 'version: no image %s %s in cloud aws (rule unknown)' % (product, version)


@pytest.mark.parametrize('params, field, label', [
    (declared(image='img-creating'), 'image', 'img-creating'),
    (declared(product='dai', version='2.1'), 'version', 'dai 2.1'),
])
def test_an_image_that_cannot_be_used_says_its_status(params, field, label):
    error = raised(spec.find_image, IMAGES, params)
    assert (error.field, error.rule) == (field, 'unknown')
    assert error.message == ('%s: image %s in aws is creating; only active or deprecated images can be used '
                             '(rule unknown)' % (field, label))


def test_an_unknown_image_names_the_cloud():
    error = raised(spec.find_image, IMAGES, declared(image='nope', cloud='gcp'))
    assert (error.field, error.rule) == ('image', 'unknown')
    assert error.message == 'image: no image nope in cloud gcp (rule unknown)'


@pytest.mark.parametrize('instance_type', ['large', 'it-large'])
def test_an_instance_type_is_found_by_name_or_by_id(instance_type):
    assert spec.find_instance_type(INSTANCE_TYPES, declared(instance_type=instance_type))['id'] == 'it-large'


def test_an_unknown_instance_type_names_the_cloud():
    error = raised(spec.find_instance_type, INSTANCE_TYPES, declared(instance_type='huge'))
    assert (error.field, error.rule) == ('instance_type', 'unknown')
    assert error.message == 'instance_type: no instance type huge in cloud aws (rule unknown)'


# -- tags ----------------------------------------------------------------------------------

def test_complete_tags_adds_the_defaults_puddle_adds_and_keeps_declared_values():
    assert spec.complete_tags(TAG_DEFINITIONS, {'project': 'p'}) == {'project': 'p', 'cost-center': 'rnd'}
    assert spec.complete_tags(TAG_DEFINITIONS, {'project': 'p', 'cost-center': 'ops'}) == {
        'project': 'p', 'cost-center': 'ops'}


def test_complete_tags_does_not_change_the_declared_dict():
    tags = {'project': 'p'}
    spec.complete_tags(TAG_DEFINITIONS, tags)
    assert tags == {'project': 'p'}


@pytest.mark.parametrize('tags, field, rule, message', [
    ({'project': 'p', 'nope': 'x'}, 'tags.nope', 'unknown_tag', 'tags.nope: no such tag is defined in Puddle'),
    ({'project': 'p', 'legacy': 'x'}, 'tags.legacy', 'disabled_tag', 'tags.legacy: the tag is disabled and cannot be set'),
    ({'cost-center': 'ops'}, 'tags.project', 'required',
     'tags.project is required and the tag has no default value: give it a non-empty value'),
])
def test_complete_tags_refuses_unknown_disabled_and_missing_required_tags(tags, field, rule, message):
    error = raised(spec.complete_tags, TAG_DEFINITIONS, tags)
    assert isinstance(error, ValidationFailedError)
    assert (error.field, error.rule) == (field, rule)
    assert error.message == '%s (rule %s)' % (message, rule)


@pytest.mark.parametrize('system_tags, expected', [
    ([{'name': 'a', 'value': '1'}, {'name': 'b', 'value': '2'}], {'a': '1', 'b': '2'}),
    ({'a': '1'}, {'a': '1'}),
    (None, {}),
    ([], {}),
])
def test_tags_as_dict_reads_both_shapes(system_tags, expected):
    assert spec.tags_as_dict(system_tags) == expected


def test_tags_as_dict_returns_a_copy_of_a_dict():
    tags = {'a': '1'}
    spec.tags_as_dict(tags)['a'] = 'changed'
    assert tags == {'a': '1'}


def test_normalize_tags_sends_names_and_values_as_text():
    assert spec.normalize_tags(None) is None
    assert spec.normalize_tags({'count': 3, 1: True}) == {'count': '3', '1': 'True'}


# -- the returned view ---------------------------------------------------------------------

def test_system_result_has_every_documented_field_and_nothing_else():
    system = dict((field, None) for field in spec.RETURNED_FIELDS)
    system.update({'id': 'i', 'name': 'n', 'status': 'started', 'secret_field': 'x',
                   'tags': [{'name': 'project', 'value': 'p'}]})
    result = spec.system_result(system)
    assert set(result) == set(spec.RETURNED_FIELDS) | {'unknown_attributes'}
    assert (result['id'], result['name'], result['status'], result['url']) == ('i', 'n', 'started', None)
    assert result['tags'] == {'project': 'p'} and result['unknown_attributes'] == []


def test_system_result_leaves_out_what_the_client_did_not_report_and_names_it():
    system = {'id': 'i', 'name': 'n', 'status': 'started', 'url': None}
    result = spec.system_result(system)
    assert result['url'] is None  # reported as null: known
    assert 'tags' not in result and 'idle_interval' not in result and 'config_toml_status' not in result
    assert result['unknown_attributes'] == sorted(set(spec.RETURNED_FIELDS) - {'id', 'name', 'status', 'url'})


@pytest.mark.parametrize('system', [None, {}])
def test_system_result_of_no_system_is_none(system):
    assert spec.system_result(system) is None


# -- drift -----------------------------------------------------------------------------------

SYSTEM = {
    'name': 'sys-1', 'cloud': 'aws', 'image_id': 'img-new', 'image_name': 'DAI 2.0', 'product': 'dai', 'version': '2.0',
    'instance_type': 'small', 'instance_type_id': 'it-small', 'disk_size_gb': 256, 'idle_interval': 60,
    'tags': [{'name': 'project', 'value': 'p'}, {'name': 'cost-center', 'value': 'rnd'}],
}


def immutable(**given):
    """Only the given immutable options; the others are not declared (None)."""
    params = dict((option, None) for option in spec.IMMUTABLE_OPTIONS)
    params.update(given)
    return params


@pytest.mark.parametrize('given', [
    dict(image='img-new'), dict(image='DAI 2.0'), dict(instance_type='small'), dict(instance_type='it-small'),
    dict(tags={'project': 'p'}), dict(cloud='aws', product='dai', version='2.0', disk_size_gb=256, idle_interval=60),
    dict(),
])
def test_no_drift_when_every_declared_option_matches(given):
    assert spec.drift_of(SYSTEM, immutable(**given)) == []


def test_drift_lists_every_difference_in_the_order_of_the_options():
    drift = spec.drift_of(SYSTEM, immutable(idle_interval=30, image='img-old', instance_type='large',
                                            tags={'project': 'p', 'owner': 'me'}))
    assert drift == [
        dict(attribute='image', current='img-new', declared='img-old'),
        dict(attribute='instance_type', current='small', declared='large'),
        dict(attribute='idle_interval', current=60, declared=30),
        dict(attribute='tags', current={'project': 'p', 'owner': ''}, declared={'project': 'p', 'owner': 'me'}),
    ]


def test_drift_error_names_each_attribute_with_both_values():
    differences = [dict(attribute='image', current='img-new', declared='img-old'),
                   dict(attribute='disk_size_gb', current=256, declared=512)]
    error = spec.drift_error('sys-1', differences)
    assert (error.code, error.field, error.rule) == ('drift', 'image', 'immutable')
    assert error.message == (
        'System sys-1 differs in attributes Puddle cannot change after creation: '
        'image (current: img-new, declared: img-old); disk_size_gb (current: 256, declared: 512). '
        'Set recreate: true to terminate it and create it again.')


# -- the CreateSystem request and its prediction ---------------------------------------------

def test_creation_request_by_product_uses_the_defaults_and_looks_up_the_catalogue_of_the_cloud():
    catalogue = FakeCatalogue()
    creation = spec.creation_request(catalogue, declared(tags={'project': 'p'}))
    assert catalogue.calls == [('list_images', 'aws'), ('list_instance_types', 'aws'), ('list_tags',)]
    assert creation['request'] == dict(name='sys-1', cloud='aws', instance_type_id='it-small', product='dai',
                                       version='2.0', disk_size_gb=256, idle_interval=60, tags={'project': 'p'})
    assert creation['image']['id'] == 'img-new'
    assert creation['instance_type']['id'] == 'it-small'
    assert creation['tags'] == {'project': 'p', 'cost-center': 'rnd'}


def test_creation_request_by_image_sends_the_image_id_and_the_declared_sizes():
    creation = spec.creation_request(FakeCatalogue(), declared(
        image='DAI 2.0', product=None, version=None, instance_type='large', disk_size_gb=512, idle_interval=5,
        tags={'project': 'p'}))
    assert creation['request'] == dict(name='sys-1', cloud='aws', instance_type_id='it-large', image_id='img-new',
                                       disk_size_gb=512, idle_interval=5, tags={'project': 'p'})


def test_creation_request_checks_the_options_before_any_look_up():
    catalogue = FakeCatalogue()
    raised(spec.creation_request, catalogue, declared(instance_type=None))
    assert catalogue.calls == []


class RefusingClient(object):
    def __init__(self, error):
        self.error = error
        self.requests = []

    def create_system(self, **request):
        self.requests.append(request)
        raise self.error


@pytest.mark.parametrize('field, option', [('image_id', 'image'), ('instance_type_id', 'instance_type'),
                                           ('instance_type_name', 'instance_type'), ('tags', 'tags'),
                                           ('tags.project', 'tags.project')])
def test_send_creation_names_the_option_the_server_refused(field, option):
    client = RefusingClient(ValidationFailedError('bad', meta={'field': field, 'rule': 'unknown', 'extra': 1},
                                                  http_status=400))
    creation = spec.creation_request(FakeCatalogue(), declared(tags={'project': 'p'}))
    error = raised(spec.send_creation, client, creation)
    assert isinstance(error, ValidationFailedError)
    assert (error.message, error.field, error.rule, error.meta['extra'], error.http_status) == (
        '%s: bad (rule unknown)' % option, option, 'unknown', 1, 400)
    assert client.requests == [creation['request']]


def test_send_creation_passes_on_a_refusal_that_names_no_field():
    refusal = ValidationFailedError('image is not usable', meta={'rule': 'unknown'})
    error = raised(spec.send_creation, RefusingClient(refusal), spec.creation_request(FakeCatalogue(), declared(tags={'project': 'p'})))
    assert error is refusal
    assert error.message == 'image is not usable'


def test_declaration_spec_is_a_fresh_copy_with_the_defaults_asked():
    with_defaults = spec.declaration_spec(defaults=spec.DECLARATION_DEFAULTS)
    assert list(with_defaults) == list(spec.DECLARATION_OPTIONS)
    assert dict((option, rules['default']) for option, rules in with_defaults.items() if 'default' in rules) == (
        spec.DECLARATION_DEFAULTS)
    assert all('default' not in rules for rules in spec.DECLARATION_SPEC.values())
    assert list(spec.declaration_spec(with_name=False)) == list(spec.DECLARATION_OPTIONS[1:])
    assert spec.declaration_spec()['tags'] is not spec.DECLARATION_SPEC['tags']


def test_predicted_new_system_is_what_create_would_return():
    creation = spec.creation_request(FakeCatalogue(), declared(tags={'project': 'p'}, disk_size_gb=300))
    predicted = spec.predicted_new_system(creation)
    expected = dict(
        id=None, name='sys-1', cloud='aws', status='provisioning', product='dai', version='2.0', image_id='img-new',
        image_name='DAI 2.0', instance_type='small', instance_type_id='it-small', cu_per_hour=2, disk_size_gb=300,
        idle_interval=60, tags={'project': 'p', 'cost-center': 'rnd'})
    assert dict((key, predicted.get(key)) for key in expected) == expected


@pytest.mark.parametrize('product, allowed', [('dai', True), ('h2o3', False)])
def test_a_predicted_config_toml_flag_follows_the_product_of_a_system_decoded_from_json(product, allowed):
    # Systems arrive as decoded JSON: their strings are equal to the contract's, not the same objects.
    system = json.loads(json.dumps({'id': 'id-sys', 'name': 'sys', 'status': 'stopped', 'product': product}))
    predicted = spec.with_status(system, 'started')
    assert predicted['can_update_config_toml'] is allowed
    assert spec.with_status(system, 'stopping')['can_update_config_toml'] is False
