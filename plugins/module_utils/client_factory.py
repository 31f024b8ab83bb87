# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place where the api_client option picks the client: plain Python, no Ansible import.

Modules (through puddle_module), the inventory plugin and the lookup call make_client(); what they
get answers the same methods with the same dicts and typed errors whichever client it is.
"""

from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import ConfigurationError, PuddleClient
from ansible_collections.puddle.cloud.plugins.module_utils.puddle_pyclient import PythonClientAdapter

BUILTIN = 'builtin'
PYTHON_CLIENT = 'puddle_client'
API_CLIENT_CHOICES = (BUILTIN, PYTHON_CLIENT)
API_CLIENT_ENV = 'PUDDLE_API_CLIENT'

CLIENT_CLASSES = {
    BUILTIN: PuddleClient,
    PYTHON_CLIENT: PythonClientAdapter,
}


def make_client(api_client=None, **options):
    """A client for options (server_address, api_key_id, ...): PuddleClient or PythonClientAdapter."""
    api_client = api_client or BUILTIN
    if api_client not in CLIENT_CLASSES:
        raise ConfigurationError('api_client must be one of {0}, got {1!r}'.format(', '.join(API_CLIENT_CHOICES), api_client),
                                 meta={'field': 'api_client', 'rule': 'enum'})
    return CLIENT_CLASSES[api_client](**options)
