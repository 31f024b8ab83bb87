#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: puddle_server_info
short_description: Tell whether a Puddle server works with this collection, and what its client reports
version_added: 0.1.0
description:
  - Answers "does my Puddle work with this collection?" with one short series of reads, and says where
    each figure comes from (a C(source) per section, the route of the API or the method of Puddle's
    Python client that gave it).
  - Reports the server address; whether it answers Puddle's API and how long one round trip takes; which
    API client served (V(builtin), or V(puddle_client) with the installed package's version); the
    authentication used and the logged-in user as Puddle returns it; the tags; each cloud with its image
    and instance type counts; the CU pool; and, per model (user, image, instance type, tag, system, CU
    consumption, system consumption), which attributes the client reported and which are unknown.
  - With O(api_client=builtin) the reads are, in this order, C(AuthService/Login) (not with O(api_token)),
    C(TagService/ListTags), C(ImageService/ListAvailableImages) and
    C(InstanceTypeService/ListAvailableInstanceTypes) for each cloud of O(clouds),
    C(SystemService/GetCUConsumptionInfo) and C(SystemService/ListSystems), one request each (10 with the
    default O(clouds) and an API key). RV(requests) says how many were sent.
  - With O(api_client=puddle_client) the same reads go through C(Authorizer.login), C(TagsClient.list),
    C(ImagesClient.list_available), C(InstanceTypesClient.list_available),
    C(SystemsClient.get_cu_consumption_info) and C(SystemsClient.list).
  - A server that answers, but not as Puddle's API (an HTML page, a redirect to a sign-in page, a 404
    without Twirp's error body, a wrong base path), fails the task with C(failure.code=not_puddle_api), as
    every module of the collection does; the message names the address, the route tried and what to check.
    The report gathered so far is returned with the failure.
  - A read that fails after an earlier one worked (for example a cloud the user may not list) is kept in
    RV(errors) and the other reads go on; the task then fails with the first of those errors. The login
    failing, no answer, refused credentials or an answer that is not Puddle's API end the reads at once.
  - Never changes anything. C(playbooks/check_connection.yml) runs it and prints a short verdict.
author:
  - puddle.cloud contributors (@puddle-cloud)
options:
  clouds:
    description:
      - The clouds whose images and instance types are counted; each costs two reads.
      - An empty list skips them (the image and instance type models are then unknown).
    type: list
    elements: str
    choices: [aws, azure, gcp]
    default: [aws, azure, gcp]
notes:
  - What counts as reported (RV(models)) depends on the client. V(builtin), the fields of the
    wire contract (C(docs/api.md), section 3) that the JSON objects carried; a field sent as C(null) is
    reported (Puddle says it has no value), a field missing is unknown. V(puddle_client), the attributes
    of the collection's conversion table (C(plugins/module_utils/puddle_pyclient.py)) that the model
    objects have; the modules leave the others out and name them in C(unknown_attributes).
  - Either way the answer is decided from the models as the client returned them, by the same rule as the
    C(unknown_attributes) every other module returns, so the two never disagree. A tags list with an entry
    that has no value (or is not a name and value mapping) makes C(tags) unknown here as there.
  - A model of which no object was seen (no system yet, no system consuming CU) has every attribute
    unknown and C(examined=0).
  - With O(api_client=puddle_client), RV(requests.count) counts the calls into C(puddle.client)
    (constructors included), not HTTP requests, which the collection cannot see.
extends_documentation_fragment:
  - puddle.cloud.puddle
  - puddle.cloud.puddle.actiongroup_puddle
  - puddle.cloud.puddle.info_module
  - ansible.builtin.action_common_attributes
seealso:
  - module: puddle.cloud.puddle_system_info
  - module: puddle.cloud.puddle_login
"""

EXAMPLES = r"""
- name: Ask Puddle what works
  puddle.cloud.puddle_server_info:
    server_address: https://puddle.example.com
    api_key_id: "{{ puddle_api_key_id }}"
    api_secret_key: "{{ puddle_api_secret_key }}"
    clouds: [aws]
  register: puddle_server

- name: Show the user and the attributes the client cannot read
  ansible.builtin.debug:
    msg:
      - "logged in as {{ puddle_server.auth.user.name | default('unknown') }}, {{ puddle_server.api.round_trip_ms }} ms per round trip"
      - "unknown system attributes: {{ puddle_server.models.system.unknown | join(', ') or 'none' }}"
"""

RETURN = r"""
server:
  description: The server asked.
  returned: always
  type: dict
  contains:
    address:
      description: The server address, as the client uses it (without a trailing C(/)).
      type: str
      returned: always
      sample: https://puddle.example.com
api:
  description: Whether the server answers Puddle's API.
  returned: always
  type: dict
  contains:
    answers:
      description:
        - V(true) when at least one read worked, or the login was refused by Puddle (it answered as its API
          does). V(false) when the first read got no answer, or an answer that is not Puddle's API.
      type: bool
      returned: always
      sample: true
    round_trip_ms:
      description:
        - The shortest duration, in milliseconds, of the task's reads that took exactly one request (measured
          around the client call, so it includes encoding and decoding). C(null) when none did.
      type: float
      returned: always
      sample: 12.4
    round_trip_source:
      description: The read whose duration RV(api.round_trip_ms) is.
      type: str
      returned: always
      sample: TagService/ListTags
    error:
      description: The error that ended the reads (C(code), C(message), C(http_status)); C(null) when none did.
      type: dict
      returned: always
      sample: null
client:
  description: The API client that served the task.
  returned: always
  type: dict
  contains:
    name:
      description: V(builtin) or V(puddle_client) (the option O(api_client)).
      type: str
      returned: always
      sample: builtin
    version:
      description: The installed C(puddle.client) package's version (V(puddle_client) only); C(null) when unknown.
      type: str
      returned: always
      sample: 1.7.11
    version_source:
      description:
        - Where RV(client.version) was read, C(importlib.metadata (distribution NAME)) or
          C(puddle.client.__version__); C(null) when it is unknown.
      type: str
      returned: always
      sample: importlib.metadata (distribution puddle-client)
    transport:
      description: How the builtin client's requests travel, C(http.client) or C(requests); C(null) for V(puddle_client).
      type: str
      returned: always
      sample: http.client
    requests_counted:
      description: What RV(requests.count) counts with this client.
      type: str
      returned: always
      sample: HTTP requests
auth:
  description: The authentication used. Never a secret nor a token.
  returned: always
  type: dict
  contains:
    method:
      description:
        - V(api_key) (O(api_key_id) and O(api_secret_key), a login), V(api_token) (a given token, no login) or
          V(client_environment) (V(puddle_client) without a key, which reads its own environment variables).
      type: str
      returned: always
      sample: api_key
    api_key_id:
      description: The API key id used, C(null) without one.
      type: str
      returned: always
      sample: my-key-id
    user:
      description:
        - The logged-in user as Puddle returns it (the login's C(user), the Python client's C(LoginUser)),
          C(id), C(name) and C(email), with C(unknown_attributes) naming those the client does not report
          (left out, never empty); C(null) with a given token (no login) or when the login failed.
      type: dict
      returned: always
      sample: {id: user-1, name: jane, email: jane@example.com, unknown_attributes: []}
    token_expires_at:
      description: When the login's token expires (V(builtin) only), RFC 3339; C(null) otherwise.
      type: str
      returned: always
      sample: '2026-12-07T17:00:00Z'
    source:
      description: The read that gave RV(auth.user), C(null) without a login.
      type: str
      returned: always
      sample: AuthService/Login
tags:
  description: The number of tags defined (C(count)) and the read that gave it (C(source)); C(null) when not read.
  returned: always
  type: dict
  sample: {count: 3, source: TagService/ListTags}
clouds:
  description: One entry per cloud of O(clouds) that was read, in that order.
  returned: always
  type: list
  elements: dict
  contains:
    cloud:
      description: The cloud.
      type: str
      returned: always
      sample: aws
    images:
      description: How many images of that cloud the user may use (every status); C(null) when the read failed.
      type: int
      returned: always
      sample: 5
    instance_types:
      description: How many instance types the cloud offers the user; C(null) when the read failed.
      type: int
      returned: always
      sample: 3
    source:
      description: The reads that gave the counts (C(images), C(instance_types)).
      type: dict
      returned: always
      sample: {images: ImageService/ListAvailableImages, instance_types: InstanceTypeService/ListAvailableInstanceTypes}
cu_pool:
  description: The installation's CU pool, from the CU consumption read; C(null) when not read.
  returned: always
  type: dict
  contains:
    available_cu:
      description: CU still available (can be negative, see C(docs/api.md)).
      type: int
      returned: unless named in RV(cu_pool.unknown_attributes)
      sample: 992
    consumed_cu:
      description: CU consumed now by all users.
      type: int
      returned: unless named in RV(cu_pool.unknown_attributes)
      sample: 8
    size:
      description: RV(cu_pool.available_cu) + RV(cu_pool.consumed_cu); C(null) when either is unknown.
      type: int
      returned: always
      sample: 1000
    consuming_systems:
      description: How many of the user's systems consume CU now.
      type: int
      returned: unless named in RV(cu_pool.unknown_attributes)
      sample: 1
    source:
      description: The read that gave the figures.
      type: str
      returned: always
      sample: SystemService/GetCUConsumptionInfo
    unknown_attributes:
      description:
        - The figures of RV(cu_pool) the client did not report (V(available_cu), V(consumed_cu), V(consuming_systems)),
          left out rather than returned as V(0); empty when all are known.
      type: list
      elements: str
      returned: always
      sample: []
models:
  description:
    - Per model, which attributes the client reported. Keys C(user), C(image), C(instance_type), C(tag),
      C(system), C(cu_consumption) and C(system_consumption), each a dict with C(examined) (how many objects
      were looked at), C(reported) (the attributes every one of them had), C(unknown) (those none had; all of
      them when none was examined), C(partly) (those some had), C(source) (the read that gave the objects,
      C(null) when none did) and, with V(builtin), C(extra) (fields the answers carried that C(docs/api.md)
      does not document).
  returned: always
  type: dict
  sample:
    system:
      examined: 2
      reported: [id, name, status]
      unknown: [idle_deadline]
      partly: []
      extra: []
      source: SystemService/ListSystems
errors:
  description:
    - The reads that failed while others worked, each with C(section) (C(tags), C(clouds), C(cu_pool) or
      C(systems)), C(code), C(message) and C(http_status). The task fails when the list is not empty.
  returned: always
  type: list
  elements: dict
  sample: []
requests:
  description: How many requests the task sent, and what was counted.
  returned: always
  type: dict
  contains:
    count:
      description: The number of requests (with V(puddle_client), of calls into the package).
      type: int
      returned: always
      sample: 10
    counted:
      description: What RV(requests.count) counts, as RV(client.requests_counted).
      type: str
      returned: always
      sample: HTTP requests
"""

from ansible_collections.puddle.cloud.plugins.module_utils.puddle_info import CLOUD_CHOICES
from ansible_collections.puddle.cloud.plugins.module_utils.puddle_module import PuddleModule
from ansible_collections.puddle.cloud.plugins.module_utils.server_info import report


def main():
    puddle = PuddleModule(
        argument_spec=dict(
            clouds=dict(type='list', elements='str', choices=CLOUD_CHOICES, default=list(CLOUD_CHOICES)),
        ),
        supports_check_mode=True,
    )
    params = puddle.params
    result, error = report(puddle.client, clouds=params['clouds'], api_key_id=params['api_key_id'],
                           token_given=bool(params['api_token']))
    if error is not None:
        puddle.fail(error, changed=False, **result)
    puddle.exit_json(changed=False, **result)


if __name__ == '__main__':
    main()
