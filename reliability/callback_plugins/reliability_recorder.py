# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write every task result of a playbook run as one JSON line, for the reliability suite.

ansible-core ships no JSON callback (ansible.posix.json is another collection), and the suite
must check each task's returned value against the simulator, so it records them itself. A loop
is recorded item by item; its aggregated result is not, so each line is one module run. The
result is written as the callbacks receive it (after no_log censoring), which is also what the
secrets scan must see.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: reliability_recorder
type: aggregate
short_description: Record every task result as a JSON line (reliability suite only)
description:
  - Appends one JSON object per task result (per item for loops) to the file named by the
    E(RELIABILITY_RECORD) environment variable, with the label of E(RELIABILITY_LABEL).
requirements:
  - enable it with ANSIBLE_CALLBACKS_ENABLED=reliability_recorder
"""

import json
import os

from ansible.plugins.callback import CallbackBase


def _result_of(task_result):
    """The result dict; `.result` since ansible-core 2.19, `._result` before."""
    value = getattr(task_result, 'result', None)
    if isinstance(value, dict):
        return value
    return task_result._result  # pylint: disable=protected-access


def _task_of(task_result):
    return getattr(task_result, 'task', None) or task_result._task  # pylint: disable=protected-access


def _host_of(task_result):
    return getattr(task_result, 'host', None) or task_result._host  # pylint: disable=protected-access


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'reliability_recorder'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self._path = os.environ.get('RELIABILITY_RECORD')
        self._label = os.environ.get('RELIABILITY_LABEL', '')
        self._play = None

    def _write(self, outcome, task_result):
        if not self._path:
            return
        task = _task_of(task_result)
        result = _result_of(task_result)
        line = {
            'label': self._label,
            'play': self._play,
            'task': task.get_name(),
            'action': task.action,
            'host': _host_of(task_result).get_name(),
            'outcome': outcome,
            'changed': bool(result.get('changed')),
            'result': result,
        }
        with open(self._path, 'a') as record:
            record.write(json.dumps(line, default=str, sort_keys=True) + '\n')

    @staticmethod
    def _is_loop_summary(task_result):
        return 'results' in _result_of(task_result) and _task_of(task_result).loop is not None

    def v2_playbook_on_play_start(self, play):
        self._play = play.get_name()

    def v2_runner_on_ok(self, result):
        if not self._is_loop_summary(result):
            self._write('ok', result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        if not self._is_loop_summary(result):
            self._write('failed', result)

    def v2_runner_on_skipped(self, result):
        if not self._is_loop_summary(result):
            self._write('skipped', result)

    def v2_runner_on_unreachable(self, result):
        self._write('unreachable', result)

    def v2_runner_item_on_ok(self, result):
        self._write('ok', result)

    def v2_runner_item_on_failed(self, result):
        self._write('failed', result)

    def v2_runner_item_on_skipped(self, result):
        self._write('skipped', result)
