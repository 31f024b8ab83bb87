# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: puddle_token
short_description: Log in to Puddle on the controller and return a session token
version_added: 0.1.0
description:
  - Logs in with O(api_key_id) and O(api_secret_key) (one C(AuthService/Login) request) and returns the token, for the
    O(puddle.cloud.puddle_system#module:api_token) option of the puddle.cloud modules.
  - With the token in C(module_defaults), a task of a puddle.cloud module skips its own login, so a task that changes
    nothing costs one request instead of two.
  - Every evaluation logs in again. Store the token once with M(ansible.builtin.set_fact) and C(no_log=true), as in the
    example; a play variable or a C(module_defaults) value holding the lookup itself would log in at every task.
  - The token is a secret. The lookup never shows it, but a task that prints the variable does; keep C(no_log=true) on
    the task that sets it.
  - The M(puddle.cloud.puddle_login) module does the same where the modules run.
author:
  - puddle.cloud contributors (@puddle-cloud)
options:
  server_address:
    description:
      - Address of the Puddle server, with its scheme, for example C(https://puddle.example.com).
      - Required, as an option or through the environment.
    type: str
    env:
      - name: PUDDLE_SERVER_ADDRESS
  api_key_id:
    description:
      - Id of the Puddle API key to log in with.
      - E(PUDDLE_API_KEY_ID) wins over E(PUDDLE_api_key_id), the spelling that Puddle's own Python client reads.
    type: str
    env:
      # When both are set, the last one listed wins: PUDDLE_API_KEY_ID, as with the modules.
      - name: PUDDLE_api_key_id
      - name: PUDDLE_API_KEY_ID
  api_secret_key:
    description:
      - Secret of the Puddle API key named by O(api_key_id). Never shown in errors.
      - E(PUDDLE_API_SECRET_KEY) wins over E(PUDDLE_api_secret_key), the spelling that Puddle's own Python client reads.
    type: str
    env:
      - name: PUDDLE_api_secret_key
      - name: PUDDLE_API_SECRET_KEY
  validate_certs:
    description:
      - Whether to verify the TLS certificate of the Puddle server.
    type: bool
    default: true
  ca_path:
    description:
      - Path of a PEM file with the CA certificates to verify the Puddle server with.
    type: path
  request_timeout:
    description:
      - Seconds to wait for the answer to the login request; lost answers and unavailable servers are retried.
      - A finite number greater than 0 and at most 31536000 (365 days); anything else (V(nan), V(inf), 0 or less,
        more than a year) fails before any request.
    type: float
    default: 30
  api_client:
    description:
      - Which client speaks to Puddle, V(builtin) or V(puddle_client) (Puddle's own Python client, installed on the
        controller), as for the puddle.cloud modules; see their O(puddle.cloud.puddle_system#module:api_client) option.
    type: str
    choices: [builtin, puddle_client]
    default: builtin
    env:
      - name: PUDDLE_API_CLIENT
requirements:
  - requests (only to reach Puddle through an HTTP proxy, see the modules' notes)
notes:
  - Each use sends one request, C(AuthService/Login). Look the token up once (for example with
    M(ansible.builtin.set_fact)) and pass it on, rather than looking it up in every task.
seealso:
  - module: puddle.cloud.puddle_login
"""

EXAMPLES = r"""
- name: Log in to Puddle once (server address and API key from the PUDDLE_* environment variables)
  ansible.builtin.set_fact:
    puddle_token: "{{ lookup('puddle.cloud.puddle_token') }}"
  no_log: true

- name: Converge many systems with that one login
  module_defaults:
    group/puddle.cloud.puddle:
      api_token: "{{ puddle_token }}"
  block:
    - name: Each of these tasks now costs one request when nothing changes
      puddle.cloud.puddle_system:
        name: "token-lab-{{ item }}"
        cloud: aws
        image: aws-h2o3-3.46.0.1
        instance_type: m5.xlarge
        tags:
          project: lab
      loop: [1, 2, 3]

- name: The key given as options
  ansible.builtin.set_fact:
    puddle_token: >-
      {{ lookup('puddle.cloud.puddle_token', server_address='https://puddle.example.com',
                api_key_id=vault_puddle_api_key_id, api_secret_key=vault_puddle_api_secret_key) }}
  no_log: true
"""

RETURN = r"""
_raw:
  description: One element, the session token.
  type: list
  elements: str
"""

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.puddle.cloud.plugins.module_utils.client_factory import make_client
from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import (
    ConfigurationError,
    PuddleError,
    scrub_secrets,
)

CONNECTION_OPTIONS = ('server_address', 'api_key_id', 'api_secret_key', 'validate_certs', 'ca_path', 'request_timeout',
                      'api_client')


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        if terms:
            raise AnsibleLookupError('puddle.cloud.puddle_token takes no terms, only options (server_address=...)')
        self.set_options(var_options=variables, direct=kwargs)
        options = dict((name, self.get_option(name)) for name in CONNECTION_OPTIONS)
        return [log_in(options)]


def log_in(options):
    """The token of a new login; errors name the problem and never the secret."""
    try:
        if not (options['api_key_id'] and options['api_secret_key']):
            raise ConfigurationError('api_key_id and api_secret_key are required (options or PUDDLE_API_KEY_ID and '
                                     'PUDDLE_API_SECRET_KEY)', meta={'field': 'api_key_id'})
        client = make_client(**options)
        client.login()
    except PuddleError as error:
        raise AnsibleLookupError('puddle.cloud.puddle_token: login failed ({0}): {1}'.format(
            error.code, scrub_secrets(error.message, [options['api_secret_key']])))
    return client.token
