# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CU pool predictor: which creates and starts the pool refuses, in the order of a real fleet run."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.puddle.cloud.plugins.module_utils import cu_pool
from ansible_collections.puddle.cloud.plugins.module_utils import system_transitions as transitions
from ansible_collections.puddle.cloud.plugins.module_utils.cu_pool import Plan, simulate


def create(name, cost=2, declared='started'):
    return Plan(name, 'absent', None, transitions.steps_for('absent', declared), created_cost=cost)


def start(name, cost=2, status='stopped'):
    return Plan(name, status, cost, transitions.steps_for(status, 'started'))


@pytest.mark.parametrize('available, refused', [
    (10, {}),                                     # room for all five
    (4, {2: (0, 2, 0), 3: (0, 2, 0), 4: (0, 2, 0)}),  # the pool: two created, three refused
    (5, {2: (0, 2, 1), 3: (0, 2, 1), 4: (0, 2, 1)}),
    (1, dict((index, (0, 2, 1)) for index in range(5))),  # room for none
    (-3, dict((index, (0, 2, -3)) for index in range(5))),  # a shrunk pool (available below 0)
])
def test_creates_are_refused_in_declaration_order_once_the_pool_is_spent(available, refused):
    outcome = simulate([create('s-%d' % index) for index in range(1, 6)], available)
    assert outcome.refusals == refused
    taken = 2 * (5 - len(refused))
    assert outcome.available_after == available - taken
    assert outcome.needed == 10


def test_a_refused_big_system_leaves_room_for_a_smaller_one_after_it():
    outcome = simulate([create('big', cost=8), create('small', cost=2)], 4)
    assert outcome.refusals == {0: (0, 8, 4)}
    assert outcome.available_after == 2


def test_a_start_takes_the_system_s_own_cost_and_a_stop_frees_nothing_until_stopped():
    plans = [start('a', cost=4), start('b', cost=4), Plan('c', 'started', 4, transitions.steps_for('started', 'stopped'))]
    outcome = simulate(plans, 4)
    # c's stop is sent after a and b's starts (declaration order) and its CU comes back only when it is stopped.
    assert outcome.refusals == {1: (0, 4, 0)}
    assert outcome.available_after == 4


def test_a_terminate_before_in_the_first_pass_frees_its_cu_for_a_later_create():
    plans = [Plan('old', 'started', 4, transitions.steps_for('started', 'absent')), create('new', cost=4)]
    outcome = simulate(plans, 0)
    assert outcome.refusals == {}
    assert outcome.available_after == 0


def test_a_create_after_a_wait_comes_after_every_first_request():
    # A recreate: terminate, wait, create; the fresh system's create is sent in the first pass, before it.
    recreated = Plan('recreated', 'stopped', 2, transitions.recreate_steps('stopped', 'started'), created_cost=2)
    outcome = simulate([recreated, create('fresh')], 2)
    assert outcome.refusals == {0: (2, 2, 0)}


def test_a_failed_system_stopped_then_started_takes_its_cu_again_after_its_stop():
    # failed -> stopping takes the CU (a stop is never refused, docs/api.md section 9), stopped frees it.
    plan = Plan('f', 'failed', 3, transitions.steps_for('failed', 'started'))
    assert simulate([plan], 3).refusals == {}
    outcome = simulate([plan, create('other', cost=3)], 3)
    # The failed system's stop takes its 3 CU at once, so the other's create, sent next, finds none; the start
    # comes after the stop's wait, when the stopped system has given its CU back.
    assert outcome.refusals == {1: (0, 3, 0)}
    assert outcome.available_after == 3 - 3


def test_steps_without_create_or_start_never_refused_and_other_costs_may_be_unknown():
    plans = [Plan('s', 'stopped', None, transitions.steps_for('stopped', 'absent'))]
    outcome = simulate(plans, 0)
    assert outcome.refusals == {} and outcome.needed == 0 and outcome.shortfall == 0


def test_without_refusals_the_shortfall_is_what_the_whole_fleet_lacks():
    plans = [create('s-%d' % index) for index in range(5)] + [start('t', cost=3)]
    outcome = simulate(plans, 4, refuse=False)
    assert outcome.refusals == {}
    assert (outcome.needed, outcome.shortfall, outcome.required_for_all) == (13, 9, 13)
    assert cu_pool.shortage_message(outcome) == '13 CU needed, 4 available, short by 9'


@pytest.mark.parametrize('plans, available, named', [
    ([create('s')], None, "pool's available CU"),
    ([create('s', cost=None)], 10, 'cu_per_hour of s (its instance type'),
    ([start('s', cost=None)], 10, 'cu_per_hour of s (the system'),
])
def test_an_unknown_figure_is_never_taken_as_zero(plans, available, named):
    with pytest.raises(cu_pool.UnknownCU) as raised:
        simulate(plans, available)
    assert named in str(raised.value)


@pytest.mark.parametrize('value, known', [(0, 0), (7, 7), (-2, -2), (None, None), ('4', None), (True, None), (2.0, None)])
def test_only_an_int_is_a_known_figure(value, known):
    assert cu_pool.known_cu(value) == known
    assert cu_pool.available_of({'available_cu': value}) == known
    assert cu_pool.available_of({}) is None


def test_the_refusal_is_reported_as_puddle_reports_it():
    error = cu_pool.cu_pool_short_error(2, 0)
    assert error.code == 'failed_precondition'
    assert error.message == 'the CU pool is short: 2 CU needed, 0 available'
    assert error.meta == {'reason': 'cu_pool_short', 'required_cu': 2, 'available_cu': 0, 'short_by': 2}


@pytest.mark.parametrize('status, declared, cost', [
    ('absent', 'started', 2), ('absent', 'stopped', 0), ('absent', 'present', 2), ('stopped', 'present', 0),
    ('stopped', 'started', 5), ('started', 'absent', 0), ('failed', 'failed', 0), ('starting', 'present', 5),
    ('started', 'restarted', 5),
])
def test_the_converged_fleet_costs_what_its_running_systems_take(status, declared, cost):
    plan = Plan('s', status, None if status == 'absent' else 5, transitions.steps_for(status, declared), created_cost=2)
    assert cu_pool.converged_cu_per_hour([plan]) == cost


def test_the_refusal_names_the_method_as_the_builtin_client_does():
    from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import PuddleClient
    client = PuddleClient  # rpc_name is a static method: no connection needed
    assert cu_pool.cu_pool_short_error(8, 3, client=client, step='start').message == (
        'SystemService/StartSystem: the CU pool is short: 8 CU needed, 3 available')
    assert cu_pool.cu_pool_short_error(2, 0, client=client, step='create').message == (
        'SystemService/CreateSystem: the CU pool is short: 2 CU needed, 0 available')
