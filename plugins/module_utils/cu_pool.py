# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The CU pool as the contract defines it (docs/api.md section 3, CU accounting), for predictions.

Puddle has one pool of compute units (CU) for the whole installation. A system takes its
``cu_per_hour`` from the pool while its status is provisioning, starting, started, restarting or
stopping; a CreateSystem or StartSystem that would take more CU than ``available_cu`` is refused
(failed_precondition, meta.reason cu_pool_short); nothing else is ever refused for CU.

simulate() walks the steps of many systems (system_transitions) in the order a real run sends them
(puddle_fleet: every system's requests up to its first wait, in declaration order, then each system's
next requests when its wait is over, again in declaration order) over one read of the pool, and tells
which creates and starts the pool refuses. It assumes the pool changes only through these steps: other
users' systems, and Puddle's own transitions that free CU (a stopping system becoming stopped, a
provisioning one failing), can only make room, never take it.

A figure a client or a Puddle does not report (the pool's available_cu, an instance type's or a system's
cu_per_hour) is unknown, never 0: simulate() then raises UnknownCU naming it.

No Ansible and no HTTP imports.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import PreconditionFailedError
from ansible_collections.puddle.cloud.plugins.module_utils import system_transitions as transitions

# docs/api.md section 3, CU accounting.
CU_CONSUMING_STATUSES = ('provisioning', 'starting', 'started', 'restarting', 'stopping')
# The requests the pool may refuse.
CU_TAKING_STEPS = ('create', 'start')
CU_POOL_SHORT = 'cu_pool_short'


class UnknownCU(Exception):
    """A figure the prediction needs was not reported; str() names it."""


def known_cu(value):
    """value when it is a reported CU figure (an int), else None: unknown, never 0."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def available_of(info):
    """The pool's available CU from a get_cu_consumption_info answer (None: unknown)."""
    return known_cu((info or {}).get('available_cu'))


# The client route of each request the pool may refuse (PuddleClient.rpc_name names it in its errors).
_ROUTE_OF_STEP = {'create': 'create_system', 'start': 'start_system'}


def cu_pool_short_error(required, available, system=None, client=None, step=None):
    """The refusal of a create or start, as Puddle reports it (docs/api.md, failed_precondition), and as the client
    hands it on: a client with rpc_name (the builtin one) puts the method's name first, as in its real errors."""
    message = 'the CU pool is short: %d CU needed, %d available' % (required, available)
    name_of = getattr(client, 'rpc_name', None)
    if callable(name_of) and step in _ROUTE_OF_STEP:
        message = '%s: %s' % (name_of(_ROUTE_OF_STEP[step]), message)
    return PreconditionFailedError(
        message,
        meta={'reason': CU_POOL_SHORT, 'required_cu': required, 'available_cu': available,
              'short_by': required - available},
        system=system)


def consumes(status):
    return status in CU_CONSUMING_STATUSES


class Plan(object):
    """One system's steps for simulate(): its name, current status and cu_per_hour, and the cu_per_hour of the
    instance type it would be created with (None when its steps hold no create or the figure is unknown)."""

    def __init__(self, name, status, cost, steps, created_cost=None):
        self.name = name
        self.status = status
        self.cost = cost
        self.steps = tuple(steps)
        self.created_cost = created_cost


class Outcome(object):
    """What simulate() found: refusals {plan index: (step position, required CU, available CU)}, the CU the
    creates and starts take (needed, counting the refused ones too), the available CU before and after the
    steps, and shortfall: the most CU the pool lacked before one of them (0 when every one fits)."""

    def __init__(self, available):
        self.available_before = available
        self.available_after = available
        self.refusals = {}
        self.needed = 0
        self.shortfall = 0

    @property
    def required_for_all(self):
        """The available CU that would let every create and start through (as needed when only they move the pool)."""
        return self.available_before + self.shortfall


def _cost(plan, cost, what):
    if cost is None:
        raise UnknownCU('the cu_per_hour of %s (%s)' % (plan.name, what))
    return cost


def simulate(plans, available, refuse=True):
    """Walk every plan's steps in the order of a real fleet run over a pool with this available CU.

    With refuse, a create or start that takes more than the available CU is refused: that system stops
    there (as it fails in the real run). Without it, every request goes through and only the shortfall is
    measured (whole-fleet check). UnknownCU when the pool or a cost that matters is unknown.
    """
    if known_cu(available) is None:
        raise UnknownCU("the pool's available CU (available_cu of GetCUConsumptionInfo)")
    outcome = Outcome(available)
    positions = [0] * len(plans)
    statuses = [plan.status for plan in plans]
    costs = [plan.cost for plan in plans]
    active = list(range(len(plans)))
    first_pass = True
    while active:
        waiting = []
        for index in active:
            plan = plans[index]
            position = positions[index]
            if not first_pass:
                available = _move(plan, statuses, costs, index, plan.steps[position], available)
                position += 1
            while position < len(plan.steps):
                step = plan.steps[position]
                if step in transitions.WAIT_STEPS:
                    waiting.append(index)
                    break
                if step in CU_TAKING_STEPS:
                    if step == 'create':
                        required = _cost(plan, plan.created_cost, 'its instance type, from the catalogue')
                    else:
                        required = _cost(plan, costs[index], 'the system, from the listing')
                    outcome.needed += required
                    outcome.shortfall = max(outcome.shortfall, required - available)
                    if refuse and required > available:
                        outcome.refusals[index] = (position, required, available)
                        break
                available = _move(plan, statuses, costs, index, step, available)
                position += 1
            positions[index] = position
        first_pass = False
        active = waiting
    outcome.available_after = available
    return outcome


def _move(plan, statuses, costs, index, step, available):
    """The available CU after one step of a plan (its status and cost updated)."""
    before = statuses[index]
    after = transitions.STEP_OUTCOMES.get(step, before)  # wait_stable: no fixed outcome, taken as unchanged
    if step == 'create':
        new_cost = plan.created_cost
    else:
        new_cost = costs[index]
    if consumes(before) != consumes(after) or (consumes(after) and new_cost != costs[index]):
        if consumes(before):
            available += _cost(plan, costs[index], 'the system, from the listing')
        if consumes(after):
            available -= _cost(plan, new_cost, 'its instance type, from the catalogue')
    statuses[index] = after
    costs[index] = new_cost
    return available


def converged_cu_per_hour(plans):
    """CU per hour the systems consume once their steps (waits included) are done; UnknownCU when one is unknown."""
    total = 0
    for plan in plans:
        status = transitions.predict_status(plan.status, plan.steps)
        if consumes(status):
            created = 'create' in plan.steps
            total += _cost(plan, plan.created_cost if created else plan.cost,
                           'its instance type, from the catalogue' if created else 'the system, from the listing')
    return total


def shortage_message(outcome):
    """The whole-fleet refusal's figures, as the fleet reports them."""
    required = outcome.required_for_all
    return '%d CU needed, %d available, short by %d' % (required, outcome.available_before, outcome.shortfall)
