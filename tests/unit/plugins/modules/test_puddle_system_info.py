# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.puddle.cloud.plugins.module_utils import client_factory
from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import PuddleClient
from ansible_collections.puddle.cloud.plugins.modules import puddle_system_info
from ansible_collections.puddle.cloud.tests.unit.plugins.module_utils.fake_puddle import SERVER, FakePuddle

CONNECTION = dict(server_address=SERVER, api_key_id='demo-key-id', api_secret_key='demo-secret-key')


class ConsumptionPuddle(FakePuddle):
    def _rpc_GetCUConsumptionInfo(self, body, user):
        mine = [dict(system_id=system['id'], system_name=system['name'], status=system['status'], cu_per_hour=2)
                for system in self.live_systems() if system['owner'] == user['id'] and system['status'] == 'started']
        return self._ok({'available_cu': 1000 - 2 * len(mine) - 8, 'consumed_cu': 2 * len(mine) + 8,
                         'systems_consumption_info': mine})


@pytest.fixture
def fake(monkeypatch):
    fake = ConsumptionPuddle()
    fake.add_system('alpha-1', 'started', tags=[{'name': 'cost-center', 'value': 'rnd'}, {'name': 'project', 'value': 'alpha'}])
    fake.add_system('alpha-2', 'stopped', tags=[{'name': 'project', 'value': 'alpha'}])
    fake.add_system('beta-1', 'started', tags=[{'name': 'project', 'value': 'beta'}])
    fake.add_system('gone', 'terminated')
    fake.add_system('not-mine', 'started', owner='u-other')
    monkeypatch.setitem(client_factory.CLIENT_CLASSES, 'builtin', lambda **options: PuddleClient(
        transport=fake, sleep=fake.clock.sleep, monotonic=fake.clock.monotonic, **options))
    return fake


def run_module(args, capsys):
    with patch_module_args(dict(CONNECTION, **args)):
        with pytest.raises(SystemExit):
            puddle_system_info.main()
    return json.loads(capsys.readouterr().out)


def names(result):
    return [system['name'] for system in result['systems']]


def test_lists_the_users_live_systems_with_one_request(fake, capsys):
    result = run_module(dict(), capsys)
    assert result['changed'] is False
    assert names(result) == ['alpha-1', 'alpha-2', 'beta-1']
    assert fake.methods() == ['Login', 'ListSystems']
    assert 'cu_consumption' not in result


def test_tags_are_returned_as_a_dict(fake, capsys):
    result = run_module(dict(name='alpha-1'), capsys)
    assert result['systems'][0]['tags'] == {'cost-center': 'rnd', 'project': 'alpha'}
    assert result['systems'][0]['id'] == 'sys-1'


def test_by_name(fake, capsys):
    result = run_module(dict(name='beta-1'), capsys)
    assert names(result) == ['beta-1']
    assert fake.methods() == ['Login', 'FindSystemByName']


def test_unknown_name_gives_an_empty_list(fake, capsys):
    result = run_module(dict(name='nothing-here'), capsys)
    assert result['systems'] == []
    assert 'failed' not in result


def test_by_id(fake, capsys):
    result = run_module(dict(id='sys-2'), capsys)
    assert names(result) == ['alpha-2']
    assert fake.methods() == ['Login', 'GetSystem']


def test_unknown_id_and_other_users_id_give_an_empty_list(fake, capsys):
    assert run_module(dict(id='sys-999'), capsys)['systems'] == []
    assert run_module(dict(id='sys-5'), capsys)['systems'] == []


def test_a_terminated_system_is_still_found_by_id(fake, capsys):
    result = run_module(dict(id='sys-4'), capsys)
    assert [system['status'] for system in result['systems']] == ['terminated']


def test_filters_by_status_and_tags(fake, capsys):
    assert names(run_module(dict(status=['started']), capsys)) == ['alpha-1', 'beta-1']
    assert names(run_module(dict(tags={'project': 'alpha'}), capsys)) == ['alpha-1', 'alpha-2']
    assert names(run_module(dict(tags={'project': 'alpha'}, status=['stopped']), capsys)) == ['alpha-2']
    assert names(run_module(dict(name='alpha-1', status=['stopped']), capsys)) == []


def test_cu_consumption(fake, capsys):
    result = run_module(dict(cu_consumption=True, status=['stopped']), capsys)
    assert names(result) == ['alpha-2']
    assert result['cu_consumption'] == {
        'available_cu': 988, 'consumed_cu': 12, 'unknown_attributes': [],
        'systems_consumption_info': [
            {'system_id': 'sys-1', 'system_name': 'alpha-1', 'status': 'started', 'cu_per_hour': 2,
             'unknown_attributes': []},
            {'system_id': 'sys-3', 'system_name': 'beta-1', 'status': 'started', 'cu_per_hour': 2,
             'unknown_attributes': []},
        ]}
    assert fake.methods() == ['Login', 'ListSystems', 'GetCUConsumptionInfo']


def test_name_and_id_are_mutually_exclusive(fake, capsys):
    result = run_module(dict(name='alpha-1', id='sys-1'), capsys)
    assert result['failed'] is True
    assert 'mutually exclusive' in result['msg']
    assert fake.requests == []


@pytest.mark.parametrize('entry', [{'name': 'env'}, 'env', None])
def test_a_tag_entry_without_a_value_makes_the_tags_unknown(fake, capsys, entry):
    """Puddle's answer carries a tag without its value (or not as a mapping): the tags are unknown, not "no value"."""
    fake.add_system('odd-1', 'started', tags=[{'name': 'project', 'value': 'alpha'}, entry])
    listed = run_module(dict(name='odd-1'), capsys)
    assert 'tags' not in listed['systems'][0]
    assert 'tags' in listed['systems'][0]['unknown_attributes']
    # Every other system carries no env tag (no value): null selects them, never odd-1.
    for tags, expected in (({'env': None}, ['alpha-1', 'alpha-2', 'beta-1']), ({'env': 'prod'}, []),
                           ({'project': 'alpha'}, ['alpha-1', 'alpha-2'])):
        assert names(run_module(dict(tags=tags), capsys)) == expected
    assert 'odd-1' in names(run_module(dict(), capsys))
