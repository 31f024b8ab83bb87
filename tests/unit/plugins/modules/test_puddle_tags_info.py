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
from ansible_collections.puddle.cloud.plugins.modules import puddle_tags_info
from ansible_collections.puddle.cloud.tests.unit.plugins.module_utils.fake_puddle import SERVER, FakePuddle

CONNECTION = dict(server_address=SERVER, api_key_id='demo-key-id', api_secret_key='demo-secret-key')
TAGS = [
    dict(name='project', label='Project', required=True, default_value='', status='active'),
    dict(name='cost-center', label='Cost center', required=False, default_value='rnd', status='active'),
    dict(name='legacy', label='Legacy', required=False, default_value='', status='disabled'),
]


class TagPuddle(FakePuddle):
    def _rpc_ListTags(self, body, user):
        return self._ok({'tags': [dict(tag) for tag in TAGS]})


@pytest.fixture
def fake(monkeypatch):
    fake = TagPuddle()
    monkeypatch.setitem(client_factory.CLIENT_CLASSES, 'builtin', lambda **options: PuddleClient(
        transport=fake, sleep=fake.clock.sleep, monotonic=fake.clock.monotonic, **options))
    return fake


def run_module(args, capsys):
    with patch_module_args(dict(CONNECTION, **args)):
        with pytest.raises(SystemExit):
            puddle_tags_info.main()
    return json.loads(capsys.readouterr().out)


def test_lists_every_tag_definition(fake, capsys):
    result = run_module(dict(), capsys)
    assert result['changed'] is False
    assert result['tags'] == [dict(tag, unknown_attributes=[]) for tag in TAGS]
    assert fake.methods() == ['Login', 'ListTags']


def test_filters_by_status_and_name(fake, capsys):
    assert [tag['name'] for tag in run_module(dict(status=['active']), capsys)['tags']] == ['project', 'cost-center']
    assert [tag['name'] for tag in run_module(dict(name=['legacy', 'nope']), capsys)['tags']] == ['legacy']


def test_secret_is_not_in_the_result(fake, capsys):
    result = run_module(dict(), capsys)
    assert 'demo-secret-key' not in json.dumps(result)
