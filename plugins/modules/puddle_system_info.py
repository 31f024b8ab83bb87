#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: puddle_system_info
short_description: Get information about Puddle systems
version_added: 0.1.0
description:
  - Returns one system of the authenticated user, found by O(name) or O(id), or all of the
    user's systems that are not terminated (the Puddle Python client's C(SystemsClient.get),
    C(find_by_name) and C(list)).
  - The result can be narrowed by O(status) and O(tags); the filters are applied by the module
    on the answer of the one listing call.
  - With O(cu_consumption=true) it also returns the compute unit (CU) consumption of the Puddle
    installation (C(get_cu_consumption_info)).
  - Never changes anything.
author:
  - puddle.cloud contributors (@puddle-cloud)
options:
  name:
    description:
      - Name of the system (C(SystemService/FindSystemByName)).
      - A name that matches no system of the user gives an empty list, not an error.
    type: str
  id:
    description:
      - Id of the system (C(SystemService/GetSystem)).
      - An unknown id, or the id of another user's system, gives an empty list, not an error.
      - Puddle still returns a terminated system by id for 24 hours, with status V(terminated).
    type: str
  status:
    description:
      - Only the systems whose status is one of these.
    type: list
    elements: str
    choices: [provisioning, starting, started, stopping, stopped, restarting, failed, terminating, terminated]
  tags:
    description:
      - Only the systems that carry all of these tags with these values (values compared as strings).
      - A null value means "no value", the empty string, as in M(puddle.cloud.puddle_system) O(puddle.cloud.puddle_system#module:tags),
        so it matches a system whose tag is empty or that does not carry the tag, never one where the tag has a value.
      - The same filter means the same in O(puddle.cloud.puddle_fleet#module:prune_tags), the inventory plugin and the
        event source. A system whose tags the client does not report (unknown) is not listed when O(tags) is given.
    type: dict
  cu_consumption:
    description:
      - Also return the CU consumption of the installation in RV(cu_consumption)
        (one more request, C(SystemService/GetCUConsumptionInfo)).
    type: bool
    default: false
notes:
  - Without O(name) and O(id), the module lists the user's non-terminated systems
    (C(SystemService/ListSystems)), oldest first.
  - A task sends one request (C(FindSystemByName) with O(name), C(GetSystem) with O(id), C(ListSystems) otherwise),
    one more when O(cu_consumption=true) (C(GetCUConsumptionInfo)), plus the login unless O(api_token) is given.
extends_documentation_fragment:
  - puddle.cloud.puddle
  - puddle.cloud.puddle.actiongroup_puddle
  - puddle.cloud.puddle.info_module
  - ansible.builtin.action_common_attributes
seealso:
  - module: puddle.cloud.puddle_system
"""

EXAMPLES = r"""
- name: Get one system by name
  puddle.cloud.puddle_system_info:
    server_address: https://puddle.example.com
    api_key_id: "{{ puddle_api_key_id }}"
    api_secret_key: "{{ puddle_api_secret_key }}"
    name: churn-model
  register: churn

- name: Show its URL when it exists
  ansible.builtin.debug:
    msg: "{{ churn.systems[0].url }}"
  when: churn.systems | length > 0

- name: List the started systems of project alpha
  puddle.cloud.puddle_system_info:
    status: [started]
    tags:
      project: alpha
  register: alpha_started

- name: How many CU are left?
  puddle.cloud.puddle_system_info:
    cu_consumption: true
  register: puddle_usage

- name: Show the CU still available
  ansible.builtin.debug:
    msg: "{{ puddle_usage.cu_consumption.available_cu }} CU available"
"""

RETURN = r"""
systems:
  description:
    - The systems found that pass the filters; empty when none matches.
    - Without O(name) and O(id), the user's non-terminated systems, oldest first.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Id assigned by Puddle.
      type: str
      returned: always
      sample: 3f1c9a2e
    name:
      description: Name of the system.
      type: str
      returned: always
      sample: churn-model
    owner:
      description: Id of the owning user.
      type: str
      returned: unless named in its unknown_attributes
      sample: u-demo
    cloud:
      description: Cloud of the system, V(aws), V(azure) or V(gcp).
      type: str
      returned: unless named in its unknown_attributes
      sample: aws
    status:
      description:
        - Overall status, one of V(provisioning), V(starting), V(started), V(stopping), V(stopped),
          V(restarting), V(failed), V(terminating), V(terminated).
      type: str
      returned: always
      sample: started
    vm_status:
      description: Status of the virtual machine.
      type: str
      returned: unless named in its unknown_attributes
      sample: running
    product_status:
      description: Status of the product on the virtual machine.
      type: str
      returned: unless named in its unknown_attributes
      sample: running
    config_toml_status:
      description: V(none) (never uploaded), V(uploading), V(uploaded) (waits for a restart), V(applied) or V(failed).
      type: str
      returned: unless named in its unknown_attributes
      sample: applied
    product:
      description: Product, V(dai) (Driverless AI) or V(h2o3) (H2O-3).
      type: str
      returned: unless named in its unknown_attributes
      sample: dai
    version:
      description: Product version.
      type: str
      returned: unless named in its unknown_attributes
      sample: 1.11.1
    image_id:
      description: Id of the image the system was created from.
      type: str
      returned: unless named in its unknown_attributes
      sample: aws-dai-1.11.1
    image_name:
      description: Name of that image.
      type: str
      returned: unless named in its unknown_attributes
      sample: Driverless AI 1.11.1
    instance_type:
      description: Instance type name.
      type: str
      returned: unless named in its unknown_attributes
      sample: m5.xlarge
    instance_type_id:
      description: Instance type id.
      type: str
      returned: unless named in its unknown_attributes
      sample: aws-m5.xlarge
    cu_per_hour:
      description: Compute units the system consumes per hour while it runs.
      type: int
      returned: unless named in its unknown_attributes
      sample: 2
    disk_size_gb:
      description: Disk size in GB.
      type: int
      returned: unless named in its unknown_attributes
      sample: 256
    idle_interval:
      description: Minutes of idleness after which Puddle stops the system.
      type: int
      returned: unless named in its unknown_attributes
      sample: 60
    idle_deadline:
      description: When a started system will be stopped for idleness (RFC 3339, UTC); null unless started.
      type: str
      returned: unless named in its unknown_attributes
      sample: "2026-11-25T13:00:00Z"
    tags:
      description: The system's tags, name to value.
      type: dict
      returned: unless named in its unknown_attributes
      sample: {cost-center: rnd, project: alpha}
    address:
      description: Address of the virtual machine, null until its first start.
      type: str
      returned: unless named in its unknown_attributes
      sample: 10.0.3.17
    url:
      description: URL of the product; it answers only while the system is started.
      type: str
      returned: unless named in its unknown_attributes
      sample: https://puddle.example.com/product/3f1c9a2e/
    created:
      description: Creation time (RFC 3339, UTC).
      type: str
      returned: unless named in its unknown_attributes
      sample: "2026-11-25T12:00:00Z"
    updated:
      description: Time of the last change (RFC 3339, UTC).
      type: str
      returned: unless named in its unknown_attributes
      sample: "2026-11-25T12:01:30Z"
    failure_reason:
      description: Why the system is failed; null otherwise.
      type: str
      returned: unless named in its unknown_attributes
      sample: null
    can_start:
      description: Whether C(StartSystem) is allowed now.
      type: bool
      returned: unless named in its unknown_attributes
      sample: false
    can_stop:
      description: Whether C(StopSystem) is allowed now.
      type: bool
      returned: unless named in its unknown_attributes
      sample: true
    can_restart:
      description: Whether C(RestartSystem) is allowed now.
      type: bool
      returned: unless named in its unknown_attributes
      sample: true
    can_fail:
      description: Whether C(FailSystem) is allowed now.
      type: bool
      returned: unless named in its unknown_attributes
      sample: false
    can_terminate:
      description: Whether C(TerminateSystem) is allowed now.
      type: bool
      returned: unless named in its unknown_attributes
      sample: true
    can_refresh_idle_timeout:
      description: Whether C(RefreshIdleTimeout) is allowed now.
      type: bool
      returned: unless named in its unknown_attributes
      sample: true
    can_update_config_toml:
      description: Whether C(UpdateConfigToml) is allowed now.
      type: bool
      returned: unless named in its unknown_attributes
      sample: true
    unknown_attributes:
      description:
        - The fields of this system that the client does not report (for example attributes a model of Puddle's Python
          client lacks with O(api_client=puddle_client)). They are unknown, not empty - absent from this dictionary,
          never compared or diffed. Empty when every field is known.
      type: list
      elements: str
      returned: always
      sample: []
cu_consumption:
  description: Compute unit consumption of the whole Puddle installation.
  returned: when O(cu_consumption=true)
  type: dict
  contains:
    available_cu:
      description: CU still available in the pool.
      type: int
      returned: unless named in its unknown_attributes
      sample: 976
    consumed_cu:
      description: CU consumed now by the systems of all users.
      type: int
      returned: unless named in its unknown_attributes
      sample: 24
    unknown_attributes:
      description:
        - The fields of this answer that the client does not report (for example attributes a model of Puddle's Python
          client lacks with O(api_client=puddle_client)). They are unknown, not empty - absent from this dictionary,
          never compared or diffed. Empty when every field is known.
      type: list
      elements: str
      returned: always
      sample: []
    systems_consumption_info:
      description: The authenticated user's systems that consume CU now.
      type: list
      elements: dict
      returned: unless named in its unknown_attributes
      contains:
        system_id:
          description: Id of the system.
          type: str
          returned: unless named in its unknown_attributes
          sample: 3f1c9a2e
        system_name:
          description: Name of the system.
          type: str
          returned: unless named in its unknown_attributes
          sample: churn-model
        status:
          description: Status of the system.
          type: str
          returned: always
          sample: started
        cu_per_hour:
          description: CU per hour the system consumes.
          type: int
          returned: unless named in its unknown_attributes
          sample: 2
        unknown_attributes:
          description:
            - The fields of this entry that the client does not report (for example attributes a model of Puddle's Python
              client lacks with O(api_client=puddle_client)). They are unknown, not empty - absent from this dictionary,
              never compared or diffed. Empty when every field is known.
          type: list
          elements: str
          returned: always
          sample: []
"""

from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import NotFoundError
from ansible_collections.puddle.cloud.plugins.module_utils.puddle_info import (
    SYSTEM_STATUS_CHOICES,
    cu_consumption_view,
    filter_systems,
    system_view,
)
from ansible_collections.puddle.cloud.plugins.module_utils.puddle_module import PuddleModule


def found_systems(client, name=None, system_id=None):
    """The one call that finds the candidates: by name, by id, or the whole list."""
    if name is not None:
        system = client.find_system_by_name(name)
        return [system] if system else []
    if system_id is not None:
        try:
            return [client.get_system(system_id)]
        except NotFoundError:
            return []
    return client.list_systems()


def system_info(puddle):
    params = puddle.params
    systems = found_systems(puddle.client, name=params['name'], system_id=params['id'])
    systems = filter_systems(systems, status=params['status'], tags=params['tags'])
    result = dict(changed=False, systems=[system_view(system) for system in systems])
    if params['cu_consumption']:
        result['cu_consumption'] = cu_consumption_view(puddle.client.get_cu_consumption_info())
    return result


def main():
    puddle = PuddleModule(
        argument_spec=dict(
            name=dict(type='str'),
            id=dict(type='str'),
            status=dict(type='list', elements='str', choices=SYSTEM_STATUS_CHOICES),
            tags=dict(type='dict'),
            cu_consumption=dict(type='bool', default=False),
        ),
        mutually_exclusive=[('name', 'id')],
        supports_check_mode=True,
    )
    puddle.run(lambda: puddle.exit_json(**system_info(puddle)))


if __name__ == '__main__':
    main()
