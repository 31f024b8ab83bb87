# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A task loads only what it uses (issue 22): the builtin client's path imports neither Puddle's
own client adapter nor email.utils, and ansible-core's packaging still ships the adapter."""

from __future__ import absolute_import, division, print_function

import ast
import inspect
import json
import os
import subprocess
import sys

from ansible_collections.puddle.cloud.plugins.module_utils import client_factory

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


def test_the_adapter_is_still_found_by_ansible_core_s_module_packaging():
    """AnsiballZ ships the module_utils its finder reads in the imports, function bodies included."""
    from ansible.executor.module_common import ModuleDepFinder  # pylint: disable=import-outside-toplevel
    with open(client_factory.__file__, 'rb') as handle:
        data = handle.read()
    fqn = 'ansible_collections.puddle.cloud.plugins.module_utils.client_factory'
    second = list(inspect.signature(ModuleDepFinder.__init__).parameters)[2]
    finder = ModuleDepFinder(fqn, data if second == 'module_data' else ast.parse(data))
    # Found (an import below the top level counts as "optional" there: shipped when it exists,
    # no error when it does not; the integration pass with api_client=puddle_client runs it).
    assert PYCLIENT in set('.'.join(names) for names in finder.submodules)
