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
from ansible_collections.puddle.cloud.plugins.modules import puddle_system

MODULE_UTILS = 'ansible_collections.puddle.cloud.plugins.module_utils.'
PYCLIENT = 'ansible_collections.puddle.cloud.plugins.module_utils.puddle_pyclient'


def found_by_module_packaging(module, fqn):
    """The module names ansible-core's AnsiballZ dependency finder reads in module's source."""
    with open(module.__file__, 'rb') as handle:
        data = handle.read()
    second = list(inspect.signature(ModuleDepFinder.__init__).parameters)[2]
    finder = ModuleDepFinder(fqn, data if second == 'module_data' else ast.parse(data))
    return set('.'.join(names) for names in finder.submodules)


def test_the_adapter_is_still_found_by_ansible_core_s_module_packaging():
    """AnsiballZ ships the module_utils its finder reads in the imports, function bodies included."""
    # Found (an import below the top level counts as "optional" there: shipped when it exists,
    # no error when it does not; the integration pass with api_client=puddle_client runs it).
    assert PYCLIENT in found_by_module_packaging(client_factory, 'ansible_collections.puddle.cloud.plugins.module_utils.client_factory')


def test_puddle_system_s_lazy_imports_are_still_shipped():
    """cu_pool and other_writers, imported inside the functions that use them, still travel with puddle_system."""
    found = found_by_module_packaging(puddle_system, 'ansible_collections.puddle.cloud.plugins.modules.puddle_system')
    # `from ...other_writers import OtherWriters` is read as other_writers.OtherWriters; the packager then
    # ships the longest prefix that is a module.
    for name in ('cu_pool', 'other_writers'):
        assert [found_name for found_name in found if (found_name + '.').startswith(MODULE_UTILS + name + '.')], name


def test_puddle_client_s_lazy_imports_are_still_shipped():
    """puddle_waiting (the wait loops), failure_messages (the not-Puddle-API and transport messages) and wire_time
    (an HTTP-date Retry-After), imported inside the methods and functions that use them, still travel with every
    module that imports puddle_client."""
    from ansible_collections.puddle.cloud.plugins.module_utils import puddle_client
    found = found_by_module_packaging(puddle_client, 'ansible_collections.puddle.cloud.plugins.module_utils.puddle_client')
    # `from ...module_utils import puddle_waiting` is read as module_utils.puddle_waiting (a module: shipped as it is).
    for name in ('puddle_waiting', 'failure_messages', 'wire_time'):
        assert MODULE_UTILS + name in found, name
