# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""FakePuddle with the config.toml rules, for the puddle_config_toml unit tests (test_puddle_config_toml, test_other_writers)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.puddle.cloud.tests.unit.plugins.module_utils.fake_puddle import FakePuddle


def strict_json_loads(text):
    """Stands in for tomllib so that these tests do not depend on the Python version:
    '#' lines are comments, the rest is one JSON object."""
    body = '\n'.join(line for line in text.splitlines() if not line.strip().startswith('#'))
    return json.loads(body) if body.strip() else {}


class ConfigPuddle(FakePuddle):
    """FakePuddle with the config.toml rules of docs/api.md section 6."""

    upload_outcome = 'uploaded'

    def _rpc_UpdateConfigToml(self, body, user):
        system = self._owned(body, user)
        if system['status'] != 'started' or system['product'] != 'dai':
            return self._error(412, 'failed_precondition', 'not started', status=system['status'], action='update_config_toml')
        system['config_toml'] = body['config_toml']
        system['config_toml_status'] = 'uploading'
        self.config_status_script[system['id']].extend(['uploading', self.upload_outcome])
        return self._ok({'system': dict(system)})

    def _rpc_GetConfigToml(self, body, user):
        system = self._owned(body, user)
        script = self.config_status_script[system['id']]
        if script:
            system['config_toml_status'] = script.popleft()
        return self._ok({'config_toml': system.get('config_toml', ''),
                         'applied_config_toml': system.get('applied_config_toml', ''),
                         'config_toml_status': system['config_toml_status']})

    def _rpc_RestartSystem(self, body, user):
        answer = self._action('RestartSystem', body, user)
        if answer.status == 200:
            self.schedule(body['id'], self.clock.now + 20, 'started')
        return answer

    def _apply_schedule(self):
        """As FakePuddle's, and the end of a restart applies an uploaded config."""
        for system_id, plan in self.scheduled.items():
            system = self.systems[system_id]
            while plan and plan[0][0] <= self.clock.now:
                status = plan.pop(0)[1]
                if system['status'] == 'restarting' and status == 'started' and system['config_toml_status'] == 'uploaded':
                    system['applied_config_toml'] = system['config_toml']
                    system['config_toml_status'] = 'applied'
                system['status'] = status

    def _rpc_StartSystem(self, body, user):
        answer = self._action('StartSystem', body, user)
        if answer.status == 200:
            self.schedule(body['id'], self.clock.now + 15, 'started')
        return answer
