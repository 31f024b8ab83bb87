# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place where the api_client option picks the client: plain Python, no Ansible import.

Modules (through puddle_module), the inventory plugin and the lookup call make_client(); what they
get answers the same methods with the same dicts and typed errors whichever client it is.
"""

from ansible_collections.puddle.cloud.plugins.module_utils.option_ranges import RULE, first_seconds_problem
from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import (
    ConfigurationError,
    PuddleClient,
    ValidationFailedError,
)

BUILTIN = 'builtin'
PYTHON_CLIENT = 'puddle_client'
API_CLIENT_CHOICES = (BUILTIN, PYTHON_CLIENT)
API_CLIENT_ENV = 'PUDDLE_API_CLIENT'


def python_client_adapter(**options):
    """A PythonClientAdapter for options; its module is imported only when api_client=puddle_client is chosen.

    A task with the builtin client so neither compiles nor imports puddle_pyclient (about 10 ms of
    every task). The import stays a plain `from ... import` of the collection's module_utils:
    ansible-core's module packaging (AnsiballZ) finds the module_utils a module needs by reading
    its imports, function bodies included, so puddle_pyclient still travels with every module.
    """
    from ansible_collections.puddle.cloud.plugins.module_utils import puddle_pyclient  # pylint: disable=import-outside-toplevel
    return puddle_pyclient.PythonClientAdapter(**options)


CLIENT_CLASSES = {
    BUILTIN: PuddleClient,
    PYTHON_CLIENT: python_client_adapter,
}


def make_client(api_client=None, **options):
    """A client for options (server_address, api_key_id, ...): PuddleClient or PythonClientAdapter."""
    api_client = api_client or BUILTIN
    if api_client not in CLIENT_CLASSES:
        raise ConfigurationError('api_client must be one of {0}, got {1!r}'.format(', '.join(API_CLIENT_CHOICES), api_client),
                                 meta={'field': 'api_client', 'rule': 'enum'})
    # Before any request: a timeout that is not a finite number (or is negative) would disable its bound.
    problem = first_seconds_problem(options)
    if problem is not None:
        raise ValidationFailedError(problem[1], meta={'field': problem[0], 'rule': RULE})
    return CLIENT_CLASSES[api_client](**options)
