# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PuddleClient's documented defaults (waits, polls, request timeout) and the edges of its error
handling, on the fake server and clock."""

import pytest

from ansible_collections.puddle.cloud.plugins.module_utils import puddle_client as pc
from ansible_collections.puddle.cloud.plugins.module_utils.puddle_http import OTHER, TransportFailure
from ansible_collections.puddle.cloud.tests.unit.plugins.module_utils.fake_puddle import FakeResponse


def test_a_wait_without_options_polls_every_5_s_for_1200_s(client, fake, clock):
    system = fake.add_system(status='starting')  # and it never gets there
    started = clock.now
    with pytest.raises(pc.WaitTimeoutError) as caught:
        client.wait_for_system_started(system['id'])
    assert clock.now - started == 1200
    assert set(clock.sleeps) == {5}
    assert caught.value.message.startswith('Timed out after 1200 s waiting for system {0} to be started'.format(
        system['id']))


def test_each_request_has_a_30_s_timeout_by_default(client, fake):
    fake.add_system(status='started')
    client.list_systems()
    assert [kwargs['timeout'] for _method, _body, _headers, kwargs in fake.requests] == [30, 30]  # Login, ListSystems


def test_a_poll_interval_under_one_second_is_accepted(client, fake, clock):
    system = fake.add_system(status='starting')
    fake.schedule(system['id'], clock.now + 1.2, 'started')
    assert client.wait_for_system_started(system['id'], timeout=10, poll_interval=0.5)['status'] == 'started'
    assert set(clock.sleeps) == {0.5}


@pytest.mark.parametrize('poll_interval', [0, -1])
def test_a_poll_interval_of_zero_or_less_is_refused(client, fake, poll_interval):
    system = fake.add_system(status='starting')
    with pytest.raises(pc.ConfigurationError) as caught:
        client.wait_for_system_started(system['id'], poll_interval=poll_interval)
    assert caught.value.field == 'poll_interval'


def test_the_first_poll_is_at_once_when_the_system_was_touched_more_than_a_poll_interval_ago(client, fake, clock):
    system = fake.add_system(status='stopped')
    client.start_system(system['id'])
    clock.sleep(30)  # the module did something else meanwhile
    fake.schedule(system['id'], clock.now, 'started')
    del clock.sleeps[:]
    assert client.wait_for_system_started(system['id'])['status'] == 'started'
    assert clock.sleeps == []


def test_a_transport_failure_of_another_kind_is_not_retried(client, fake):
    sent = []

    def refuse(url, body, headers, timeout):
        sent.append(url)
        raise TransportFailure(OTHER, "unsupported URL scheme 'ftp'")
    fake.post = refuse
    client.token = 'given-token'
    with pytest.raises(pc.TransportError) as caught:
        client.get_system('sys-1')
    assert caught.value.retryable is False
    assert len(sent) == 1
    assert caught.value.message == (
        "SystemService/GetSystem: request to server_address %s (option server_address or PUDDLE_SERVER_ADDRESS) "
        "failed (unsupported URL scheme 'ftp')" % client.server_address)


def test_a_200_answer_that_is_not_a_json_object_is_not_puddles_api_with_status_200(client, fake):
    fake.post = lambda *args, **kwargs: FakeResponse(200, ['not', 'an', 'object'])
    client.token = 'given-token'
    client.max_retries = 0
    with pytest.raises(pc.NotPuddleApiError) as caught:
        client.get_system('sys-1')
    assert caught.value.http_status == 200
    assert 'HTTP 200 with JSON that is not an object' in caught.value.message


def test_only_an_unauthenticated_answer_makes_the_client_log_in_again(client, fake):
    answers = []

    def refuse(url, body, headers, timeout):
        answers.append(url.rsplit('/', 1)[-1])
        return FakeResponse(403, {'code': 'permission_denied', 'msg': 'not yours', 'meta': {'reason': 'token_expired'}})
    fake.post = refuse
    client.token = 'given-token'
    with pytest.raises(pc.AuthError):
        client.get_system('sys-1')
    assert answers == ['GetSystem']


def test_by_default_the_client_retries_10_times_with_backoff_up_to_10_s(client, fake, clock):
    fake.fail_next('GetSystem', 'unavailable', times=100)
    client.token = 'given-token'
    with pytest.raises(pc.UnavailableError) as caught:
        client.get_system('sys-1')
    assert len(fake.calls('GetSystem')) == 11
    # random() answers 1.0: the top of each full-jitter range min(10, 0.5 * 2 ** attempt).
    assert clock.sleeps == [0.5, 1, 2, 4, 8, 10, 10, 10, 10, 10]
    assert caught.value.message.endswith('(gave up after 11 attempts)')


def test_a_retry_after_over_60_s_is_honoured_for_60_s(client, fake, clock):
    fake.fail_next('GetSystem', 'rate_limited', retry_after=3600)
    fake.add_system(status='started')
    client.token = None
    client.login()
    client.get_system('sys-1')
    assert clock.sleeps == [60]


def test_call_without_a_body_sends_an_empty_object(client, fake):
    client.login()
    client.call('list_tags')
    assert fake.requests[-1][1] == {}


def test_an_error_answer_without_a_message_is_named_by_its_code(client, fake):
    fake.post = lambda *args, **kwargs: FakeResponse(404, {'code': 'not_found'})
    client.token = 'given-token'
    with pytest.raises(pc.NotFoundError) as caught:
        client.get_system('sys-1')
    assert 'not_found' in caught.value.message


def test_wait_until_stable_returns_a_failed_system_without_raising(client, fake, clock):
    system = fake.add_system(status='starting')
    fake.schedule(system['id'], clock.now + 3, 'failed')
    assert client.wait_until_stable(system['id'], poll_interval=1)['status'] == 'failed'


def test_a_failed_system_without_name_is_named_by_its_id(client, fake, clock):
    system = fake.add_system(name='', status='starting')
    fake.schedule(system['id'], clock.now + 3, 'failed')
    with pytest.raises(pc.SystemFailedError) as caught:
        client.wait_for_system_started(system['id'], poll_interval=1)
    assert caught.value.message.startswith('System {0} entered failed'.format(system['id']))


def test_the_wait_for_an_upload_ends_when_the_config_is_already_applied(client, fake):
    system = fake.add_system(status='started')
    fake.config_status_script[system['id']].extend(['uploading', 'applied'])
    config = client.wait_for_config_toml_uploaded(system['id'], poll_interval=2)
    assert config['config_toml_status'] == 'applied'


def test_a_poll_slower_than_the_poll_interval_is_followed_by_the_next_one_at_once(make_client, fake, clock):
    fake.latency = 3.0  # each request takes 3 s of the fake clock, more than the 2 s poll interval
    client = make_client()
    system = fake.add_system(status='starting')
    fake.schedule(system['id'], clock.now + 10, 'started')
    assert client.wait_for_system_started(system['id'], poll_interval=2)['status'] == 'started'
    assert all(seconds >= 0 for seconds in clock.sleeps)


def test_a_retry_after_date_in_the_past_means_at_once():
    # 2026-11-30 12:00:00 UTC is 1,796,040,000 s after the epoch; the date is 10 s earlier.
    assert pc.parse_retry_after('Mon, 30 Nov 2026 11:59:50 GMT', now=1796040000.0) == 0.0
    assert pc.parse_retry_after('Mon, 30 Nov 2026 12:00:10 GMT', now=1796040000.0) == 10.0


@pytest.mark.parametrize('field', ['id', 'name', 'status'])
def test_a_system_read_without_an_essential_field_is_refused_naming_it(client, fake, monkeypatch, field):
    # issue 19.1: a system without a status would read as absent (and be created again); never guessed around.
    partial = dict(fake.add_system('partial'))
    del partial[field]
    monkeypatch.setattr(fake, '_rpc_ListSystems', lambda body, user: fake._ok({'systems': [partial]}))
    monkeypatch.setattr(fake, '_rpc_FindSystemByName', lambda body, user: fake._ok({'system': partial}))
    for read in (client.list_systems, lambda: client.find_system_by_name('partial')):
        with pytest.raises(pc.ServerError) as caught:
            read()
        assert 'without {0}'.format(field) in caught.value.message


def test_a_field_an_answer_lacks_stays_absent(client, fake):
    system = fake.add_system('partial')
    del system['tags']
    found = client.find_system_by_name('partial')
    assert 'tags' not in found and found['name'] == 'partial'
