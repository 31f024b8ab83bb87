"""Run ansible-playbook against a benchmark simulator and collect each task's duration."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))


class PlaybookFailed(RuntimeError):
    pass


def run_playbook(playbook, workdir, extra_vars, label):
    """Run bench/playbooks/<playbook>; returns (wall seconds, [{name, seconds, status}]).

    The modules run with this Python (it has requests); ANSIBLE_COLLECTIONS_PATH comes from bench/run.
    """
    times_file = os.path.join(workdir, label + ".times.json")
    vars_file = os.path.join(workdir, label + ".vars.json")
    log_file = os.path.join(workdir, label + ".log")
    with open(vars_file, "w", encoding="utf-8") as stream:
        json.dump(dict(extra_vars, ansible_python_interpreter=sys.executable), stream)
    environment = dict(
        os.environ,
        ANSIBLE_CALLBACK_PLUGINS=os.path.join(BENCH_DIR, "callback_plugins"),
        ANSIBLE_CALLBACKS_ENABLED="bench_task_times",
        BENCH_TASK_TIMES=times_file,
        ANSIBLE_LOCALHOST_WARNING="false",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
        ANSIBLE_RETRY_FILES_ENABLED="false",
    )
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
               os.path.join(BENCH_DIR, "playbooks", playbook), "-e", "@" + vars_file]
    started = time.monotonic()
    with open(log_file, "w", encoding="utf-8") as log:
        status = subprocess.call(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                 env=environment, cwd=workdir)
    wall = time.monotonic() - started
    if status != 0:
        raise PlaybookFailed("%s failed (exit %d); see %s" % (playbook, status, log_file))
    with open(times_file, encoding="utf-8") as stream:
        return wall, json.load(stream)
