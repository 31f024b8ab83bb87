# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lost answers to the changes Puddle would accept twice: UpdateConfigToml, RefreshIdleTimeout, RestartSystem.

Puddle refuses a second start, stop, fail or terminate of a system already there (failed_precondition), so a
retry of those is its own reconciliation. An upload, a refresh and a restart that is over are accepted again:
after a lost answer the client reads back what the change leaves (the text Puddle holds, the idle deadline)
and sends again only when that says the change was not carried out (issue 21, docs/reliability.md).
"""

import pytest

from ansible_collections.puddle.cloud.plugins.module_utils import puddle_client as pc

CLAUSE = 'an answer to this request was lost, so Puddle may have carried out the {0}: run the task again to converge'
BEFORE = '1970-01-01T00:10:00.000000Z'  # the idle deadline of a system started earlier (the fake clock is at 1000 s)


# -- UpdateConfigToml

def test_a_lost_upload_found_by_its_read_back_is_committed_and_reported_once(client, fake):
    system = fake.add_system(status='started', config_toml='a = 0\n')
    fake.fail_next('UpdateConfigToml', 'drop_after_commit')
    answer = client.update_config_toml(system['id'], 'a = 1\n')
    assert len(fake.calls('UpdateConfigToml')) == 1
    assert fake.methods() == ['Login', 'UpdateConfigToml', 'GetConfigToml', 'GetSystem']
    assert answer['config_toml_status'] == 'uploading'
    assert client.last_adoption == {'action': 'upload', 'reason': 'answer_lost', 'status': 'started'}


def test_a_lost_upload_whose_read_back_differs_is_sent_again(client, fake):
    system = fake.add_system(status='started', config_toml='a = 0\n')
    fake.fail_next('UpdateConfigToml', 'drop')  # no answer; Puddle never saw it, which the client cannot know
    answer = client.update_config_toml(system['id'], 'a = 1\n')
    assert fake.methods() == ['Login', 'UpdateConfigToml', 'GetConfigToml', 'UpdateConfigToml']
    assert fake.systems[system['id']]['config_toml'] == 'a = 1\n'
    assert answer['config_toml_status'] == 'uploading'
    assert client.last_adoption is None  # answered: the request sent again did it


def test_a_refused_upload_without_a_lost_answer_is_not_read_back(client, fake):
    system = fake.add_system(status='started')
    fake.fail_next('UpdateConfigToml', 'unavailable', times=2)
    client.update_config_toml(system['id'], 'a = 1\n')
    assert fake.methods() == ['Login'] + ['UpdateConfigToml'] * 3
    assert client.last_adoption is None


def test_a_lost_upload_whose_read_back_fails_is_unconfirmed_and_never_sent_again(make_client, fake):
    client = make_client(max_retries=1)
    system = fake.add_system(status='started')
    fake.fail_next('UpdateConfigToml', 'drop_after_commit')
    fake.fail_next('GetConfigToml', 'refused', times=5)
    with pytest.raises(pc.TransportError) as caught:
        client.update_config_toml(system['id'], 'a = 1\n')
    assert len(fake.calls('UpdateConfigToml')) == 1
    assert caught.value.unconfirmed_action == 'upload'
    assert caught.value.message.endswith(CLAUSE.format('upload'))


def test_a_lost_upload_found_but_whose_system_read_fails_is_carried_out(make_client, fake):
    client = make_client(max_retries=1)
    system = fake.add_system(status='started')
    fake.fail_next('UpdateConfigToml', 'drop_after_commit')
    fake.fail_next('GetSystem', 'refused', times=5)
    with pytest.raises(pc.TransportError) as caught:
        client.update_config_toml(system['id'], 'a = 1\n')
    assert len(fake.calls('UpdateConfigToml')) == 1
    assert pc.take_carried_out(caught.value) == 'upload'
    assert caught.value.unconfirmed_action is None  # carried out, so not "may have been": counted once
    assert 'may have carried out' not in caught.value.message


# -- RefreshIdleTimeout

def test_a_lost_refresh_whose_deadline_moved_is_not_sent_again(client, fake):
    system = fake.add_system(status='started', idle_deadline=BEFORE)
    client.get_system(system['id'])  # the deadline before the call, as the modules read it
    fake.fail_next('RefreshIdleTimeout', 'drop_after_commit')
    answer = client.refresh_idle_timeout(system['id'])
    assert fake.methods() == ['Login', 'GetSystem', 'RefreshIdleTimeout', 'GetSystem']
    assert answer['idle_deadline'] > BEFORE
    assert client.last_adoption == {'action': 'refresh_idle_timeout', 'reason': 'answer_lost', 'status': 'started'}


def test_a_lost_refresh_whose_deadline_did_not_move_is_sent_again(client, fake):
    system = fake.add_system(status='started', idle_deadline=BEFORE)
    client.list_systems()  # a listing tells the deadline too (puddle_fleet plans from one)
    fake.fail_next('RefreshIdleTimeout', 'drop')
    answer = client.refresh_idle_timeout(system['id'])
    assert fake.methods() == ['Login', 'ListSystems', 'RefreshIdleTimeout', 'GetSystem', 'RefreshIdleTimeout']
    assert answer['idle_deadline'] > BEFORE
    assert client.last_adoption is None


def test_a_lost_refresh_without_a_deadline_read_before_is_unconfirmed_and_never_sent_again(client, fake):
    system = fake.add_system(status='started', idle_deadline=BEFORE)  # never read by this client
    fake.fail_next('RefreshIdleTimeout', 'drop_after_commit')
    with pytest.raises(pc.TransportError) as caught:
        client.refresh_idle_timeout(system['id'])
    assert len(fake.calls('RefreshIdleTimeout')) == 1
    assert caught.value.unconfirmed_action == 'refresh_idle_timeout'
    assert caught.value.message.endswith(CLAUSE.format('refresh_idle_timeout'))


def test_a_lost_refresh_whose_deadline_is_not_reported_is_unconfirmed_and_never_sent_again(client, fake):
    system = fake.add_system(status='started', idle_deadline=BEFORE)
    client.get_system(system['id'])
    original = fake._rpc_RefreshIdleTimeout

    def refresh_then_hide_the_deadline(body, user):
        answer = original(body, user)
        del fake.systems[system['id']]['idle_deadline']
        return answer
    fake._rpc_RefreshIdleTimeout = refresh_then_hide_the_deadline
    fake.fail_next('RefreshIdleTimeout', 'drop_after_commit')
    with pytest.raises(pc.TransportError) as caught:
        client.refresh_idle_timeout(system['id'])
    assert fake.methods() == ['Login', 'GetSystem', 'RefreshIdleTimeout', 'GetSystem']
    assert caught.value.unconfirmed_action == 'refresh_idle_timeout'


# -- RestartSystem

def _restart_over_at_once(fake, system):
    """RestartSystem whose restart is over before the next request: started again, with a new idle deadline."""
    original = fake._rpc_RestartSystem

    def restart(body, user):
        answer = original(body, user)
        fake.systems[system['id']].update(status='started', idle_deadline=fake.idle_deadline(3600))
        return answer
    fake._rpc_RestartSystem = restart


def test_a_lost_restart_found_over_is_not_sent_again(client, fake):
    system = fake.add_system(status='started', idle_deadline=BEFORE)
    client.get_system(system['id'])
    _restart_over_at_once(fake, system)
    fake.fail_next('RestartSystem', 'drop_after_commit')
    answer = client.restart_system(system['id'])
    assert fake.methods() == ['Login', 'GetSystem', 'RestartSystem', 'GetSystem']
    assert answer['status'] == 'started'
    assert client.last_adoption == {'action': 'restart', 'reason': 'answer_lost', 'status': 'started'}


def test_a_lost_restart_found_under_way_is_not_sent_again(client, fake):
    system = fake.add_system(status='started', idle_deadline=BEFORE)
    fake.fail_next('RestartSystem', 'drop_after_commit')
    answer = client.restart_system(system['id'])
    assert fake.methods() == ['Login', 'RestartSystem', 'GetSystem']
    assert answer['status'] == 'restarting'
    assert client.last_adoption == {'action': 'restart', 'reason': 'answer_lost', 'status': 'restarting'}


def test_a_lost_restart_whose_deadline_did_not_move_is_sent_again(client, fake):
    system = fake.add_system(status='started', idle_deadline=BEFORE)
    client.get_system(system['id'])
    fake.fail_next('RestartSystem', 'drop')
    answer = client.restart_system(system['id'])
    assert fake.methods() == ['Login', 'GetSystem', 'RestartSystem', 'GetSystem', 'RestartSystem']
    assert answer['status'] == 'restarting'
    assert client.last_adoption is None


def test_a_lost_restart_that_nothing_tells_is_unconfirmed_and_never_sent_again(client, fake):
    system = fake.add_system(status='started', idle_deadline=BEFORE)  # never read by this client
    _restart_over_at_once(fake, system)
    fake.fail_next('RestartSystem', 'drop_after_commit')
    with pytest.raises(pc.TransportError) as caught:
        client.restart_system(system['id'])
    assert len(fake.calls('RestartSystem')) == 1
    assert caught.value.unconfirmed_action == 'restart'
    assert caught.value.message.endswith(CLAUSE.format('restart'))
