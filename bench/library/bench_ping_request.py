# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The floor of figure 3 (bench/ only): what ansible.builtin.ping does plus one loopback request.

One POST of SystemService/FindSystemByName with a token, through http.client, the request a no-op
puddle_system task with an api_token sends; no retries, no client layer. A module task of the
collection cannot cost less than this.
"""

from __future__ import annotations

DOCUMENTATION = r"""
module: bench_ping_request
short_description: ping plus one loopback request (bench/ only)
description: Sends one FindSystemByName request and reports the HTTP status.
options:
  server_address: {type: str, required: true, description: The simulator's address.}
  api_token: {type: str, required: true, no_log: true, description: A token of the simulator.}
  name: {type: str, required: true, description: The system's name.}
"""

import http.client
import json
from urllib.parse import urlsplit

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(server_address=dict(type='str', required=True),
                                              api_token=dict(type='str', required=True, no_log=True),
                                              name=dict(type='str', required=True)),
                           supports_check_mode=True)
    address = urlsplit(module.params['server_address'])
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    connection.request('POST', '/twirp/puddle.v2.SystemService/FindSystemByName',
                       body=json.dumps({'name': module.params['name']}),
                       headers={'Content-Type': 'application/json', 'X-Puddle-Token': module.params['api_token']})
    answer = connection.getresponse()
    answer.read()
    connection.close()
    module.exit_json(changed=False, ping='pong', http_status=answer.status)


if __name__ == '__main__':
    main()
