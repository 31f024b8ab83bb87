# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A task loads only what it uses (issue 22): the builtin client's path imports neither Puddle's
own client adapter nor email.utils.

That ansible-core's packaging still ships the adapter: tests/unit/plugins/action/test_module_packaging.py
(controller code, which the module_utils tests cannot import)."""

from __future__ import absolute_import, division, print_function

import json
import os
import subprocess
import sys

PROBE = """
import json, sys
import ansible_collections.puddle.cloud.plugins.modules.puddle_system
from ansible_collections.puddle.cloud.plugins.module_utils.client_factory import make_client
try:
    make_client(api_client=%r, server_address='http://127.0.0.1:9', api_key_id='k', api_secret_key='s')
except Exception as error:  # Puddle's own client is not installed here: the adapter says so, once imported
    print(type(error).__name__)
print(json.dumps(sorted(name for name in sys.modules if name.startswith(('ansible_collections.puddle', 'email')))))
"""
PYCLIENT = 'ansible_collections.puddle.cloud.plugins.module_utils.puddle_pyclient'


def loaded_after(api_client):
    """The collection's and email's modules a fresh interpreter holds after a client of api_client is made."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(path for path in sys.path if path))
    output = subprocess.check_output([sys.executable, '-c', PROBE % api_client], env=env)
    return json.loads(output.decode('utf-8').strip().splitlines()[-1])


def test_the_builtin_client_imports_neither_the_adapter_nor_email_utils():
    loaded = loaded_after('builtin')
    assert 'ansible_collections.puddle.cloud.plugins.module_utils.puddle_client' in loaded
    assert PYCLIENT not in loaded
    assert not [name for name in loaded if name.startswith('email')]


def test_puddle_client_is_imported_when_chosen():
    assert PYCLIENT in loaded_after('puddle_client')


# What a no-op puddle_system task with the builtin client imports of the collection's module_utils: each is
# compiled from source in every task's process (AnsiballZ ships no .pyc), so a new top-level import on this
# path must be a choice, made here. cu_pool (the CU pool's simulation: only a create or a start runs it),
# other_writers (only a refusal caused by someone else's move), system_fleet, config_toml, server_info,
# puddle_info and puddle_pyclient are imported where they run. option_ranges is the check of the seconds options
# that every task runs before its first request. puddle_waiting (the wait loops: only a task that waits),
# failure_messages (an answer that is not Puddle's API, a request that did not travel) and wire_time (only an
# HTTP-date Retry-After) are imported by puddle_client where they run.
NO_OP_MODULE_UTILS = [
    'client_factory', 'model_attributes', 'option_ranges', 'puddle_client', 'puddle_http', 'puddle_module', 'system_spec',
    'system_transitions', 'tag_filters', 'text_conversions',
]
MODULE_UTILS = 'ansible_collections.puddle.cloud.plugins.module_utils.'


def test_the_no_op_path_imports_only_the_module_utils_it_runs():
    loaded = loaded_after('builtin')
    assert sorted(name[len(MODULE_UTILS):] for name in loaded if name.startswith(MODULE_UTILS)) == NO_OP_MODULE_UTILS
