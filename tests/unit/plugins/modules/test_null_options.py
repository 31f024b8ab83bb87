# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""docs/reliability.md rule 3: an option given as null is an option not given, for Ansible's own checks too."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.puddle.cloud.plugins.module_utils import client_factory
from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import PuddleClient
from ansible_collections.puddle.cloud.plugins.modules import puddle_system, puddle_system_info
from ansible_collections.puddle.cloud.tests.unit.plugins.module_utils.fake_puddle import SERVER, FakePuddle
from ansible_collections.puddle.cloud.tests.unit.plugins.modules.fake_systems_client import (
    FakeSystemsClient,
    make_system,
)

CREATE = dict(name='sys', cloud='aws', product='dai', version='1.11.1', instance_type='m5.xlarge', tags={'project': 'demo'})


def test_null_image_next_to_product_and_version_is_not_mutually_exclusive(run_module):
    fake = FakeSystemsClient()
    result, dummy = run_module(puddle_system.main, fake, dict(CREATE, image=None))
    assert 'failed' not in result, result
    assert result['actions'] == ['create']


def test_null_options_with_choices_take_their_default(run_module):
    fake = FakeSystemsClient([make_system('sys', 'started')])
    result, dummy = run_module(puddle_system.main, fake, dict(name='sys', state=None, cloud=None, product=None))
    assert 'failed' not in result, result
    assert (result['changed'], result['actions']) == (False, [])


def test_null_version_alone_is_not_required_together(run_module):
    fake = FakeSystemsClient([make_system('sys', 'started')])
    result, dummy = run_module(puddle_system.main, fake, dict(name='sys', product=None, version=None, image=None))
    assert 'failed' not in result, result


def test_a_given_option_is_still_checked(run_module):
    # Dropping nulls must not hide the rules for options that have a value.
    fake = FakeSystemsClient()
    result, dummy = run_module(puddle_system.main, fake, dict(CREATE, image='aws-dai-1.11.1', version=None))
    assert result['failed'] is True
    assert 'mutually exclusive' in result['msg']
    assert fake.mutating_methods() == []


def test_an_unknown_option_given_as_null_is_still_unsupported(run_module):
    fake = FakeSystemsClient()
    result, dummy = run_module(puddle_system.main, fake, dict(CREATE, imgae=None))
    assert result['failed'] is True
    assert 'imgae' in result['msg']


@pytest.fixture
def fake_puddle(monkeypatch):
    fake = FakePuddle()
    fake.add_system('alpha-1', 'started')
    monkeypatch.setitem(client_factory.CLIENT_CLASSES, 'builtin', lambda **options: PuddleClient(
        transport=fake, sleep=fake.clock.sleep, monotonic=fake.clock.monotonic, **options))
    return fake


def test_system_info_null_name_and_id_and_status_are_not_given(fake_puddle, capsys):
    args = dict(server_address=SERVER, api_key_id='demo-key-id', api_secret_key='demo-secret-key',
                name=None, id=None, status=None)
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            puddle_system_info.main()
    result = json.loads(capsys.readouterr().out)
    assert 'failed' not in result, result
    assert [system['name'] for system in result['systems']] == ['alpha-1']
