# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Retries, backoff and the reconciliation of lost answers."""

import random

import pytest

from ansible_collections.puddle.cloud.plugins.module_utils import puddle_client as pc
from ansible_collections.puddle.cloud.tests.unit.plugins.module_utils.fake_puddle import FixedRandom


def test_unavailable_is_retried_with_exponential_backoff(client, fake, clock):
    fake.fail_next('ListTags', 'unavailable', times=3)
    assert client.list_tags() == [{'name': 'project', 'required': True}]
    assert clock.sleeps == [0.5, 1.0, 2.0]
    assert fake.methods() == ['Login'] + ['ListTags'] * 4


def test_the_backoff_is_capped_by_backoff_max(make_client, fake, clock):
    client = make_client(backoff_base=1, backoff_max=5, max_retries=6)
    fake.fail_next('ListTags', 'unavailable', times=6)
    client.list_tags()
    assert clock.sleeps == [1.0, 2.0, 4.0, 5.0, 5.0, 5.0]


def test_full_jitter_scales_each_delay_by_the_random_draw(make_client, fake, clock):
    client = make_client(random=FixedRandom(0.25))
    fake.fail_next('ListTags', 'unavailable', times=3)
    client.list_tags()
    assert clock.sleeps == [0.125, 0.25, 0.5]


def test_jittered_delays_stay_within_their_bounds(make_client, fake, clock):
    client = make_client(random=random.Random(7), backoff_base=0.5, backoff_max=3, max_retries=8)
    fake.fail_next('ListTags', 'unavailable', times=8)
    client.list_tags()
    ceilings = [min(3, 0.5 * 2 ** attempt) for attempt in range(8)]
    assert len(clock.sleeps) == 8
    assert all(0 <= delay <= ceiling for delay, ceiling in zip(clock.sleeps, ceilings))
    assert len(set(clock.sleeps)) == 8  # really random, not a fixed schedule


def test_backoff_delay_draws_within_zero_and_the_ceiling():
    source = random.Random(3)
    for attempt in range(12):
        delay = pc.backoff_delay(attempt, 0.5, 10, source)
        assert 0 <= delay <= min(10, 0.5 * 2 ** attempt)


def test_retry_after_is_honoured(client, fake, clock):
    fake.fail_next('ListTags', 'rate_limited', retry_after=7)
    client.list_tags()
    assert clock.sleeps == [7.0]


def test_retry_after_is_capped(make_client, fake, clock):
    client = make_client(retry_after_max=20)
    fake.fail_next('ListTags', 'rate_limited', retry_after=3600)
    client.list_tags()
    assert clock.sleeps == [20]


def test_retry_after_from_meta_when_the_header_is_missing(client, fake, clock):
    fake.fail_next('ListTags', 'rate_limited', meta={'retry_after': '4'})
    client.list_tags()
    assert clock.sleeps == [4.0]


def test_rate_limiting_without_retry_after_backs_off(client, fake, clock):
    fake.fail_next('ListTags', 'rate_limited', times=2)
    client.list_tags()
    assert clock.sleeps == [0.5, 1.0]


@pytest.mark.parametrize('kind, error_class', [
    ('unavailable', pc.UnavailableError),
    ('rate_limited', pc.RateLimitedError),
    ('drop', pc.TransportError),
    ('refused', pc.TransportError),
    ('connect_timeout', pc.TransportError),
    ('read_timeout_after_commit', pc.TransportError),
])
def test_gives_up_after_max_retries_with_the_last_error(make_client, fake, clock, kind, error_class):
    client = make_client(max_retries=3)
    client.login()
    fake.fail_next('ListTags', kind, times=10)
    with pytest.raises(error_class) as caught:
        client.list_tags()
    assert 'gave up after 4 attempts' in caught.value.message
    assert len(fake.calls('ListTags')) == 4
    assert len(clock.sleeps) == 3


@pytest.mark.parametrize('kind, error_class', [('internal', pc.ServerError)])
def test_internal_errors_are_not_retried(client, fake, clock, kind, error_class):
    client.login()
    fake.fail_next('ListTags', kind, times=3)
    with pytest.raises(error_class):
        client.list_tags()
    assert len(fake.calls('ListTags')) == 1
    assert clock.sleeps == []


def test_client_errors_are_not_retried(client, fake, clock):
    system = fake.add_system(status='provisioning')
    with pytest.raises(pc.PreconditionFailedError) as caught:
        client.stop_system(system['id'])
    assert caught.value.meta == {'status': 'provisioning', 'action': 'stop'}
    # One GetSystem checks whether somebody else already stopped it; nothing is sent again.
    assert fake.methods() == ['Login', 'StopSystem', 'GetSystem']
    assert clock.sleeps == []
    with pytest.raises(pc.NotFoundError):
        client.get_system('nope')
    assert len(fake.calls('GetSystem')) == 2


def test_an_action_refused_because_another_client_already_did_it_is_done(client, fake, clock):
    system = fake.add_system(status='stopped')
    stopped = client.stop_system(system['id'])
    assert stopped['status'] == 'stopped'
    assert fake.methods() == ['Login', 'StopSystem', 'GetSystem']
    assert clock.sleeps == []


def test_request_count_counts_every_request_sent(client, fake):
    fake.fail_next('ListTags', 'unavailable', times=2)
    fake.fail_next('Login', 'drop')
    client.list_tags()
    assert client.request_count == len(fake.requests) == 5


# -- lost answers: create

def test_a_lost_create_answer_is_found_by_name_and_never_created_twice(client, fake):
    fake.fail_next('CreateSystem', 'drop_after_commit')
    system = client.create_system('web', 'aws', image_id='aws-dai-1.11.1', instance_type_name='m5.xlarge')
    assert system['name'] == 'web'
    assert len(fake.live_systems('web')) == 1
    assert fake.methods() == ['Login', 'CreateSystem', 'FindSystemByName']


def test_a_read_timeout_after_commit_is_reconciled_too(client, fake):
    fake.fail_next('CreateSystem', 'read_timeout_after_commit')
    system = client.create_system('web', 'aws', image_id='aws-dai-1.11.1', instance_type_name='m5.xlarge')
    assert system['id'] == fake.live_systems('web')[0]['id']
    assert len(fake.calls('CreateSystem')) == 1


def test_a_lost_create_that_did_not_commit_is_retried_once_checked(client, fake):
    fake.fail_next('CreateSystem', 'drop')
    system = client.create_system('web', 'aws', image_id='aws-dai-1.11.1', instance_type_name='m5.xlarge')
    assert system['status'] == 'provisioning'
    assert fake.methods() == ['Login', 'CreateSystem', 'FindSystemByName', 'CreateSystem']
    assert len(fake.live_systems('web')) == 1


def test_already_exists_after_a_lost_answer_returns_the_found_system(client, fake):
    # The first create committed, but the check before the retry did not see it yet.
    fake.fail_next('CreateSystem', 'drop_after_commit')
    fake.stale_find = 1
    system = client.create_system('web', 'aws', image_id='aws-dai-1.11.1', instance_type_name='m5.xlarge')
    assert system['id'] == fake.live_systems('web')[0]['id']
    assert len(fake.live_systems('web')) == 1
    assert fake.methods() == ['Login', 'CreateSystem', 'FindSystemByName', 'CreateSystem', 'FindSystemByName']


def test_a_refused_connection_is_retried_without_a_lookup(client, fake):
    client.login()
    fake.fail_next('CreateSystem', 'refused')
    client.create_system('web', 'aws', image_id='aws-dai-1.11.1', instance_type_name='m5.xlarge')
    assert fake.methods() == ['Login', 'CreateSystem', 'CreateSystem']


def test_a_create_racing_another_client_returns_the_system_it_created(client, fake):
    existing = fake.add_system(name='web')
    system = client.create_system('web', 'aws', image_id='aws-dai-1.11.1', instance_type_name='m5.xlarge')
    assert system['id'] == existing['id']
    assert len(fake.live_systems('web')) == 1
    assert fake.methods()[-2:] == ['CreateSystem', 'FindSystemByName']


def test_a_create_answered_by_a_5xx_after_commit_returns_the_stored_system(client, fake):
    fake.fail_next('CreateSystem', 'internal_after_commit')
    system = client.create_system('web', 'aws', image_id='aws-dai-1.11.1', instance_type_name='m5.xlarge')
    assert system['id'] == fake.live_systems('web')[0]['id']
    assert fake.methods() == ['Login', 'CreateSystem', 'FindSystemByName']


def test_a_create_refused_by_a_5xx_before_commit_raises_the_server_error(client, fake):
    fake.fail_next('CreateSystem', 'internal')
    with pytest.raises(pc.ServerError):
        client.create_system('web', 'aws', image_id='aws-dai-1.11.1', instance_type_name='m5.xlarge')
    assert fake.methods() == ['Login', 'CreateSystem', 'FindSystemByName']
    assert fake.live_systems('web') == []


def test_when_giving_up_a_failing_lookup_does_not_hide_the_original_error(make_client, fake):
    client = make_client(max_retries=0)
    client.login()
    fake.fail_next('CreateSystem', 'drop_after_commit')
    fake.fail_next('FindSystemByName', 'refused')
    with pytest.raises(pc.TransportError, match='CreateSystem'):
        client.create_system('web', 'aws', image_id='aws-dai-1.11.1', instance_type_name='m5.xlarge')


def test_create_sends_only_the_given_fields_and_sorted_tags(client, fake):
    client.create_system('web', 'gcp', product='dai', version='1.11.1', instance_type_id='gcp-n1-standard-4',
                         tags={'project': 'x', 'cost-center': 42})
    assert fake.calls('CreateSystem')[0] == {
        'name': 'web', 'cloud': 'gcp', 'product': 'dai', 'version': '1.11.1',
        'instance_type_id': 'gcp-n1-standard-4', 'disk_size_gb': 256, 'idle_interval': 60,
        'tags': [{'name': 'cost-center', 'value': '42'}, {'name': 'project', 'value': 'x'}]}


def test_tags_to_wire_accepts_tag_data_lists():
    assert pc.tags_to_wire([{'name': 'b', 'value': '2'}, {'name': 'a', 'value': None}]) == [
        {'name': 'a', 'value': ''}, {'name': 'b', 'value': '2'}]
    assert pc.tags_to_wire(None) == []


# -- lost answers: actions

@pytest.mark.parametrize('method, action, before, after', [
    ('StopSystem', 'stop_system', 'started', 'stopping'),
    ('StartSystem', 'start_system', 'stopped', 'starting'),
    ('RestartSystem', 'restart_system', 'started', 'restarting'),
    ('FailSystem', 'fail_system', 'provisioning', 'failed'),
    ('TerminateSystem', 'terminate_system', 'stopped', 'terminating'),
])
def test_a_lost_action_answer_is_reconciled_by_get_system(client, fake, method, action, before, after):
    system = fake.add_system(status=before)
    fake.fail_next(method, 'drop_after_commit')
    result = getattr(client, action)(system['id'])
    assert result['status'] == after
    if method == 'RestartSystem':
        # Accepted again once the restart is over: read first, never sent again (test_puddle_client_lost_changes.py).
        assert fake.methods() == ['Login', method, 'GetSystem']
    else:
        assert fake.methods() == ['Login', method, method, 'GetSystem']


def test_a_precondition_failure_after_a_lost_answer_that_did_not_take_effect_is_raised(client, fake):
    system = fake.add_system(status='provisioning')
    fake.fail_next('StartSystem', 'drop')  # never reached the server
    with pytest.raises(pc.PreconditionFailedError):
        client.start_system(system['id'])
    assert fake.methods() == ['Login', 'StartSystem', 'StartSystem', 'GetSystem']


def test_a_5xx_on_an_action_that_took_effect_returns_the_system(client, fake):
    system = fake.add_system(status='started')
    fake.fail_next('StopSystem', 'drop_after_commit')
    fake.fail_next('StopSystem', 'internal')
    assert client.stop_system(system['id'])['status'] == 'stopping'


def test_only_a_precondition_failure_names_the_status_that_makes_an_action_done(client, fake):
    # A 5xx whose body happens to carry meta.status 'started' is no refusal "already started": the
    # client reads the system, finds it still stopped, and reports the server error (may have been carried out).
    system = fake.add_system(status='stopped')
    fake.fail_next('StartSystem', 'internal', meta={'status': 'started'})
    with pytest.raises(pc.ServerError) as caught:
        client.start_system(system['id'])
    assert caught.value.unconfirmed_action == 'start'
    assert client.last_adoption is None
    assert fake.methods() == ['Login', 'StartSystem', 'GetSystem']
    assert fake.systems[system['id']]['status'] == 'stopped'


@pytest.mark.parametrize('max_retries', [0, -1])
def test_max_retries_of_zero_or_less_means_the_first_failure_is_final(make_client, fake, clock, max_retries):
    client = make_client(max_retries=max_retries)
    fake.fail_next('ListTags', 'unavailable', times=3)
    with pytest.raises(pc.UnavailableError) as caught:
        client.list_tags()
    assert 'gave up' not in caught.value.message
    assert fake.methods() == ['Login', 'ListTags']
    assert clock.sleeps == []


# -- how a returned system was found (last_adoption)

def test_a_create_puddle_carried_out_is_not_an_adoption(client, fake):
    client.create_system('web', 'aws', image_id='aws-dai-1.11.1', instance_type_name='m5.xlarge')
    assert client.last_adoption is None


def test_a_create_refused_by_already_exists_is_someone_elses_system(client, fake):
    existing = fake.add_system(name='web', status='started')
    client.create_system('web', 'aws', image_id='aws-dai-1.11.1', instance_type_name='m5.xlarge')
    assert client.last_adoption == {'action': 'create', 'reason': 'already_exists', 'status': existing['status']}


@pytest.mark.parametrize('fault', ['drop_after_commit', 'read_timeout_after_commit', 'internal_after_commit'])
def test_a_create_found_after_a_lost_answer_may_be_ours(client, fake, fault):
    fake.fail_next('CreateSystem', fault)
    client.create_system('web', 'aws', image_id='aws-dai-1.11.1', instance_type_name='m5.xlarge')
    assert client.last_adoption == {'action': 'create', 'reason': 'answer_lost', 'status': 'provisioning'}


def test_already_exists_after_a_lost_answer_may_be_ours(client, fake):
    fake.fail_next('CreateSystem', 'drop_after_commit')
    fake.stale_find = 1
    client.create_system('web', 'aws', image_id='aws-dai-1.11.1', instance_type_name='m5.xlarge')
    assert client.last_adoption['reason'] == 'answer_lost'


def test_the_next_create_resets_last_adoption(client, fake):
    fake.add_system(name='web')
    client.create_system('web', 'aws', image_id='aws-dai-1.11.1', instance_type_name='m5.xlarge')
    client.create_system('api', 'aws', image_id='aws-dai-1.11.1', instance_type_name='m5.xlarge')
    assert client.last_adoption is None


def test_an_action_already_done_by_someone_else_is_an_adoption(client, fake):
    system = fake.add_system(status='stopped')
    client.stop_system(system['id'])
    assert client.last_adoption == {'action': 'stop', 'reason': 'already_done', 'status': 'stopped'}
    client.start_system(system['id'])
    assert client.last_adoption is None


@pytest.mark.parametrize('method, action, before, after', [
    ('StopSystem', 'stop_system', 'started', 'stopping'),
    ('TerminateSystem', 'terminate_system', 'stopped', 'terminating'),
])
def test_an_action_found_done_after_a_lost_answer_may_be_ours(client, fake, method, action, before, after):
    system = fake.add_system(status=before)
    fake.fail_next(method, 'drop_after_commit')
    getattr(client, action)(system['id'])
    assert client.last_adoption == {'action': action[:-len('_system')], 'reason': 'answer_lost', 'status': after}


# -- a failure after a lost answer says that the request may have been carried out

CLAUSE = 'an answer to this request was lost, so Puddle may have carried out the {0}: run the task again to converge'


def _create(client):
    return client.create_system('web', 'aws', image_id='aws-dai-1.11.1', instance_type_name='m5.xlarge')


def test_a_create_whose_answer_was_lost_then_refused_says_it_may_have_been_carried_out(make_client, fake):
    client = make_client(max_retries=2)
    client.login()
    fake.fail_next('CreateSystem', 'drop_after_commit')
    fake.stale_find = 1  # the lookup after the lost answer does not see the new system yet
    fake.fail_next('CreateSystem', 'refused', times=5)  # then the server becomes unreachable
    with pytest.raises(pc.TransportError) as caught:
        _create(client)
    error = caught.value
    assert error.may_have_been_committed is True
    assert error.unconfirmed_action == 'create'
    assert error.message.startswith('SystemService/CreateSystem: no answer from Puddle')
    assert error.message.endswith('(gave up after 3 attempts); ' + CLAUSE.format('create'))
    assert str(error) == error.message
    assert fake.methods() == ['Login', 'CreateSystem', 'FindSystemByName', 'CreateSystem', 'CreateSystem']
    assert len(fake.live_systems('web')) == 1  # it was indeed created


def test_a_lost_create_whose_lookup_fails_before_a_retry_says_it_may_have_been_carried_out(make_client, fake):
    client = make_client(max_retries=2)
    client.login()
    fake.fail_next('CreateSystem', 'drop_after_commit')
    fake.fail_next('FindSystemByName', 'refused', times=5)
    with pytest.raises(pc.TransportError) as caught:
        _create(client)
    error = caught.value
    # The lookup's own error, with the lost answer's context.
    assert error.message.startswith('SystemService/FindSystemByName: no answer from Puddle')
    assert error.message.endswith('(gave up after 3 attempts); ' + CLAUSE.format('create'))
    assert (error.may_have_been_committed, error.unconfirmed_action) == (True, 'create')
    assert fake.methods() == ['Login', 'CreateSystem'] + ['FindSystemByName'] * 3


def test_a_lost_create_whose_lookup_fails_when_giving_up_raises_its_own_error_saying_so(make_client, fake):
    client = make_client(max_retries=0)
    client.login()
    fake.fail_next('CreateSystem', 'drop_after_commit')
    fake.fail_next('FindSystemByName', 'refused')
    with pytest.raises(pc.TransportError) as caught:
        _create(client)
    error = caught.value
    assert error.message.startswith('SystemService/CreateSystem: no answer from Puddle')
    assert error.message.endswith(CLAUSE.format('create'))
    assert 'gave up' not in error.message
    assert (error.may_have_been_committed, error.unconfirmed_action) == (True, 'create')


def test_a_5xx_on_create_is_reported_as_possibly_carried_out_even_when_the_lookup_finds_nothing(client, fake):
    # The lookup may not see a commit yet (a stale read), so it cannot prove the create was not carried out.
    fake.fail_next('CreateSystem', 'internal')
    with pytest.raises(pc.ServerError) as caught:
        _create(client)
    assert caught.value.unconfirmed_action == 'create'
    assert caught.value.message == 'SystemService/CreateSystem: injected internal; ' + CLAUSE.format('create')


@pytest.mark.parametrize('method, call, action', [
    ('StartSystem', 'start_system', 'start'),
    ('StopSystem', 'stop_system', 'stop'),
    ('RestartSystem', 'restart_system', 'restart'),
    ('FailSystem', 'fail_system', 'fail'),
    ('TerminateSystem', 'terminate_system', 'terminate'),
    ('RefreshIdleTimeout', 'refresh_idle_timeout', 'refresh_idle_timeout'),
])
def test_every_action_whose_answer_was_lost_then_refused_says_it_may_have_been_carried_out(
        make_client, fake, method, call, action):
    client = make_client(max_retries=1)
    system = fake.add_system(status='started')
    fake.fail_next(method, 'drop_after_commit')
    fake.fail_next(method, 'refused', times=5)
    fake.fail_next('GetSystem', 'refused', times=5)  # and the read that could tell a restart or refresh done
    with pytest.raises(pc.TransportError) as caught:
        getattr(client, call)(system['id'])
    assert caught.value.unconfirmed_action == action
    assert caught.value.may_have_been_committed is True
    assert caught.value.message.endswith(CLAUSE.format(action))


def test_an_upload_whose_answer_was_lost_then_refused_says_it_may_have_been_carried_out(make_client, fake):
    client = make_client(max_retries=1)
    system = fake.add_system(status='started')
    fake.fail_next('UpdateConfigToml', 'drop_after_commit')
    fake.fail_next('UpdateConfigToml', 'refused', times=5)
    fake.fail_next('GetConfigToml', 'refused', times=5)  # the read-back that could tell the upload done
    with pytest.raises(pc.TransportError) as caught:
        client.update_config_toml(system['id'], 'a = 1\n')
    assert caught.value.unconfirmed_action == 'upload'
    assert caught.value.message.endswith(CLAUSE.format('upload'))


def test_a_new_login_failing_after_a_lost_answer_says_the_action_may_have_been_carried_out(make_client, fake):
    client = make_client(max_retries=1)
    system = fake.add_system(status='started')
    client.login()
    fake.fail_next('StopSystem', 'drop_after_commit')
    fake.fail_next('StopSystem', 'token_expired')
    fake.fail_next('Login', 'refused', times=5)
    with pytest.raises(pc.TransportError) as caught:
        client.stop_system(system['id'])
    assert caught.value.message.startswith('AuthService/Login')
    assert caught.value.unconfirmed_action == 'stop'
    assert fake.methods() == ['Login', 'StopSystem', 'StopSystem', 'Login', 'Login']


def test_a_mutating_call_failing_without_a_lost_answer_claims_nothing(make_client, fake):
    client = make_client(max_retries=1)
    client.login()
    fake.fail_next('CreateSystem', 'refused', times=5)
    with pytest.raises(pc.TransportError) as caught:
        _create(client)
    assert caught.value.may_have_been_committed is False
    assert caught.value.unconfirmed_action is None
    assert 'may have carried out' not in caught.value.message
    assert fake.methods() == ['Login', 'CreateSystem', 'CreateSystem']


@pytest.mark.parametrize('method, read', [
    ('GetSystem', lambda client, system: client.get_system(system['id'])),
    ('FindSystemByName', lambda client, system: client.find_system_by_name(system['name'])),
    ('ListSystems', lambda client, system: client.list_systems()),
    ('GetConfigToml', lambda client, system: client.get_config_toml(system['id'])),
])
def test_a_read_whose_answer_was_lost_claims_nothing(make_client, fake, method, read):
    client = make_client(max_retries=1)
    client.login()
    system = fake.add_system()
    fake.fail_next(method, 'drop_after_commit')
    fake.fail_next(method, 'refused', times=5)
    with pytest.raises(pc.TransportError) as caught:
        read(client, system)
    assert caught.value.may_have_been_committed is False
    assert caught.value.unconfirmed_action is None
    assert caught.value.message.endswith('(gave up after 2 attempts)')


def test_the_clause_holds_no_secret(make_client, fake):
    client = make_client(max_retries=1)
    fake.fail_next('CreateSystem', 'drop_after_commit')
    fake.fail_next('CreateSystem', 'refused', times=5)
    fake.stale_find = 1
    with pytest.raises(pc.TransportError) as caught:
        _create(client)
    assert client.token and client.token not in caught.value.message
    assert 'demo-secret-key' not in caught.value.message
    assert CLAUSE.format('create') in caught.value.message


def test_take_unconfirmed_takes_the_action_once():
    error = pc.TransportError('lost')
    assert error.unconfirmed_action is None
    assert pc.take_unconfirmed(error) is None
    error.unconfirmed_action = 'create'
    assert pc.take_unconfirmed(error) == {'action': 'create', 'reason': 'answer_lost'}
    assert error.unconfirmed_action is None
    assert pc.take_unconfirmed(error) is None
    assert pc.take_unconfirmed('a plain message') is None


def test_every_mutating_route_names_its_action_and_reads_name_none():
    assert set(pc.ACTION_OF_ROUTE) == {
        'create_system', 'start_system', 'stop_system', 'restart_system', 'fail_system', 'terminate_system',
        'refresh_idle_timeout', 'update_config_toml'}
    assert set(pc.ACTION_OF_ROUTE) <= set(pc.ROUTES)
