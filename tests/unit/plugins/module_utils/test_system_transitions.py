# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every cell of the puddle_system transition table, walked against a model of docs/api.md."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import itertools

import pytest

from ansible_collections.puddle.cloud.plugins.module_utils import system_transitions as transitions

# docs/api.md §2-§3, written out independently of the module: the statuses each request is
# accepted in, the status it leads to, and where Puddle takes a transitional status by itself.
PRECONDITIONS = {
    'create': ('absent',),
    'start': ('stopped',),
    'stop': ('started', 'failed'),
    'restart': ('started',),
    'fail': ('provisioning', 'stopping'),
    'terminate': ('started', 'stopped', 'failed'),
}
REQUEST_OUTCOMES = {
    'create': 'provisioning',
    'start': 'starting',
    'stop': 'stopping',
    'restart': 'restarting',
    'fail': 'failed',
    'terminate': 'terminating',
}
PUDDLE_MOVES = {
    'provisioning': 'started',
    'starting': 'started',
    'restarting': 'started',
    'stopping': 'stopped',
    'terminating': 'absent',
}
STABLE = ('absent', 'started', 'stopped', 'failed')
WAIT_TARGETS = {'wait_started': 'started', 'wait_stopped': 'stopped', 'wait_terminated': 'absent'}
# Where each declared state must leave the system (present: anywhere but absent).
DECLARED_OUTCOMES = {
    'started': ('started',),
    'stopped': ('stopped',),
    'restarted': ('started',),
    'failed': ('failed',),
    'absent': ('absent',),
    'present': tuple(status for status in transitions.CURRENT_STATUSES if status != 'absent'),
}

CELLS = list(itertools.product(transitions.CURRENT_STATUSES, transitions.DECLARED_STATES))


def settle(status):
    """The stable status Puddle leads a transitional status to, when nothing fails."""
    while status not in STABLE:
        status = PUDDLE_MOVES[status]
    return status


def walk(current, steps):
    """Run steps through the model; assert that Puddle would accept each one. Returns the end status."""
    status = current
    for step in steps:
        if step in PRECONDITIONS:
            assert status in PRECONDITIONS[step], '%s sent while %s' % (step, status)
            status = REQUEST_OUTCOMES[step]
        elif step == 'wait_stable':
            assert status not in STABLE, 'wait_stable while already stable (%s)' % status
            status = settle(status)
        else:
            target = WAIT_TARGETS[step]
            reached = status
            while reached != target and reached not in STABLE:
                reached = PUDDLE_MOVES[reached]
            assert reached == target, '%s from %s would never end' % (step, status)
            status = reached
    return status


def test_table_has_every_cell_and_only_known_steps():
    assert set(transitions.TRANSITIONS) == set(transitions.CURRENT_STATUSES)
    for current, row in transitions.TRANSITIONS.items():
        assert set(row) == set(transitions.DECLARED_STATES), current
        for steps in row.values():
            assert isinstance(steps, tuple)
            assert set(steps) <= set(transitions.STEPS)


@pytest.mark.parametrize('current, declared', CELLS)
def test_cell_is_accepted_by_puddle_and_reaches_the_declared_state(current, declared):
    end = walk(current, transitions.steps_for(current, declared))
    assert end in DECLARED_OUTCOMES[declared]
    assert transitions.predict_status(current, transitions.steps_for(current, declared)) == end


@pytest.mark.parametrize('current, declared', CELLS)
def test_cell_without_wait_only_drops_the_waits_after_the_last_request(current, declared):
    full = transitions.steps_for(current, declared)
    short = transitions.steps_for(current, declared, wait=False)
    assert full[:len(short)] == short
    assert all(step in transitions.WAIT_STEPS for step in full[len(short):])
    if short:
        assert short[-1] in transitions.ACTION_STEPS
    else:
        assert not transitions.has_action(full)


@pytest.mark.parametrize('current, declared', CELLS)
def test_cell_sends_nothing_when_the_state_already_holds(current, declared):
    steps = transitions.steps_for(current, declared)
    already = (declared == current or (declared == 'present' and current not in ('absent', 'terminating')))
    if declared == 'restarted':
        # restarted means: a restart (or a first start) happens on every run.
        assert transitions.has_action(steps)
    elif already:
        assert steps == ()
    else:
        assert steps != ()


@pytest.mark.parametrize('current, declared', CELLS)
def test_recreate_terminates_then_creates_from_every_status(current, declared):
    if current == 'absent':
        return
    steps = transitions.recreate_steps(current, declared)
    assert steps.count('create') == (0 if declared == 'absent' else 1)
    if declared != 'absent':
        assert steps.index('wait_terminated') < steps.index('create')
    assert walk(current, steps) in DECLARED_OUTCOMES[declared]


@pytest.mark.parametrize('current, declared', CELLS)
def test_recreate_without_wait_still_waits_for_the_old_system(current, declared):
    if current == 'absent' or declared == 'absent':
        return
    steps = transitions.recreate_steps(current, declared, wait=False)
    assert 'wait_terminated' in steps
    assert steps[-1] in transitions.ACTION_STEPS


@pytest.mark.parametrize('current, declared, expected', [
    # The rules stated in the issue, cell by cell.
    ('stopping', 'started', ('wait_stopped', 'start', 'wait_started')),
    ('failed', 'started', ('stop', 'wait_stopped', 'start', 'wait_started')),
    ('stopped', 'started', ('start', 'wait_started')),
    ('absent', 'present', ('create', 'wait_started')),
    ('started', 'failed', ('stop', 'fail')),
    ('stopped', 'failed', ('start', 'wait_started', 'stop', 'fail')),
    ('absent', 'restarted', ('create', 'wait_started')),
    ('terminating', 'started', ('wait_terminated', 'create', 'wait_started')),
    ('started', 'absent', ('terminate', 'wait_terminated')),
    ('terminating', 'absent', ('wait_terminated',)),
])
def test_cells_named_in_the_issue(current, declared, expected):
    assert transitions.steps_for(current, declared) == expected


@pytest.mark.parametrize('current', [status for status in transitions.CURRENT_STATUSES if status != 'absent'])
def test_absent_terminates_from_every_non_terminated_status(current):
    steps = transitions.steps_for(current, 'absent')
    assert steps[-1] == 'wait_terminated'
    assert current == 'terminating' or 'terminate' in steps


def test_wait_false_without_request_waits_for_nothing():
    assert transitions.steps_for('provisioning', 'started', wait=False) == ()
    assert transitions.steps_for('stopping', 'started', wait=False) == ('wait_stopped', 'start')


@pytest.mark.parametrize('waits', [
    ('wait_started',),
    ('wait_stable', 'wait_started'),
    ('wait_stable', 'wait_stopped', 'wait_terminated'),
])
def test_without_final_waits_drops_every_wait_when_there_is_no_request(waits):
    # The table has no cell of several waits alone today; a new one must still wait for nothing.
    assert transitions.without_final_waits(waits) == ()


@pytest.mark.parametrize('system, expected', [
    (None, 'absent'),
    ({'status': 'terminated'}, 'absent'),
    ({'status': 'stopping'}, 'stopping'),
])
def test_current_status(system, expected):
    assert transitions.current_status(system) == expected


def test_predict_status_follows_requests_and_waits():
    assert transitions.predict_status('absent', ('create',)) == 'provisioning'
    assert transitions.predict_status('started', ('stop', 'wait_stopped')) == 'stopped'
    assert transitions.predict_status('started', ('terminate', 'wait_terminated')) == 'absent'


def test_rendered_table_names_every_cell():
    lines = transitions.render_table_lines()
    assert len(lines) == len(transitions.DECLARED_STATES)
    for declared, line in zip(transitions.DECLARED_STATES, lines):
        assert line.startswith('O(state=%s) - ' % declared)
        for current in transitions.CURRENT_STATUSES:
            steps = transitions.TRANSITIONS[current][declared]
            assert 'V(%s) -> %s' % (current, ', '.join(steps) if steps else 'nothing') in line


def test_every_step_is_described():
    described = [line.split(')')[0][2:] for line in transitions.render_step_lines()]
    assert described == list(transitions.STEPS)
