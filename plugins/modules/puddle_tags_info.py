#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: puddle_tags_info
short_description: List the tags defined on Puddle
version_added: 0.1.0
description:
  - Lists the tags that the Puddle administrators defined (the Puddle Python client's
    C(TagsClient.list)). A system carries values for these tags; a C(required) tag must be given
    when a system is created, unless it has a default value.
  - Makes one C(TagService/ListTags) call (after the login); the filters are applied by the
    module on the answer.
  - Never changes anything.
author:
  - puddle.cloud contributors (@puddle-cloud)
options:
  name:
    description:
      - Only the tags with one of these names.
      - A name that matches nothing gives an empty list, not an error.
    type: list
    elements: str
  status:
    description:
      - Only the tags whose status is one of these. A V(disabled) tag cannot be set on a system.
    type: list
    elements: str
    choices: [active, disabled]
notes:
  - A task sends one request, C(TagService/ListTags), plus the login unless O(api_token) is given.
extends_documentation_fragment:
  - puddle.cloud.puddle
  - puddle.cloud.puddle.actiongroup_puddle
  - puddle.cloud.puddle.info_module
  - ansible.builtin.action_common_attributes
seealso:
  - module: puddle.cloud.puddle_system
"""

EXAMPLES = r"""
- name: List the tags that can be set on a system
  puddle.cloud.puddle_tags_info:
    server_address: https://puddle.example.com
    api_key_id: "{{ puddle_api_key_id }}"
    api_secret_key: "{{ puddle_api_secret_key }}"
    status: [active]
  register: puddle_tags

- name: Show the tags a new system must be given
  ansible.builtin.debug:
    msg: "{{ puddle_tags.tags | selectattr('required') | selectattr('default_value', 'equalto', '') | map(attribute='name') | list }}"
"""

RETURN = r"""
tags:
  description: The tag definitions that pass the filters, in the order Puddle lists them.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name of the tag, the key used in O(puddle.cloud.puddle_system#module:tags).
      type: str
      returned: always
      sample: cost-center
    label:
      description: Label shown in the Puddle user interface.
      type: str
      returned: unless named in its unknown_attributes
      sample: Cost center
    required:
      description: Whether every system must carry a value for this tag.
      type: bool
      returned: unless named in its unknown_attributes
      sample: false
    default_value:
      description: Value a new system gets when none is given; empty when there is none.
      type: str
      returned: unless named in its unknown_attributes
      sample: rnd
    status:
      description: V(active), or V(disabled) when the tag can no longer be set.
      type: str
      returned: unless named in its unknown_attributes
      sample: active
    unknown_attributes:
      description:
        - The fields of this tag that the client does not report (for example attributes a model of Puddle's Python
          client lacks with O(api_client=puddle_client)). They are unknown, not empty - absent from this dictionary,
          never compared or diffed. Empty when every field is known.
      type: list
      elements: str
      returned: always
      sample: []
"""

from ansible_collections.puddle.cloud.plugins.module_utils.puddle_info import TAG_STATUS_CHOICES, filter_tags, model_views
from ansible_collections.puddle.cloud.plugins.module_utils.puddle_module import PuddleModule


def list_tags(puddle):
    params = puddle.params
    return dict(changed=False, tags=model_views(
        filter_tags(puddle.client.list_tags(), name=params['name'], status=params['status']), 'tag'))


def main():
    puddle = PuddleModule(
        argument_spec=dict(
            name=dict(type='list', elements='str'),
            status=dict(type='list', elements='str', choices=TAG_STATUS_CHOICES),
        ),
        supports_check_mode=True,
    )
    puddle.run(lambda: puddle.exit_json(**list_tags(puddle)))


if __name__ == '__main__':
    main()
