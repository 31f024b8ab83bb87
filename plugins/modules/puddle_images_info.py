#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: puddle_images_info
short_description: List the Puddle images available in a cloud
version_added: 0.1.0
description:
  - Lists the images of one cloud that the authenticated user may use to create a system
    (the Puddle Python client's C(ImagesClient.list_available)).
  - Makes one C(ImageService/ListAvailableImages) call (after the login); the filters are
    applied by the module on the answer.
  - Never changes anything.
author:
  - puddle.cloud contributors (@puddle-cloud)
options:
  cloud:
    description:
      - The cloud whose images are listed.
      - If not set, the value of the E(PUDDLE_CLOUD) environment variable is used.
    type: str
    required: true
    choices: [aws, azure, gcp]
  product:
    description:
      - Only images of this product (V(dai) is Driverless AI, V(h2o3) is H2O-3).
    type: str
    choices: [dai, h2o3]
  version:
    description:
      - Only images of these product versions, for example V(1.11.1).
    type: list
    elements: str
  status:
    description:
      - Only images whose status is one of these.
      - Only V(active) and V(deprecated) images can be used to create a system.
    type: list
    elements: str
    choices: [active, deprecated, creating, failed]
notes:
  - A task sends one request, C(ImageService/ListAvailableImages), plus the login unless O(api_token) is given.
extends_documentation_fragment:
  - puddle.cloud.puddle
  - puddle.cloud.puddle.actiongroup_puddle
  - puddle.cloud.puddle.info_module
  - ansible.builtin.action_common_attributes
seealso:
  - module: puddle.cloud.puddle_instance_types_info
  - module: puddle.cloud.puddle_system
"""

EXAMPLES = r"""
- name: List every image of AWS
  puddle.cloud.puddle_images_info:
    server_address: https://puddle.example.com
    api_key_id: "{{ puddle_api_key_id }}"
    api_secret_key: "{{ puddle_api_secret_key }}"
    cloud: aws
  register: aws_images

- name: Find the active Driverless AI images of Azure
  puddle.cloud.puddle_images_info:
    cloud: azure
    product: dai
    status: [active]
  register: dai_images

- name: Show their versions
  ansible.builtin.debug:
    msg: "{{ dai_images.images | map(attribute='version') | list }}"
"""

RETURN = r"""
images:
  description: The images that pass the filters, in the order Puddle lists them.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Image id, usable as O(puddle.cloud.puddle_system#module:image).
      type: str
      returned: always
      sample: aws-dai-1.11.1
    name:
      description: Display name of the image.
      type: str
      returned: unless named in its unknown_attributes
      sample: Driverless AI 1.11.1
    cloud:
      description: Cloud of the image.
      type: str
      returned: unless named in its unknown_attributes
      sample: aws
    product:
      description: Product of the image, V(dai) or V(h2o3).
      type: str
      returned: unless named in its unknown_attributes
      sample: dai
    version:
      description: Product version.
      type: str
      returned: unless named in its unknown_attributes
      sample: 1.11.1
    status:
      description: One of V(active), V(deprecated), V(creating), V(failed).
      type: str
      returned: unless named in its unknown_attributes
      sample: active
    unknown_attributes:
      description:
        - The fields of this image that the client does not report (for example attributes a model of Puddle's Python
          client lacks with O(api_client=puddle_client)). They are unknown, not empty - absent from this dictionary,
          never compared or diffed. Empty when every field is known.
      type: list
      elements: str
      returned: always
      sample: []
"""

from ansible_collections.puddle.cloud.plugins.module_utils.puddle_info import (
    IMAGE_PRODUCT_CHOICES,
    IMAGE_STATUS_CHOICES,
    cloud_argument_spec,
    filter_images,
    model_views,
)
from ansible_collections.puddle.cloud.plugins.module_utils.puddle_module import PuddleModule


def list_images(puddle):
    params = puddle.params
    images = puddle.client.list_images(params['cloud'])
    return dict(
        changed=False,
        images=model_views(filter_images(images, product=params['product'], version=params['version'],
                                         status=params['status']), 'image'),
    )


def main():
    puddle = PuddleModule(
        argument_spec=dict(
            cloud=cloud_argument_spec(),
            product=dict(type='str', choices=IMAGE_PRODUCT_CHOICES),
            version=dict(type='list', elements='str'),
            status=dict(type='list', elements='str', choices=IMAGE_STATUS_CHOICES),
        ),
        supports_check_mode=True,
    )
    puddle.run(lambda: puddle.exit_json(**list_images(puddle)))


if __name__ == '__main__':
    main()
