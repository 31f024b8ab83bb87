# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ansible-core's module packaging (AnsiballZ) still ships puddle_pyclient, which client_factory
imports only when api_client=puddle_client is chosen (issue 22). Here, not beside the module_utils
tests: ansible-test runs those without ansible-core's controller code."""

from __future__ import absolute_import, division, print_function

import ast
import inspect

from ansible.executor.module_common import ModuleDepFinder

from ansible_collections.puddle.cloud.plugins.module_utils import client_factory

PYCLIENT = 'ansible_collections.puddle.cloud.plugins.module_utils.puddle_pyclient'


def test_the_adapter_is_still_found_by_ansible_core_s_module_packaging():
    """AnsiballZ ships the module_utils its finder reads in the imports, function bodies included."""
    with open(client_factory.__file__, 'rb') as handle:
        data = handle.read()
    fqn = 'ansible_collections.puddle.cloud.plugins.module_utils.client_factory'
    second = list(inspect.signature(ModuleDepFinder.__init__).parameters)[2]
    finder = ModuleDepFinder(fqn, data if second == 'module_data' else ast.parse(data))
    # Found (an import below the top level counts as "optional" there: shipped when it exists,
    # no error when it does not; the integration pass with api_client=puddle_client runs it).
    assert PYCLIENT in set('.'.join(names) for names in finder.submodules)
