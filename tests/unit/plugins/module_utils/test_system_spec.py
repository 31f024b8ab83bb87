# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rules of a declared system: null tag values, predictions, adoptions."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.puddle.cloud.plugins.module_utils import system_spec as spec
from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import ValidationFailedError

TAGS = [
    {'name': 'project', 'required': True, 'default_value': '', 'status': 'active'},
    {'name': 'cost-center', 'required': False, 'default_value': 'rnd', 'status': 'active'},
    {'name': 'owner', 'required': True, 'default_value': 'ops', 'status': 'active'},
    {'name': 'legacy', 'required': False, 'default_value': 'x', 'status': 'disabled'},
]


def test_a_null_tag_value_is_the_empty_string():
    assert spec.normalize_tags({'project': 'x', 'cost-center': None, 'n': 42}) == {'project': 'x', 'cost-center': '', 'n': '42'}


def test_a_declared_empty_tag_keeps_its_empty_value_not_the_default():
    # What CreateSystem stores: the declared '' stays, the undeclared tag gets its default.
    assert spec.complete_tags(TAGS, {'project': 'x', 'cost-center': ''}) == {'project': 'x', 'cost-center': '', 'owner': 'ops'}


@pytest.mark.parametrize('declared, field, says', [
    ({'cost-center': 'a'}, 'tags.project', 'tags.project is required and the tag has no default value'),
    ({'project': '', 'cost-center': 'a'}, 'tags.project', 'tags.project is required, but its value is empty'),
    # a required tag given empty (a null value is the empty string) does not get its default
    ({'project': 'x', 'owner': ''}, 'tags.owner', "tags.owner is required, but its value is empty: a null or empty "
     "value means no value, and Puddle's default value is not applied"),
])
def test_a_required_tag_without_value_is_refused(declared, field, says):
    with pytest.raises(ValidationFailedError) as caught:
        spec.complete_tags(TAGS, declared)
    assert (caught.value.field, caught.value.rule) == (field, 'required')
    assert says in caught.value.message


def test_an_empty_declared_tag_equals_a_missing_or_empty_tag_of_the_system():
    params = dict((option, None) for option in spec.IMMUTABLE_OPTIONS)
    params['tags'] = {'project': 'x', 'cost-center': ''}
    assert spec.drift_of({'tags': [{'name': 'project', 'value': 'x'}]}, params) == []
    assert spec.drift_of({'tags': [{'name': 'project', 'value': 'x'}, {'name': 'cost-center', 'value': ''}]}, params) == []
    assert spec.drift_of({'tags': [{'name': 'project', 'value': 'x'}, {'name': 'cost-center', 'value': 'rnd'}]}, params) == [
        {'attribute': 'tags', 'current': {'project': 'x', 'cost-center': 'rnd'}, 'declared': {'project': 'x', 'cost-center': ''}}]


@pytest.mark.parametrize('status, vm, product, flags', [
    ('provisioning', 'provisioning', 'none', ['can_fail']),
    ('started', 'running', 'running', ['can_stop', 'can_restart', 'can_terminate', 'can_refresh_idle_timeout',
                                       'can_update_config_toml']),
    ('stopped', 'stopped', 'stopped', ['can_start', 'can_terminate']),
    ('failed', 'failed', 'failed', ['can_stop', 'can_terminate']),
    ('restarting', 'running', 'restarting', []),
])
def test_a_predicted_status_brings_the_sub_statuses_and_flags_of_the_contract(status, vm, product, flags):
    predicted = spec.with_status({'product': 'dai', 'status': 'x', 'id': 'keep'}, status)
    assert (predicted['vm_status'], predicted['product_status'], predicted['id']) == (vm, product, 'keep')
    assert sorted(flag for flag in spec.ALLOWED_IN if predicted[flag]) == sorted(flags)


def test_an_h2o3_system_never_takes_a_config_toml():
    assert spec.with_status({'product': 'h2o3'}, 'started')['can_update_config_toml'] is False


PARAMS = dict((option, None) for option in spec.IMMUTABLE_OPTIONS)
PARAMS['instance_type'] = 'm5.xlarge'


@pytest.mark.parametrize('adoption, system, expected_reason', [
    (None, {'instance_type': 'm5.4xlarge', 'instance_type_id': 'aws-m5.4xlarge'}, None),
    ({'action': 'create', 'reason': 'already_exists', 'status': 'started'}, {'instance_type': 'm5.xlarge'}, 'already_exists'),
    ({'action': 'create', 'reason': 'answer_lost', 'status': 'started'}, {'instance_type': 'm5.xlarge'}, None),
    # After a lost answer, a system that differs from what we asked for cannot be ours.
    ({'action': 'create', 'reason': 'answer_lost', 'status': 'started'},
     {'instance_type': 'm5.4xlarge', 'instance_type_id': 'aws-m5.4xlarge'}, 'already_exists'),
])
def test_created_adoption(adoption, system, expected_reason):
    result = spec.created_adoption(adoption, system, PARAMS)
    assert (result or {}).get('reason') == expected_reason


@pytest.mark.parametrize('lost', [False, True])
def test_a_refusal_in_option_terms_keeps_what_the_request_may_have_done(lost):
    refusal = ValidationFailedError('CreateSystem: too small', meta={'field': 'disk_size_gb', 'rule': 'min'},
                                    http_status=400)
    refusal.may_have_been_committed = lost
    refusal.unconfirmed_action = 'create' if lost else None
    located = spec.in_option_terms(refusal)
    assert located.message == 'disk_size_gb: CreateSystem: too small (rule min)'
    assert (located.field, located.rule, located.http_status) == ('disk_size_gb', 'min', 400)
    assert located.may_have_been_committed is lost
    assert located.unconfirmed_action == ('create' if lost else None)
    image = spec.in_option_terms(ValidationFailedError('no', meta={'field': 'image_id', 'rule': 'unknown'}))
    assert image.field == 'image'
