# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Records how long each task took (controller clock) into the JSON file named by BENCH_TASK_TIMES.

Used only by bench/: a task's time runs from its start to the last host result.
"""

from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: bench_task_times
type: aggregate
short_description: Write each task's duration to a JSON file (bench/ only)
description:
  - Writes C([{name, seconds, status}]) to the file named by the E(BENCH_TASK_TIMES) environment variable.
requirements:
  - enabled in callbacks_enabled
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'bench_task_times'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._records = []
        self._current = None

    def _close_current(self, status):
        if self._current is not None:
            name, started = self._current
            self._records.append({'name': name, 'seconds': time.monotonic() - started, 'status': status})
            self._current = None

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._close_current('unfinished')
        self._current = (task.get_name(), time.monotonic())

    def v2_runner_on_ok(self, result):
        self._close_current('ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._close_current('failed')

    def v2_runner_on_skipped(self, result):
        self._close_current('skipped')

    def v2_playbook_on_stats(self, stats):
        self._close_current('unfinished')
        path = os.environ.get('BENCH_TASK_TIMES')
        if path:
            with open(path, 'w', encoding='utf-8') as stream:
                json.dump(self._records, stream, indent=1)
