# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Many declared systems converged together: the engine of puddle.cloud.puddle_fleet.

Each declaration follows the rules of one puddle_system (system_spec: validation, catalogue,
drift; system_transitions: the steps from its current status to its declared state). What
differs is the order: one listing finds every system, every declaration is checked before the
first request that changes anything, each system's requests are sent until its next step is a
wait, and then one listing per poll round (PuddleClient.poll_systems) moves every waiting system
on, sending its next requests when its wait is over, until none waits or the deadline passes.

A system whose request is refused, that fails or that is still in transition at the deadline
fails alone: the others go on, and each keeps the actions it sent (and, when the answer to its
failed request was lost, the action Puddle may have carried out, in unconfirmed).

No Ansible and no HTTP imports: the client is passed in.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import (
    ADOPTED_ANSWER_LOST,
    PreconditionFailedError,
    PuddleError,
    SystemFailedError,
    TRANSITIONAL_STATUSES,
    ValidationFailedError,
    WaitTimeoutError,
    take_carried_out,
    take_unconfirmed,
)
from ansible_collections.puddle.cloud.plugins.module_utils import cu_pool
from ansible_collections.puddle.cloud.plugins.module_utils import system_transitions as transitions
from ansible_collections.puddle.cloud.plugins.module_utils.other_writers import OtherWriters
from ansible_collections.puddle.cloud.plugins.module_utils import tag_filters
from ansible_collections.puddle.cloud.plugins.module_utils.option_ranges import RULE as RANGE_RULE, seconds_problem
from ansible_collections.puddle.cloud.plugins.module_utils.system_spec import (
    CatalogueCache,
    DECLARATION_DEFAULTS,
    DECLARATION_OPTIONS,
    created_adoption,
    creation_request,
    drift_of,
    normalize_tags,
    predicted_after,
    predicted_new_system,
    send_creation,
    system_diff,
    unchecked_options,
    validate_declared_options,
)

_IMAGE_FORMS = (('image',), ('product', 'version'))

# A system someone else keeps creating while we try: give up after this many new plans.
MAX_REPLANS = 3

# What the fleet does when the CU pool cannot hold every create and start it would send (cu_shortage).
SEND_WHAT_FITS = 'send_what_fits'
SEND_NOTHING = 'send_nothing'
CU_SHORTAGE_CHOICES = (SEND_WHAT_FITS, SEND_NOTHING)

# Requests a step sends, by step name.
_REQUESTS = {
    'start': 'start_system',
    'stop': 'stop_system',
    'restart': 'restart_system',
    'fail': 'fail_system',
    'terminate': 'terminate_system',
}


# ----------------------------------------------------------------------------- declarations

def _invalid(option, rule, message):
    return ValidationFailedError('%s (rule %s)' % (message, rule), meta={'field': option, 'rule': rule})


def counted_names(name_format, count, option='name_format'):
    """The names name_format % 1 ... name_format % count; ValidationFailedError naming the option."""
    if count is None or count < 0:
        raise _invalid('count', 'range', 'count must be 0 or more, got %s' % count)
    try:
        names = [name_format % index for index in range(1, count + 1)]
        probe = name_format % 1
    except (TypeError, ValueError) as error:
        raise _invalid(option, 'format', '%s must hold exactly one integer conversion such as %%02d (%s)' % (option, error))
    if count > 1 and names[0] == names[1] or probe == name_format:
        raise _invalid(option, 'format', '%s must hold exactly one integer conversion such as %%02d' % option)
    return names


def merge_declaration(defaults, declaration):
    """A declaration over the shared defaults: its values win, its tags are merged over theirs.

    A declaration that names an image (or a product and version) drops the other form from the defaults.
    """
    merged = dict((option, None) for option in DECLARATION_OPTIONS)
    shared = dict((key, value) for key, value in (defaults or {}).items() if value is not None)
    own = dict((key, value) for key, value in declaration.items() if value is not None)
    for form, other in (_IMAGE_FORMS, tuple(reversed(_IMAGE_FORMS))):
        if any(option in own for option in form):
            for option in other:
                shared.pop(option, None)
    merged.update(DECLARATION_DEFAULTS)
    merged.update(shared)
    merged.update(own)
    if 'tags' in shared or 'tags' in own:
        tags = dict(shared.get('tags') or {})
        tags.update(own.get('tags') or {})
        merged['tags'] = tags
    merged['tags'] = normalize_tags(merged['tags'])
    return merged


def declarations(systems, name_format, count, defaults):
    """Every declared system, merged with defaults: the counted names first, then systems.

    An entry of systems whose name is a counted name replaces that counted declaration (in its place).
    """
    ordered = []
    position = {}
    if name_format is not None:
        for name in counted_names(name_format, count):
            position[name] = len(ordered)
            ordered.append(merge_declaration(defaults, {'name': name}))
    seen = set()
    for index, declaration in enumerate(systems or []):
        name = declaration.get('name')
        if name in seen:
            raise _invalid('systems[%d].name' % index, 'duplicate', 'systems[%d]: system %s is declared twice' % (index, name))
        seen.add(name)
        merged = merge_declaration(defaults, declaration)
        if name in position:
            ordered[position[name]] = merged
        else:
            ordered.append(merged)
    return ordered


def check_declaration(params, wait_timeout, poll_interval):
    """The rules of puddle_system that need no request, for one merged declaration."""
    if params['image'] and (params['product'] or params['version']):
        raise _invalid('image', 'exclusive', 'image and product/version are mutually exclusive')
    if bool(params['product']) != bool(params['version']):
        missing = 'version' if params['product'] else 'product'
        raise _invalid(missing, 'required_together', 'product and version go together; %s is missing' % missing)
    if params['state'] not in transitions.DECLARED_STATES:
        raise _invalid('state', 'choices', 'state must be one of %s, got %s'
                       % (', '.join(transitions.DECLARED_STATES), params['state']))
    validate_declared_options(dict(params, wait_timeout=wait_timeout, poll_interval=poll_interval))


def prune_selects(system, name_prefix, tags):
    """Whether a listed system matches the prune selector (every given part must match).

    prune_tags is a tag filter with the one meaning of the collection (tag_filters.selects), the meaning of
    puddle_system_info's tags: a null value means "no value", and a system whose tags are unknown is never
    selected. So prune never terminates a system that the same filter does not list.
    """
    if name_prefix is not None and not (system.get('name') or '').startswith(name_prefix):
        return False
    return tag_filters.selects(system, tags)


# ----------------------------------------------------------------------------- one system

class Member(object):
    """One system of the fleet: its declaration, its steps and what the run did to it."""

    def __init__(self, params, pruned=False):
        self.params = params
        self.name = params['name']
        self.pruned = pruned
        self.before = None
        self.system = None
        self.steps = ()
        self.position = 0
        self.actions = []
        self.drift = []
        self.creation = None
        self.failure = None
        # Effects found already there (the client's last_adoption: someone else created the system or did
        # the action); reported apart from this task's actions.
        self.adopted = []
        # The action of a failed request whose answer was lost ({action, reason: answer_lost}): Puddle may have
        # carried it out.
        self.unconfirmed = []
        # The steps with every wait (the converged state, whatever wait says), and a predicted refusal of the CU
        # pool in check mode: (step position, error).
        self.full_steps = ()
        self.cu_refusal = None

    @property
    def changed(self):
        """Whether a request of this task changed the system, or may have (unconfirmed)."""
        return bool(self.actions or self.unconfirmed)

    def failed_with(self, error):
        self.failure = error
        carried_out = take_carried_out(error)  # done before a read after it failed: this task's action
        if carried_out is not None:
            self.actions.append(carried_out)
        unconfirmed = take_unconfirmed(error)
        if unconfirmed is not None:
            self.unconfirmed.append(unconfirmed)

    @property
    def step(self):
        return self.steps[self.position] if self.position < len(self.steps) else None

    @property
    def waiting(self):
        return self.failure is None and self.step in transitions.WAIT_STEPS

    @property
    def converged(self):
        return self.failure is None and self.step is None

    @property
    def diff(self):
        return system_diff(self.before, self.system, self.params)

    @property
    def unchecked(self):
        """The declared options the client does not report on this system (before or after): never compared."""
        options = unchecked_options(self.before, self.params)
        return options + [option for option in unchecked_options(self.system, self.params) if option not in options]


def _label(awaited):
    return {'wait_stable': 'stable', 'wait_terminated': 'terminated'}.get(awaited, transitions.STEP_OUTCOMES.get(awaited))


# ----------------------------------------------------------------------------- the fleet

class Fleet(object):
    """Plans and converges members with one client; run() fills each member's actions, system and failure."""

    def __init__(self, client, declared, check_mode=False, wait=True, wait_timeout=1200, poll_interval=5,
                 prune=False, prune_name_prefix=None, prune_tags=None, cu_shortage=SEND_WHAT_FITS,
                 monotonic=time.monotonic):
        self.client = client
        self.members = [Member(params) for params in declared]
        self.check_mode = check_mode
        self.wait = wait
        self.wait_timeout = wait_timeout
        self.poll_interval = poll_interval
        self.prune = prune
        self.prune_name_prefix = prune_name_prefix
        self.prune_tags = prune_tags
        self.cu_shortage = cu_shortage
        self.rounds = 0
        # The CU figures of the result (see cu_result) and what the task must say about them once.
        self.cu = dict(fleet_cu_per_hour=None, needed_cu=None, available_before=None, available_after=None)
        self.warnings = []
        self._pool_read = False
        self._monotonic = monotonic
        self._by_id = {}
        self._writers = {}  # member name -> OtherWriters: refusals caused by someone else's moves

    # -- planning: every rule checked before the first request that changes anything

    def check(self):
        """The rules that need no request, for every declaration; ValidationFailedError names the system."""
        # A bound that is not a finite number (nan, inf) would disable it (option_ranges).
        for option, value in (('wait_timeout', self.wait_timeout), ('poll_interval', self.poll_interval)):
            problem = seconds_problem(option, value)
            if problem is not None:
                raise _invalid(option, RANGE_RULE, problem)
        for index, member in enumerate(self.members):
            try:
                check_declaration(member.params, self.wait_timeout, self.poll_interval)
            except ValidationFailedError as error:
                raise _in_declaration(error, index, member.name)
        if self.prune and self.prune_name_prefix is None and not self.prune_tags:
            raise _invalid('prune', 'selector', 'prune needs a selector: prune_name_prefix or prune_tags '
                           "(prune_name_prefix: '' selects every system of the user)")

    def plan(self):
        """One listing; each member's steps, the pruned systems, the creation requests; drift fails here."""
        listing = self.client.list_systems()
        by_name = dict((system['name'], system) for system in listing)
        declared_names = set(member.name for member in self.members)
        if self.prune:
            for system in listing:
                if system['name'] not in declared_names and prune_selects(system, self.prune_name_prefix, self.prune_tags):
                    member = Member(merge_declaration({}, {'name': system['name'], 'state': transitions.ABSENT}), pruned=True)
                    self.members.append(member)
        catalogue = CatalogueCache(self.client)
        drifted = []
        for index, member in enumerate(self.members):
            member.before = member.system = by_name.get(member.name)
            current = transitions.current_status(member.system)
            declared = member.params['state']
            if declared != transitions.ABSENT and current not in (transitions.ABSENT, 'terminating'):
                member.drift = drift_of(member.system, member.params)
            if member.drift and not member.params['recreate']:
                drifted.append(member)
                continue
            if member.drift:
                member.full_steps = transitions.recreate_steps(current, declared)
            else:
                member.full_steps = transitions.steps_for(current, declared)
            member.steps = member.full_steps if self.wait else transitions.without_final_waits(member.full_steps)
            if 'create' in member.steps:
                try:
                    member.creation = creation_request(catalogue, member.params)
                except ValidationFailedError as error:
                    raise _in_declaration(error, index, member.name)
        if drifted:
            raise fleet_drift_error(drifted)

    # -- the CU pool: one read when a create or start is planned, predictions from docs/api.md's accounting

    def _plans(self, members, full=False):
        return [cu_pool.Plan(member.name, transitions.current_status(member.system),
                             cu_pool.known_cu((member.system or {}).get('cu_per_hour')),
                             member.full_steps if full else member.steps,
                             cu_pool.known_cu(member.creation['instance_type'].get('cu_per_hour'))
                             if member.creation else None)
                for member in members]

    def weigh_pool(self):
        """Read the pool when a create or start is planned; predict refusals (check mode), or refuse the whole fleet."""
        declared = [member for member in self.members if not member.pruned]
        try:
            self.cu['fleet_cu_per_hour'] = cu_pool.converged_cu_per_hour(self._plans(declared, full=True))
        except cu_pool.UnknownCU:
            pass  # unknown: left null
        if not any(step in cu_pool.CU_TAKING_STEPS for member in self.members for step in member.steps):
            return
        available = cu_pool.available_of(self.client.get_cu_consumption_info())
        self._pool_read = True
        self.cu['available_before'] = available
        plans = self._plans(self.members)
        if self.cu_shortage == SEND_NOTHING:
            try:
                outcome = cu_pool.simulate(plans, available, refuse=False)
            except cu_pool.UnknownCU as unknown:
                raise PuddleError('cu_shortage=%s cannot check the CU pool: %s is not reported, so whether the pool '
                                  'holds the whole fleet is unknown; nothing was sent' % (SEND_NOTHING, unknown),
                                  code='cu_unknown', meta={'field': 'cu_shortage'})
            self.cu['needed_cu'] = outcome.needed
            if outcome.shortfall > 0:
                raise PuddleError(
                    'The CU pool cannot hold the whole fleet: %s; nothing was sent (cu_shortage=%s). Ask the Puddle '
                    'administrator for %d more CU, or declare fewer systems.'
                    % (cu_pool.shortage_message(outcome), SEND_NOTHING, outcome.shortfall),
                    code=cu_pool.CU_POOL_SHORT,
                    meta={'field': 'cu_shortage', 'reason': cu_pool.CU_POOL_SHORT,
                          'required_cu': outcome.required_for_all, 'available_cu': available,
                          'short_by': outcome.shortfall})
            if self.check_mode:
                self.cu['available_after'] = outcome.available_after
            return
        try:
            outcome = cu_pool.simulate(plans, available)
        except cu_pool.UnknownCU as unknown:
            if self.check_mode:
                self.warnings.append('Check mode cannot predict which creates and starts the CU pool refuses: %s is '
                                     'not reported; it predicts that every one is accepted.' % unknown)
            return
        self.cu['needed_cu'] = outcome.needed
        if not self.check_mode:
            return
        self.cu['available_after'] = outcome.available_after
        for index, (position, required, available_then) in outcome.refusals.items():
            member = self.members[index]
            member.cu_refusal = (position, cu_pool.cu_pool_short_error(required, available_then, client=self.client,
                                                                       step=member.steps[position]))

    def _read_pool_after(self):
        if not self._pool_read or self.check_mode:
            return
        try:
            self.cu['available_after'] = cu_pool.available_of(self.client.get_cu_consumption_info())
        except PuddleError as error:
            self.warnings.append('The CU pool could not be read after the run: %s' % error.message)

    # -- converging

    def run(self):
        """Send every member's requests up to its first wait, then poll until none waits or the deadline."""
        started = self._monotonic()
        self.check()
        self.plan()
        self.weigh_pool()
        try:
            self._converge(started)
        finally:
            self._read_pool_after()

    def _converge(self, started):
        for member in self.members:
            self._advance(member)
        if self.check_mode or not any(member.waiting for member in self.members):
            return
        sent = any(member.actions for member in self.members)
        remaining = max(started + self.wait_timeout - self._monotonic(), 0)
        try:
            self.rounds = self.client.poll_systems(self._observe_round, timeout=remaining,
                                                   poll_interval=self.poll_interval,
                                                   first_poll_delay=self.poll_interval if sent else 0.0)
        except WaitTimeoutError as error:
            self.rounds = error.meta.get('rounds', self.rounds)
            for member in self.members:
                if member.waiting:
                    member.failure = self._timeout(member)
        except PuddleError as error:
            # The listing itself failed (after its retries): every system still waiting shares the cause.
            for member in self.members:
                if member.waiting:
                    member.failure = error

    def _advance(self, member):
        """Run the member's steps from its position until a wait (real runs), the end or a failure."""
        while member.failure is None and member.step is not None:
            step = member.step
            if step in transitions.WAIT_STEPS:
                if not self.check_mode and member.system is not None:
                    self._remember(member)
                    return
                # Check mode, or a system already gone (terminated by someone else while awaited): no wait.
                member.system = _predicted_after_wait(member.system, step)
            else:
                try:
                    if self._send(member, step):
                        continue  # planned again from the adopted system
                except PuddleError as error:
                    if self._moved_by_other_writer(member, error):
                        continue  # planned again from the system as read after the refusal
                    return
            member.position += 1
        if member.failure is None:
            self._refresh_idle_timeout(member)

    def _send(self, member, step):
        """Send the request of one step; True when the member's steps were planned again (adopted system)."""
        if step == 'terminate' and transitions.current_status(member.system) == transitions.ABSENT:
            return False  # gone while awaited: nothing left to terminate
        if self.check_mode:
            if member.cu_refusal is not None and member.cu_refusal[0] == member.position:
                raise member.cu_refusal[1]  # the pool would refuse it, as the real run's request is refused
            if step == 'create':
                member.system = predicted_new_system(member.creation)
            else:
                member.system = predicted_after(member.system, step)
            member.actions.append(step)
            return False
        if step == 'create':
            member.system = send_creation(self.client, member.creation)
        else:
            member.system = getattr(self.client, _REQUESTS[step])(member.system['id'])
        adoption = getattr(self.client, 'last_adoption', None)
        if step == 'create':
            adoption = created_adoption(adoption, member.system, member.params)
            if adoption:
                # Someone else created it meanwhile: compare it and plan from it, as if the listing had shown it.
                member.adopted.append(adoption)
                self._replan(member)
                return True
        if adoption and adoption.get('reason') != ADOPTED_ANSWER_LOST:
            member.adopted.append(adoption)  # already done by someone else: not this task's change
        else:
            member.actions.append(step)
        return False

    def _replan(self, member):
        if len(member.adopted) > MAX_REPLANS:
            raise PuddleError('System %s was created by someone else %d times while this task tried to create it'
                              % (member.name, len(member.adopted)), code='conflict', meta={'field': 'name'})
        self._replan_steps(member)

    def _replan_steps(self, member):
        """The member's steps from its system as it is now; drift fails it unless recreate."""
        current = transitions.current_status(member.system)
        member.drift = []
        if member.params['state'] != transitions.ABSENT and current not in (transitions.ABSENT, 'terminating'):
            member.drift = drift_of(member.system, member.params)
        if member.drift and not member.params['recreate']:
            raise fleet_drift_error([member])
        if member.drift:
            member.steps = transitions.recreate_steps(current, member.params['state'], self.wait)
        else:
            member.steps = transitions.steps_for(current, member.params['state'], self.wait)
        member.position = 0

    def _refresh_idle_timeout(self, member):
        if not member.params['refresh_idle_timeout'] or transitions.current_status(member.system) != 'started':
            return
        try:
            if not self.check_mode:
                member.system = self.client.refresh_idle_timeout(member.system['id'])
            member.actions.append('refresh_idle_timeout')
        except PuddleError as error:
            if self._moved_by_other_writer(member, error):
                self._advance(member)

    def _moved_by_other_writer(self, member, error):
        """After error ended a request of member: True when someone else had moved the system and its steps were
        planned again from it as read now (other_writers; the waits of the new steps join the poll rounds), else
        the member fails with error (and the system as read after the refusal)."""
        writers = self._writers.setdefault(member.name, OtherWriters(self.client))
        try:
            member.system = writers.system_to_plan_from(error, member.system)
        except PuddleError as final:
            member.failed_with(final)
            if final.system:
                member.system = final.system
            return False
        try:
            self._replan_steps(member)
        except PuddleError as drifted:
            member.failed_with(drifted)
            return False
        return True

    def _remember(self, member):
        self._by_id[member.system['id']] = member

    def _observe_round(self, listing):
        """One poll round: move each waiting member on from what the listing shows; True when none waits."""
        listed = dict((system['id'], system) for system in listing)
        for system_id, member in list(self._by_id.items()):
            if not member.waiting:
                del self._by_id[system_id]
                continue
            seen = listed.get(system_id)
            if self._wait_over(member, seen):
                del self._by_id[system_id]
                member.position += 1
                self._advance(member)
        return not any(member.waiting for member in self.members)

    def _wait_over(self, member, seen):
        """Whether the member's wait step is over given its listed system (None: not listed, so terminated)."""
        step = member.step
        if seen is not None:
            member.system = seen
        status = transitions.current_status(seen)
        if step == 'wait_terminated' or status == transitions.ABSENT:
            if status == transitions.ABSENT:
                member.system = None
                if step in ('wait_started', 'wait_stopped'):
                    member.failure = PreconditionFailedError(
                        'System %s was terminated while waiting for it to be %s' % (member.name, _label(step)),
                        meta={'status': 'terminated'})
                    return False
                return True
            return False
        if step == 'wait_stable':
            return status not in TRANSITIONAL_STATUSES
        awaited = transitions.STEP_OUTCOMES[step]
        if status == awaited:
            return True
        if status == 'failed':
            member.failure = SystemFailedError(
                'System %s entered failed while waiting for it to be %s: %s'
                % (member.name, awaited, seen.get('failure_reason') or 'no reason given'), system=seen)
        return False

    def _timeout(self, member):
        status = transitions.current_status(member.system)
        return WaitTimeoutError(
            'Timed out after %s s (wait_timeout) waiting for system %s to be %s; its last status was %s'
            % (self.wait_timeout, member.name, _label(member.step), status),
            awaited=_label(member.step), system=member.system, meta={'status': status})

    # -- the outcome

    def summary(self):
        declared = [member for member in self.members if not member.pruned]
        return dict(
            declared=len(declared),
            converged=sum(1 for member in declared if member.converged),
            changed=sum(1 for member in self.members if member.changed),
            failed=sum(1 for member in self.members if member.failure is not None),
            pruned=sum(1 for member in self.members if member.pruned),
            rounds=self.rounds,
        )

    def failed_members(self):
        return [member for member in self.members if member.failure is not None]


def _predicted_after_wait(system, step):
    if step == 'wait_terminated':
        return None
    if step == 'wait_stable' or system is None:
        return system
    return predicted_after(system, step)


def _in_declaration(error, index, name):
    """A declaration's ValidationFailedError, its message and field naming the system (see in_declared_options)."""
    field = error.field or 'name'
    located = ValidationFailedError('System %s: %s' % (name, error.message),
                                    meta=dict(error.meta, field=field, system=name), http_status=error.http_status)
    return located


def _gives(source, field):
    """Whether a declaration (or defaults) writes the option of field (tags.<name>: that tag)."""
    option, _dot, tag = field.partition('.')
    value = (source or {}).get(option)
    if option == 'tags' and tag and isinstance(value, dict):
        return tag in value
    return value is not None


def in_declared_options(error, systems, defaults):
    """A declaration's error (meta system, see _in_declaration) naming the option as the user wrote it.

    ``systems[1].idle_interval`` when the entry of systems gives the value (or when neither it nor defaults
    give a value it needs), ``defaults.idle_interval`` when it comes from defaults (or a counted system
    needs it), ``name_format`` for a counted name; the message names the same place. Other errors are
    returned as they are.
    """
    name = error.meta.get('system')
    field = error.field
    if name is None or not field:
        return error
    index = next((position for position, entry in enumerate(systems or []) if entry.get('name') == name), None)
    if index is not None and (_gives(systems[index], field) or not _gives(defaults, field)):
        where = 'systems[%d]' % index
        located = '%s.%s' % (where, field)
    elif field == 'name' and index is None:
        where = located = 'name_format'
    else:
        where = 'defaults'
        located = '%s.%s' % (where, field)
    prefix = 'System %s: ' % name
    message = error.message[len(prefix):] if error.message.startswith(prefix) else error.message
    return ValidationFailedError('System %s (%s): %s' % (name, where, message),
                                 meta=dict(error.meta, field=located), http_status=error.http_status)


def fleet_drift_error(members):
    """Every drifted system with each attribute, current and declared, when recreate is false."""
    details = '; '.join(
        '%s: %s' % (member.name, ', '.join('%s (current: %s, declared: %s)' % (item['attribute'], item['current'], item['declared'])
                                           for item in member.drift))
        for member in members)
    return PuddleError('%d system(s) differ in attributes Puddle cannot change after creation: %s. Set recreate: true '
                       'on them (or in defaults) to terminate and create them again.' % (len(members), details),
                       code='drift', meta={'field': members[0].drift[0]['attribute'], 'rule': 'immutable',
                                           'systems': [member.name for member in members]})


def unchecked_warning(members):
    """One warning naming, per system, the declared options its client does not report (None when none)."""
    parts = ['%s (%s)' % (member.name, ', '.join(member.unchecked)) for member in members
             if not member.pruned and member.unchecked]
    if not parts:
        return None
    return ('Declared attributes cannot be checked, because the client does not report them (unknown attributes are '
            'never compared, so they cause no drift and no recreate): %s' % '; '.join(parts))


def failure_line(member):
    """How a failed member is named in the task's message: name, declared state, status, reason."""
    status = transitions.current_status(member.system)
    return '%s (declared %s; status %s; %s)' % (member.name, member.params['state'], status, member.failure.message)
