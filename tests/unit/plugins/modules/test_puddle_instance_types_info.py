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
from ansible_collections.puddle.cloud.plugins.modules import puddle_instance_types_info
from ansible_collections.puddle.cloud.tests.unit.plugins.module_utils.fake_puddle import SERVER, FakePuddle

CONNECTION = dict(server_address=SERVER, api_key_id='demo-key-id', api_secret_key='demo-secret-key')
TYPES = (('m5.xlarge', 4, 16, 0, 2), ('m5.4xlarge', 16, 64, 0, 8), ('p3.2xlarge', 8, 61, 1, 16))


class CataloguePuddle(FakePuddle):
    def _rpc_ListAvailableInstanceTypes(self, body, user):
        cloud = body['cloud']
        return self._ok({'instance_types': [
            dict(id='%s-%s' % (cloud, name), name=name, cloud=cloud, cpu=cpu, memory_gb=memory, gpu=gpu, cu_per_hour=cu)
            for name, cpu, memory, gpu, cu in TYPES]})


@pytest.fixture
def fake(monkeypatch):
    fake = CataloguePuddle()
    monkeypatch.delenv('PUDDLE_CLOUD', raising=False)
    monkeypatch.setitem(client_factory.CLIENT_CLASSES, 'builtin', lambda **options: PuddleClient(
        transport=fake, sleep=fake.clock.sleep, monotonic=fake.clock.monotonic, **options))
    return fake


def run_module(args, capsys):
    with patch_module_args(dict(CONNECTION, **args)):
        with pytest.raises(SystemExit):
            puddle_instance_types_info.main()
    return json.loads(capsys.readouterr().out)


def test_lists_every_instance_type_with_its_sizes(fake, capsys):
    result = run_module(dict(cloud='aws'), capsys)
    assert result['changed'] is False
    assert [item['name'] for item in result['instance_types']] == ['m5.xlarge', 'm5.4xlarge', 'p3.2xlarge']
    assert result['instance_types'][2] == dict(id='aws-p3.2xlarge', name='p3.2xlarge', cloud='aws', cpu=8, memory_gb=61,
                                               gpu=1, cu_per_hour=16, unknown_attributes=[])
    assert fake.methods() == ['Login', 'ListAvailableInstanceTypes']


def test_filters_by_name(fake, capsys):
    result = run_module(dict(cloud='aws', name=['p3.2xlarge', 'm5.xlarge']), capsys)
    assert [item['name'] for item in result['instance_types']] == ['m5.xlarge', 'p3.2xlarge']


def test_unknown_name_gives_an_empty_list(fake, capsys):
    result = run_module(dict(cloud='aws', name=['x9.huge']), capsys)
    assert result['instance_types'] == []
    assert 'failed' not in result


def test_cloud_choices_are_enforced_before_any_request(fake, capsys):
    result = run_module(dict(cloud='ibm'), capsys)
    assert result['failed'] is True
    assert 'cloud' in result['msg']
    assert fake.requests == []
