#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: puddle_instance_types_info
short_description: List the Puddle instance types available in a cloud
version_added: 0.1.0
description:
  - Lists the instance types (virtual machine sizes) of one cloud that the authenticated user
    may use to create a system (the Puddle Python client's C(InstanceTypesClient.list_available)).
  - Makes one C(InstanceTypeService/ListAvailableInstanceTypes) call (after the login); the
    filter is applied by the module on the answer.
  - Never changes anything.
author:
  - puddle.cloud contributors (@puddle-cloud)
options:
  cloud:
    description:
      - The cloud whose instance types are listed.
      - If not set, the value of the E(PUDDLE_CLOUD) environment variable is used.
    type: str
    required: true
    choices: [aws, azure, gcp]
  name:
    description:
      - Only the instance types with one of these names, for example V(m5.xlarge).
      - A name that matches nothing gives an empty list, not an error.
    type: list
    elements: str
notes:
  - A task sends one request, C(InstanceTypeService/ListAvailableInstanceTypes), plus the login unless
    O(api_token) is given.
extends_documentation_fragment:
  - puddle.cloud.puddle
  - puddle.cloud.puddle.actiongroup_puddle
  - puddle.cloud.puddle.info_module
  - ansible.builtin.action_common_attributes
seealso:
  - module: puddle.cloud.puddle_images_info
  - module: puddle.cloud.puddle_system
"""

EXAMPLES = r"""
- name: List the instance types of GCP
  puddle.cloud.puddle_instance_types_info:
    server_address: https://puddle.example.com
    api_key_id: "{{ puddle_api_key_id }}"
    api_secret_key: "{{ puddle_api_secret_key }}"
    cloud: gcp
  register: gcp_types

- name: Pick the cheapest instance type with a GPU
  ansible.builtin.set_fact:
    gpu_type: "{{ (gcp_types.instance_types | selectattr('gpu', '>', 0) | sort(attribute='cu_per_hour') | first).name }}"

- name: Look at two AWS instance types
  puddle.cloud.puddle_instance_types_info:
    cloud: aws
    name:
      - m5.xlarge
      - p3.2xlarge
  register: aws_types
"""

RETURN = r"""
instance_types:
  description: The instance types that pass the filter, in the order Puddle lists them.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Instance type id.
      type: str
      returned: always
      sample: aws-m5.xlarge
    name:
      description: Instance type name, usable as O(puddle.cloud.puddle_system#module:instance_type).
      type: str
      returned: unless named in its unknown_attributes
      sample: m5.xlarge
    cloud:
      description: Cloud of the instance type.
      type: str
      returned: unless named in its unknown_attributes
      sample: aws
    cpu:
      description: Number of virtual CPUs.
      type: int
      returned: unless named in its unknown_attributes
      sample: 4
    memory_gb:
      description: Memory in GB.
      type: int
      returned: unless named in its unknown_attributes
      sample: 16
    gpu:
      description: Number of GPUs.
      type: int
      returned: unless named in its unknown_attributes
      sample: 0
    cu_per_hour:
      description: Compute units a system of this type consumes per hour while it runs.
      type: int
      returned: unless named in its unknown_attributes
      sample: 2
    unknown_attributes:
      description:
        - The fields of this instance type that the client does not report (for example attributes a model of Puddle's Python
          client lacks with O(api_client=puddle_client)). They are unknown, not empty - absent from this dictionary,
          never compared or diffed. Empty when every field is known.
      type: list
      elements: str
      returned: always
      sample: []
"""

from ansible_collections.puddle.cloud.plugins.module_utils.puddle_info import (
    cloud_argument_spec,
    filter_instance_types,
    model_views,
)
from ansible_collections.puddle.cloud.plugins.module_utils.puddle_module import PuddleModule


def list_instance_types(puddle):
    params = puddle.params
    instance_types = puddle.client.list_instance_types(params['cloud'])
    return dict(changed=False, instance_types=model_views(
        filter_instance_types(instance_types, name=params['name']), 'instance_type'))


def main():
    puddle = PuddleModule(
        argument_spec=dict(
            cloud=cloud_argument_spec(),
            name=dict(type='list', elements='str'),
        ),
        supports_check_mode=True,
    )
    puddle.run(lambda: puddle.exit_json(**list_instance_types(puddle)))


if __name__ == '__main__':
    main()
