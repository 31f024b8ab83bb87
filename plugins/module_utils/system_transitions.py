# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The convergence rules of puddle.cloud.puddle_system, as one table.

TRANSITIONS[current status][declared state] is the tuple of steps that takes a
system from its current status to the declared state. The module executes the
steps in order, its documentation renders the same table (render_table_lines),
and the unit tests walk every cell against a model of the contract.

This file has no Ansible and no HTTP imports: it is data plus pure functions.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


# Current statuses as the module sees them; a terminated system (or none) is 'absent'.
ABSENT = 'absent'
CURRENT_STATUSES = (
    'absent', 'provisioning', 'starting', 'started', 'stopping',
    'stopped', 'restarting', 'failed', 'terminating',
)
DECLARED_STATES = ('present', 'started', 'stopped', 'restarted', 'failed', 'absent')

# Steps that send a request to Puddle (everything else only waits).
ACTION_STEPS = ('create', 'start', 'stop', 'restart', 'fail', 'terminate')
WAIT_STEPS = ('wait_stable', 'wait_started', 'wait_stopped', 'wait_terminated')
STEPS = ACTION_STEPS + WAIT_STEPS

STEP_DESCRIPTIONS = (
    ('create', 'CreateSystem with the declared attributes (the system is then V(provisioning))'),
    ('start', 'StartSystem (V(stopped) to V(starting))'),
    ('stop', 'StopSystem (V(started) or V(failed) to V(stopping))'),
    ('restart', 'RestartSystem (V(started) to V(restarting))'),
    ('fail', 'FailSystem (V(provisioning) or V(stopping) to V(failed); Puddle allows nothing else)'),
    ('terminate', 'TerminateSystem (V(started), V(stopped) or V(failed) to V(terminating))'),
    ('wait_stable', 'wait until the system leaves its transitional status, whatever the outcome'),
    ('wait_started', 'wait until the system is V(started); fails if it becomes V(failed)'),
    ('wait_stopped', 'wait until the system is V(stopped); fails if it becomes V(failed)'),
    ('wait_terminated', 'wait until the system is gone'),
)

_CREATE = ('create', 'wait_started')
_RECREATE = ('wait_terminated',) + _CREATE

TRANSITIONS = {
    'absent': {
        'present': _CREATE,
        'started': _CREATE,
        'stopped': _CREATE + ('stop', 'wait_stopped'),
        'restarted': _CREATE,
        'failed': ('create', 'fail'),
        'absent': (),
    },
    'provisioning': {
        'present': (),
        'started': ('wait_started',),
        'stopped': ('wait_started', 'stop', 'wait_stopped'),
        'restarted': ('wait_started', 'restart', 'wait_started'),
        'failed': ('fail',),
        'absent': ('wait_stable', 'terminate', 'wait_terminated'),
    },
    'starting': {
        'present': (),
        'started': ('wait_started',),
        'stopped': ('wait_started', 'stop', 'wait_stopped'),
        'restarted': ('wait_started', 'restart', 'wait_started'),
        'failed': ('wait_started', 'stop', 'fail'),
        'absent': ('wait_stable', 'terminate', 'wait_terminated'),
    },
    'started': {
        'present': (),
        'started': (),
        'stopped': ('stop', 'wait_stopped'),
        'restarted': ('restart', 'wait_started'),
        'failed': ('stop', 'fail'),
        'absent': ('terminate', 'wait_terminated'),
    },
    'stopping': {
        'present': (),
        'started': ('wait_stopped', 'start', 'wait_started'),
        'stopped': ('wait_stopped',),
        'restarted': ('wait_stopped', 'start', 'wait_started'),
        'failed': ('fail',),
        'absent': ('wait_stable', 'terminate', 'wait_terminated'),
    },
    'stopped': {
        'present': (),
        'started': ('start', 'wait_started'),
        'stopped': (),
        'restarted': ('start', 'wait_started'),
        'failed': ('start', 'wait_started', 'stop', 'fail'),
        'absent': ('terminate', 'wait_terminated'),
    },
    'restarting': {
        'present': (),
        'started': ('wait_started',),
        'stopped': ('wait_started', 'stop', 'wait_stopped'),
        'restarted': ('wait_started', 'restart', 'wait_started'),
        'failed': ('wait_started', 'stop', 'fail'),
        'absent': ('wait_stable', 'terminate', 'wait_terminated'),
    },
    'failed': {
        'present': (),
        'started': ('stop', 'wait_stopped', 'start', 'wait_started'),
        'stopped': ('stop', 'wait_stopped'),
        'restarted': ('stop', 'wait_stopped', 'start', 'wait_started'),
        'failed': (),
        'absent': ('terminate', 'wait_terminated'),
    },
    'terminating': {
        'present': _RECREATE,
        'started': _RECREATE,
        'stopped': _RECREATE + ('stop', 'wait_stopped'),
        'restarted': _RECREATE,
        'failed': ('wait_terminated', 'create', 'fail'),
        'absent': ('wait_terminated',),
    },
}

# The status a step leaves the system in (None: gone). wait_stable has no fixed outcome.
STEP_OUTCOMES = {
    'create': 'provisioning',
    'start': 'starting',
    'stop': 'stopping',
    'restart': 'restarting',
    'fail': 'failed',
    'terminate': 'terminating',
    'wait_started': 'started',
    'wait_stopped': 'stopped',
    'wait_terminated': ABSENT,
}


def current_status(system):
    """The row of TRANSITIONS for a system dict (None or terminated: 'absent')."""
    if not system or system.get('status') in (None, 'terminated'):
        return ABSENT
    return system['status']


def steps_for(current, declared, wait=True):
    """The steps from status current to state declared (see without_final_waits for wait=False)."""
    steps = TRANSITIONS[current][declared]
    return steps if wait else without_final_waits(steps)


def recreate_steps(current, declared, wait=True):
    """Steps that terminate a system in status current and create it again in state declared."""
    steps = TRANSITIONS[current][ABSENT] + TRANSITIONS[ABSENT][declared]
    return steps if wait else without_final_waits(steps)


def without_final_waits(steps):
    """Drop the waits after the last request (all waits when there is no request).

    Puddle refuses actions during a transition, so the waits between two requests
    always stay.
    """
    last_action = max([index for index, step in enumerate(steps) if step in ACTION_STEPS] or [-1])
    return steps[:last_action + 1]


def predict_status(current, steps):
    """The status the steps end in, when every wait has its expected outcome."""
    status = current
    for step in steps:
        status = STEP_OUTCOMES.get(step, status)
    return status


def has_action(steps):
    return any(step in ACTION_STEPS for step in steps)


def _render_steps(steps):
    return ', '.join(steps) if steps else 'nothing'


def render_table_lines():
    """The transition table as documentation paragraphs, one per declared state."""
    lines = []
    for declared in DECLARED_STATES:
        cells = [
            'V(%s) -> %s' % (current, _render_steps(TRANSITIONS[current][declared]))
            for current in CURRENT_STATUSES
        ]
        lines.append('O(state=%s) - %s.' % (declared, '; '.join(cells)))
    return lines


def render_step_lines():
    """What each step name in the table means, as documentation paragraphs."""
    return ['C(%s) - %s.' % (step, meaning) for step, meaning in STEP_DESCRIPTIONS]
