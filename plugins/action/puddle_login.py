# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Controller side of puddle.cloud.puddle_login: it runs only in a task whose output is hidden.

The module returns a token, and Ansible can hide a whole task result (no_log) but not one value
of it. The check is made here because only the controller knows the task's own no_log; the
module sees no_log also when the no_target_syslog setting is on, which hides nothing.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.plugins.action import ActionBase

MODULE_NAME = 'puddle.cloud.puddle_login'
NO_LOG_REQUIRED = ('puddle.cloud.puddle_login returns a Puddle token, a secret: set no_log: true on this task '
                   '(Ansible hides a whole task result, not one value of it); the registered variable still holds the token')


class ActionModule(ActionBase):

    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp  # nothing is transferred
        if not self._task.no_log:
            result.update(failed=True, changed=False, msg=NO_LOG_REQUIRED,
                          failure=dict(code='configuration', message=NO_LOG_REQUIRED, field='no_log', rule='required',
                                       status=None))
            return result
        result.update(self._execute_module(module_name=MODULE_NAME, module_args=dict(self._task.args), task_vars=task_vars))
        return result
