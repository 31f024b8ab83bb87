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
from ansible_collections.puddle.cloud.plugins.modules import puddle_images_info
from ansible_collections.puddle.cloud.tests.unit.plugins.module_utils.fake_puddle import SERVER, FakePuddle

CONNECTION = dict(server_address=SERVER, api_key_id='demo-key-id', api_secret_key='demo-secret-key')


def image(cloud, product, version, status):
    return dict(id='%s-%s-%s' % (cloud, product, version), name='%s %s' % (product, version), cloud=cloud,
                product=product, version=version, status=status)


class CataloguePuddle(FakePuddle):
    def _rpc_ListAvailableImages(self, body, user):
        cloud = body['cloud']
        return self._ok({'images': [image(cloud, 'dai', '1.10.6', 'active'), image(cloud, 'dai', '1.11.1', 'active'),
                                    image(cloud, 'dai', '1.9.3', 'deprecated'), image(cloud, 'h2o3', '3.46.0.1', 'active'),
                                    image(cloud, 'dai', '0.0.1', 'failed')]})


@pytest.fixture
def fake(monkeypatch):
    fake = CataloguePuddle()
    monkeypatch.delenv('PUDDLE_CLOUD', raising=False)
    monkeypatch.setitem(client_factory.CLIENT_CLASSES, 'builtin', lambda **options: PuddleClient(
        transport=fake, sleep=fake.clock.sleep, monotonic=fake.clock.monotonic, **options))
    return fake


def run_module(args, capsys, check_mode=False):
    args = dict(CONNECTION, **args)
    if check_mode:
        args['_ansible_check_mode'] = True
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            puddle_images_info.main()
    return json.loads(capsys.readouterr().out)


def test_lists_all_images_of_the_cloud_with_one_request(fake, capsys):
    result = run_module(dict(cloud='azure'), capsys)
    assert result['changed'] is False
    assert [item['id'] for item in result['images']] == [
        'azure-dai-1.10.6', 'azure-dai-1.11.1', 'azure-dai-1.9.3', 'azure-h2o3-3.46.0.1', 'azure-dai-0.0.1']
    assert fake.methods() == ['Login', 'ListAvailableImages']
    assert fake.calls('ListAvailableImages') == [{'cloud': 'azure'}]


def test_filters_by_product_version_and_status(fake, capsys):
    result = run_module(dict(cloud='aws', product='dai', version=['1.11.1', '1.9.3'], status=['active']), capsys)
    assert [item['id'] for item in result['images']] == ['aws-dai-1.11.1']
    assert set(result['images'][0]) == {'id', 'name', 'cloud', 'product', 'version', 'status', 'unknown_attributes'}


def test_cloud_comes_from_the_environment(fake, capsys, monkeypatch):
    monkeypatch.setenv('PUDDLE_CLOUD', 'gcp')
    result = run_module(dict(), capsys)
    assert fake.calls('ListAvailableImages') == [{'cloud': 'gcp'}]
    assert result['images'][0]['cloud'] == 'gcp'


def test_check_mode_gives_the_same_answer(fake, capsys):
    result = run_module(dict(cloud='aws', status=['deprecated']), capsys, check_mode=True)
    assert [item['version'] for item in result['images']] == ['1.9.3']
    assert result['changed'] is False


def test_cloud_is_required(fake, capsys):
    result = run_module(dict(), capsys)
    assert result['failed'] is True
    assert 'cloud' in result['msg']
    assert fake.requests == []


def test_wrong_credentials_fail_cleanly(fake, capsys):
    result = run_module(dict(cloud='aws', api_secret_key='wrong-secret'), capsys)
    assert result['failed'] is True
    assert result['failure']['code'] == 'unauthenticated'
    assert 'wrong-secret' not in json.dumps(result)
