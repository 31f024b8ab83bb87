#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: puddle_login
short_description: Log in to Puddle once and return a token for the other modules
version_added: 0.1.0
description:
  - Logs in with O(api_key_id) and O(api_secret_key) (one C(AuthService/Login) request) and returns the
    session token in RV(api_token).
  - Give that token to the other puddle.cloud modules as their O(api_token) option, for example in
    C(module_defaults) for C(group/puddle.cloud.puddle). Their tasks then skip their own login, so a task
    that changes nothing costs one request instead of two.
  - The token is a secret, and Ansible can hide a task's whole result but not one returned value. So this
    module refuses to run, before any request, unless the task has C(no_log=true); the registered
    variable still holds the token.
  - The P(puddle.cloud.puddle_token#lookup) lookup does the same on the controller, without a registered result.
  - A Puddle token expires (RV(expires_at)); a task given an expired token fails and asks for a new one,
    unless it also has O(api_key_id) and O(api_secret_key), with which it logs in again by itself.
  - O(api_token) is not used by this module, which always logs in with the API key.
author:
  - puddle.cloud contributors (@puddle-cloud)
notes:
  - A task sends one request, C(AuthService/Login), every time, because it always makes a new login.
extends_documentation_fragment:
  - puddle.cloud.puddle
  - puddle.cloud.puddle.actiongroup_puddle
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  action:
    support: full
    details: The action plugin checks, on the controller, that the task has C(no_log) set.
  async:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details: Logs in in check mode too, because the tasks after it need the token; a login changes nothing.
  diff_mode:
    support: N/A
    details: The module never changes anything.
  platform:
    platforms: all
    details: Runs wherever the Puddle API is reachable, usually C(localhost).
seealso:
  - plugin: puddle.cloud.puddle_token
    plugin_type: lookup
  - module: puddle.cloud.puddle_system
"""

EXAMPLES = r"""
- name: Converge many systems with one login
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/puddle.cloud.puddle:
      server_address: https://puddle.example.com
      # Undefined until the login below ran; omitted for the login task itself.
      api_token: "{{ puddle_session.api_token | default(omit) }}"
  tasks:
    - name: Log in to Puddle once
      puddle.cloud.puddle_login:
        api_key_id: "{{ vault_puddle_api_key_id }}"
        api_secret_key: "{{ vault_puddle_api_secret_key }}"
      register: puddle_session
      no_log: true

    - name: Each of these tasks now costs one request when nothing changes
      puddle.cloud.puddle_system:
        name: "lab-{{ item }}"
        cloud: aws
        image: aws-h2o3-3.46.0.1
        instance_type: m5.xlarge
        tags:
          project: lab
      loop: [1, 2, 3]
"""

RETURN = r"""
api_token:
  description:
    - The session token. A secret; give it to the other modules as O(puddle.cloud.puddle_system#module:api_token).
  returned: success
  type: str
expires_at:
  description: When the token expires (RFC 3339, UTC).
  returned: success
  type: str
  sample: '2026-11-25T13:00:00Z'
user:
  description: The user the API key belongs to.
  returned: success
  type: dict
  contains:
    id:
      description: User id.
      type: str
      sample: user-demo
    name:
      description: User name.
      type: str
      sample: demo
    email:
      description: E-mail address.
      type: str
      sample: demo@example.com
    unknown_attributes:
      description:
        - The fields of the user that the client does not report; they are absent from this dictionary, not empty.
      type: list
      elements: str
      sample: []
"""

from ansible_collections.puddle.cloud.plugins.module_utils.model_attributes import with_unknown
from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import ConfigurationError
from ansible_collections.puddle.cloud.plugins.module_utils.puddle_module import PuddleModule


def log_in(puddle):
    """Login with the API key; the result carries the token, which the task's no_log hides from output."""
    if not (puddle.params['api_key_id'] and puddle.params['api_secret_key']):
        puddle.fail(ConfigurationError('puddle_login needs api_key_id and api_secret_key (an api_token cannot log in)',
                                       meta={'field': 'api_key_id'}))
    client = puddle.client
    user = client.login()
    # Not puddle.exit_json: it masks the session token in every result, and returning it is the point here.
    puddle.module.exit_json(changed=False, api_token=client.token, expires_at=client.token_expires_at,
                            user=with_unknown(user, user, 'user'))


def main():
    puddle = PuddleModule(supports_check_mode=True)
    puddle.run(log_in, puddle)


if __name__ == '__main__':
    main()
