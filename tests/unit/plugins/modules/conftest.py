# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.puddle.cloud.plugins.module_utils import client_factory
from ansible_collections.puddle.cloud.tests.unit.plugins.modules.fake_systems_client import SECRET_KEY

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19
    import contextlib

    @contextlib.contextmanager
    def patch_module_args(args):
        saved = basic._ANSIBLE_ARGS
        basic._ANSIBLE_ARGS = to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': args}))
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = saved

CONNECTION = dict(server_address='https://puddle.test', api_key_id='demo-key-id', api_secret_key=SECRET_KEY)


@pytest.fixture
def run_module(monkeypatch, capsys):
    """run_module(main, client, args, check_mode=False, diff=False) -> (result dict, raw output).

    The module runs for real (argument parsing, exit_json/fail_json and their no_log
    filtering); only PuddleClient is replaced by the given fake.
    """
    def run(main, client, args, check_mode=False, diff=False):
        monkeypatch.setitem(client_factory.CLIENT_CLASSES, 'builtin', lambda **kwargs: client)
        module_args = dict(CONNECTION, **args)
        module_args['_ansible_check_mode'] = check_mode
        module_args['_ansible_diff'] = diff
        with patch_module_args(module_args):
            with pytest.raises(SystemExit):
                main()
        output = capsys.readouterr().out
        return json.loads(output), output
    return run
