#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: puddle_system
short_description: Create, start, stop, restart, fail and terminate Puddle systems
version_added: 0.1.0
description:
  - Converges one Puddle system, identified by its O(name), to the declared O(state).
  - The system is found with one lookup by name; a run that changes nothing costs that lookup and a login.
  - Creation validates every rule of the Puddle contract before any request that changes something (name pattern, disk and
    idle ranges, image or product and version, instance type, required, unknown and disabled tags) and fails naming the
    option and the rule.
  - Puddle cannot change a system's cloud, image, product, version, instance type, disk size, idle interval or tags after
    creation. When one of these options is given and differs from the system, the task fails and lists each difference
    with its current and declared value, unless O(recreate=true), which terminates the system and creates it again.
    Options that are not given are not compared.
author:
  - puddle.cloud contributors (@puddle-cloud)
options:
  name:
    description:
      - Name of the system; the identity of the system among the user's non-terminated systems.
      - Lower-case letters, digits and hyphens, starting with a letter or digit, 1 to 64 characters.
    type: str
    required: true
  state:
    description:
      - The declared state. V(present) only makes sure the system exists (created and awaited to V(started) if absent);
        V(restarted) always restarts (a new system counts as restarted); V(failed) marks the system failed, which Puddle allows
        only while it is V(provisioning) or V(stopping).
      - A transitional status is waited out before the next request, because Puddle refuses actions during a transition.
      - 'The steps taken from each current status (the transition table; a terminated system counts as V(absent)):'
      - O(state=present) - V(absent) -> create, wait_started; V(provisioning) -> nothing; V(starting) -> nothing; V(started)
        -> nothing; V(stopping) -> nothing; V(stopped) -> nothing; V(restarting) -> nothing; V(failed) -> nothing;
        V(terminating) -> wait_terminated, create, wait_started.
      - O(state=started) - V(absent) -> create, wait_started; V(provisioning) -> wait_started; V(starting) -> wait_started;
        V(started) -> nothing; V(stopping) -> wait_stopped, start, wait_started; V(stopped) -> start, wait_started;
        V(restarting) -> wait_started; V(failed) -> stop, wait_stopped, start, wait_started; V(terminating) ->
        wait_terminated, create, wait_started.
      - O(state=stopped) - V(absent) -> create, wait_started, stop, wait_stopped; V(provisioning) -> wait_started, stop,
        wait_stopped; V(starting) -> wait_started, stop, wait_stopped; V(started) -> stop, wait_stopped; V(stopping) ->
        wait_stopped; V(stopped) -> nothing; V(restarting) -> wait_started, stop, wait_stopped; V(failed) -> stop,
        wait_stopped; V(terminating) -> wait_terminated, create, wait_started, stop, wait_stopped.
      - O(state=restarted) - V(absent) -> create, wait_started; V(provisioning) -> wait_started, restart, wait_started;
        V(starting) -> wait_started, restart, wait_started; V(started) -> restart, wait_started; V(stopping) ->
        wait_stopped, start, wait_started; V(stopped) -> start, wait_started; V(restarting) -> wait_started, restart,
        wait_started; V(failed) -> stop, wait_stopped, start, wait_started; V(terminating) -> wait_terminated, create,
        wait_started.
      - O(state=failed) - V(absent) -> create, fail; V(provisioning) -> fail; V(starting) -> wait_started, stop, fail;
        V(started) -> stop, fail; V(stopping) -> fail; V(stopped) -> start, wait_started, stop, fail; V(restarting) ->
        wait_started, stop, fail; V(failed) -> nothing; V(terminating) -> wait_terminated, create, fail.
      - O(state=absent) - V(absent) -> nothing; V(provisioning) -> wait_stable, terminate, wait_terminated; V(starting) ->
        wait_stable, terminate, wait_terminated; V(started) -> terminate, wait_terminated; V(stopping) -> wait_stable,
        terminate, wait_terminated; V(stopped) -> terminate, wait_terminated; V(restarting) -> wait_stable, terminate,
        wait_terminated; V(failed) -> terminate, wait_terminated; V(terminating) -> wait_terminated.
      - 'The steps:'
      - C(create) - CreateSystem with the declared attributes (the system is then V(provisioning)).
      - C(start) - StartSystem (V(stopped) to V(starting)).
      - C(stop) - StopSystem (V(started) or V(failed) to V(stopping)).
      - C(restart) - RestartSystem (V(started) to V(restarting)).
      - C(fail) - FailSystem (V(provisioning) or V(stopping) to V(failed); Puddle allows nothing else).
      - C(terminate) - TerminateSystem (V(started), V(stopped) or V(failed) to V(terminating)).
      - C(wait_stable) - wait until the system leaves its transitional status, whatever the outcome.
      - C(wait_started) - wait until the system is V(started); fails if it becomes V(failed).
      - C(wait_stopped) - wait until the system is V(stopped); fails if it becomes V(failed).
      - C(wait_terminated) - wait until the system is gone.
      - With O(recreate=true) and a difference in an attribute Puddle cannot change, the steps are those of O(state=absent)
        from the current status followed by those of the declared state from V(absent).
    type: str
    choices: [present, started, stopped, restarted, failed, absent]
    default: started
  cloud:
    description:
      - Cloud of the system. Needed to create a system; compared with an existing one when given.
    type: str
    choices: [aws, azure, gcp]
  image:
    description:
      - Image of the system, by id (for example V(aws-dai-1.11.1)) or by name (for example V(Driverless AI 1.11.1)).
      - Needed to create a system unless O(product) and O(version) are given; mutually exclusive with them.
      - Only V(active) and V(deprecated) images can be used.
    type: str
  product:
    description:
      - Product of the system; creation picks the image of this product and O(version) in O(cloud).
    type: str
    choices: [dai, h2o3]
  version:
    description:
      - Product version of the system, for example V(1.11.1). Goes with O(product).
    type: str
  instance_type:
    description:
      - Instance type of the system, by name (for example V(m5.xlarge)) or id (for example V(aws-m5.xlarge)).
      - Needed to create a system.
    type: str
  disk_size_gb:
    description:
      - Disk size in GB, from 256 to 1024. Puddle uses 256 when it is not given at creation.
    type: int
  idle_interval:
    description:
      - Minutes without activity after which Puddle stops a started system, from 1 to 240. Puddle uses 60 when it is not
        given at creation.
      - The contract has no way to change it later, so a difference is handled like any other attribute Puddle cannot change.
    type: int
  tags:
    description:
      - Tags of the system, tag name to value. Each name must be a tag defined in Puddle and not disabled; a required tag
        without a default value must be given; values have at most 256 characters.
      - Only the tags given here are compared with an existing system, because Puddle adds the tags that have default values.
      - A V(null) value means "no value", the empty string. The tag is stored with the empty string; Puddle's default value
        of the tag is not applied to a tag given as V(null). It compares equal to an empty tag or a tag the system does not
        carry. A required tag needs a non-empty value, so V(null) for a required tag is refused (rule V(required)).
        The filters of M(puddle.cloud.puddle_system_info) and of the P(puddle.cloud.puddle#inventory) inventory
        give V(null) the same meaning.
    type: dict
  wait:
    description:
      - Wait until the system reaches the declared state.
      - With V(false) the task returns right after the last request is accepted, with the system's current status, which
        helps provisioning many systems at once. Waits between two requests still happen, because Puddle refuses actions
        during a transition; when no request is needed nothing is awaited.
    type: bool
    default: true
  wait_timeout:
    description:
      - How long, in seconds, the task may wait in total for Puddle's transitions. On timeout the task fails and returns
        the system as last seen.
      - It bounds the retries of the task's requests too (see O(retry_timeout)), and the waits for a transition
        someone else started (a request Puddle refused because another writer moved the system is planned again
        from the system as read then, within this time; only a refusal that persists fails).
      - 0 or more and at most 31536000 (365 days); anything else is refused before any request.
    type: int
    default: 1200
  poll_interval:
    description:
      - Seconds between two polls of the system's status while waiting.
      - A finite number greater than 0 and at most 31536000 (365 days); V(nan), V(inf) and anything out of that
        range are refused before any request.
    type: float
    default: 5
  refresh_idle_timeout:
    description:
      - When the system is V(started) after convergence, move its idle deadline to now plus its idle interval, so that
        Puddle does not stop it for idleness. This reports a change every time it is done.
    type: bool
    default: false
  recreate:
    description:
      - When an attribute Puddle cannot change after creation differs, terminate the system and create it again
        instead of failing. Everything on the old system is lost.
    type: bool
    default: false
extends_documentation_fragment:
  - puddle.cloud.puddle
  - puddle.cloud.puddle.actiongroup_puddle
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Reports the requests that would be sent (RV(actions)) and the predicted system; sends no request that changes
      anything (it reads the system, the catalogue and tags when it would create one, and the CU pool once,
      C(SystemService/GetCUConsumptionInfo), when it would create or start one). It predicts whether the pool refuses
      the create or start (the cost is the instance type's C(cu_per_hour) from the catalogue, or the system's own) and
      then fails as the real run does (C(the CU pool is short - 2 CU needed, 0 available)). When the pool's available
      CU or the cost is not reported, it warns that it cannot predict the refusal and predicts the request accepted.
  diff_mode:
    support: full
    details: The status and each declared attribute Puddle fixes at creation, before and after.
  idempotent:
    description: When run twice in a row with the same options, the second run reports no change.
    support: partial
    details: Idempotent for every state except O(state=restarted), which restarts on every run, and with
      O(refresh_idle_timeout=true), which refreshes a started system on every run.
  platform:
    platforms: all
    details: Runs wherever the Puddle API is reachable, usually C(localhost).
notes:
  - The module never returns the API secret key or a token.
  - The API it speaks is described in C(docs/api.md) of the collection's source.
  - With nothing to change, a task sends one request, C(SystemService/FindSystemByName), plus the login unless
    O(api_token) is given (see C(docs/performance.md)).
  - The lifecycle of a system and the steps of each O(state) from each status are drawn as pictures in the guide
    R(System states,ansible_collections.puddle.cloud.docsite.system_states.pictures).
seealso:
  - ref: ansible_collections.puddle.cloud.docsite.system_states.pictures
    description: Pictures of the lifecycle of a system and of the steps this module takes from each status to each declared
      state, drawn from its transition table.
"""

EXAMPLES = r"""
- name: Provision a Driverless AI system and wait until it is started
  puddle.cloud.puddle_system:
    name: churn-model
    cloud: aws
    product: dai
    version: 1.11.1
    instance_type: m5.xlarge
    disk_size_gb: 512
    idle_interval: 120
    tags:
      project: churn
  register: churn

- name: Show its URL
  ansible.builtin.debug:
    msg: "{{ churn.system.url }}"

- name: Provision many systems at once without waiting for each
  puddle.cloud.puddle_system:
    name: "lab-{{ item }}"
    cloud: gcp
    image: gcp-h2o3-3.46.0.1
    instance_type: n1-standard-4
    tags:
      project: lab
    wait: false
  loop: [1, 2, 3]

- name: Keep a started system from being stopped for idleness
  puddle.cloud.puddle_system:
    name: churn-model
    refresh_idle_timeout: true

- name: Move to a bigger instance type, recreating the system
  puddle.cloud.puddle_system:
    name: churn-model
    cloud: aws
    product: dai
    version: 1.11.1
    instance_type: m5.4xlarge
    tags:
      project: churn
    recreate: true

- name: Stop it
  puddle.cloud.puddle_system:
    name: churn-model
    state: stopped

- name: Terminate it
  puddle.cloud.puddle_system:
    name: churn-model
    state: absent
"""

RETURN = r"""
changed:
  description:
    - Whether Puddle carried out a request of this task that changes something (in check mode, whether one would be
      sent), or may have carried it out. True exactly when RV(actions) or RV(unconfirmed) is not empty, also when the
      task failed after such a request.
  returned: always
  type: bool
actions:
  description:
    - The requests of this task that Puddle carried out, in order (in check mode, the requests that would be sent); on
      failure, those sent before the failure.
    - A request whose answer was lost counts when its effect was then found, since it most likely caused it.
    - An action found already done by someone else is not listed here but in RV(adopted).
  returned: always
  type: list
  elements: str
  sample: [stop, start]
adopted:
  description:
    - The actions this task found already done by someone else, so did not count as its own changes, in order.
    - V(already_exists) - CreateSystem was refused because a system of that name exists (another playbook created it
      meanwhile). That system is then compared with the declared options like a system found by the lookup, a
      difference in an attribute Puddle cannot change fails the task with the drift error (or recreates the system with
      O(recreate=true)), and the remaining steps are planned from its status.
    - V(already_done) - an action (start, stop, restart, fail, terminate) was refused because the system was already in
      the status the action leads to.
    - Always empty in check mode, which sends no request.
  returned: always
  type: list
  elements: dict
  sample: [{action: create, reason: already_exists, status: provisioning}]
  contains:
    action:
      description: The step, V(create), V(start), V(stop), V(restart), V(fail) or V(terminate).
      type: str
    reason:
      description: V(already_exists) or V(already_done).
      type: str
    status:
      description: The status of the system when it was found.
      type: str
unconfirmed:
  description:
    - The action of the request this task failed on when the answer to it was lost and no lookup could tell whether
      Puddle carried it out (for example the server became unreachable after a CreateSystem whose answer was lost).
      Puddle may have carried it out, so RV(changed) is true, as M(ansible.builtin.command) reports changed when it
      cannot know; it is not listed in RV(actions), which holds only confirmed actions. The failure message says so
      too. Running the task again converges (a system created this way is found by name, not created twice).
    - Empty unless the task failed that way; always empty in check mode.
  returned: always
  type: list
  elements: dict
  sample: [{action: create, reason: answer_lost}]
  contains:
    action:
      description: The action, as in RV(actions), for example V(create), V(start) or V(terminate).
      type: str
    reason:
      description: Always V(answer_lost).
      type: str
drift:
  description:
    - The attributes Puddle cannot change that differed from the declared options.
    - Returned when the system was recreated, and with the drift failure (RV(failure.code) V(drift)).
  returned: when an attribute differed
  type: list
  elements: dict
  sample: [{attribute: disk_size_gb, current: 256, declared: 512}]
failure:
  description:
    - Why the task failed. A failed task also returns RV(changed), RV(actions), RV(adopted), RV(unconfirmed), RV(system)
      as last seen and the diff so far, so that a failure after a request (a timeout after create, a recreate stopped half-way) still says
      what it changed.
  returned: on failure
  type: dict
  contains:
    code:
      description: The error code, for example V(timeout), V(system_failed), V(drift), V(invalid_argument).
      type: str
    message:
      description: The error message.
      type: str
    field:
      description: The option at fault, if any.
      type: str
    rule:
      description: The rule broken, if any.
      type: str
    status:
      description: The last known status of the system.
      type: str
system:
  description:
    - The system after the task (in check mode, as predicted; a system that would be created has a null id). On failure,
      the system as last seen.
    - In check mode every field is predicted from the contract except those only Puddle can assign (id, url, address,
      created, updated, idle_deadline, failure_reason), which keep their current value (null for a new system).
    - Null when the system is absent.
    - A field the client does not report is unknown - absent, and named in RV(system.unknown_attributes); a declared
      option compared with such a field is not compared (no drift, no recreate) and the task gives one warning.
  returned: always
  type: dict
  contains:
    id:
      description: Id assigned by Puddle.
      type: str
      sample: 3f1c9a2e
    name:
      description: Name of the system.
      type: str
      sample: churn-model
    cloud:
      description: Cloud of the system.
      type: str
      sample: aws
    status:
      description: Overall status.
      type: str
      sample: started
    vm_status:
      description: Status of the virtual machine.
      type: str
      sample: running
    product_status:
      description: Status of the product on the virtual machine.
      type: str
      sample: running
    config_toml_status:
      description: Status of the config.toml upload (DAI).
      type: str
      sample: none
    url:
      description: URL of the product; answers only while the system is started.
      type: str
      sample: https://puddle.example.com/product/3f1c9a2e/
    address:
      description: Address of the virtual machine, once it exists.
      type: str
    product:
      description: Product, V(dai) or V(h2o3).
      type: str
      sample: dai
    version:
      description: Product version.
      type: str
      sample: 1.11.1
    image_id:
      description: Id of the image used.
      type: str
      sample: aws-dai-1.11.1
    image_name:
      description: Name of the image used.
      type: str
      sample: Driverless AI 1.11.1
    instance_type:
      description: Instance type name.
      type: str
      sample: m5.xlarge
    instance_type_id:
      description: Instance type id.
      type: str
      sample: aws-m5.xlarge
    cu_per_hour:
      description: Compute units the system consumes while it runs.
      type: int
      sample: 2
    disk_size_gb:
      description: Disk size in GB.
      type: int
      sample: 256
    idle_interval:
      description: Idle interval in minutes.
      type: int
      sample: 60
    idle_deadline:
      description: When a started system is stopped for idleness.
      type: str
    tags:
      description: Tags, name to value.
      type: dict
      sample: {project: churn, cost-center: rnd}
    created:
      description: Creation time (RFC 3339, UTC).
      type: str
    updated:
      description: Time of the last change (RFC 3339, UTC).
      type: str
    failure_reason:
      description: Why the system is failed.
      type: str
    can_start:
      description: Whether the system can be started now.
      type: bool
    can_stop:
      description: Whether the system can be stopped now.
      type: bool
    can_restart:
      description: Whether the system can be restarted now.
      type: bool
    can_fail:
      description: Whether the system can be marked failed now.
      type: bool
    can_terminate:
      description: Whether the system can be terminated now.
      type: bool
    can_refresh_idle_timeout:
      description: Whether the idle timeout can be refreshed now.
      type: bool
    can_update_config_toml:
      description: Whether a config.toml can be uploaded now.
      type: bool
    unknown_attributes:
      description:
        - The fields of this system that the client does not report (for example attributes a model of Puddle's Python
          client lacks with O(api_client=puddle_client)). They are unknown, not empty - absent from this dictionary,
          never compared or diffed. Empty when every field is known.
      type: list
      elements: str
      sample: []
"""

import time

from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import (
    PreconditionFailedError,
    PuddleError,
    StatusChangedError,
    WaitTimeoutError,
)
from ansible_collections.puddle.cloud.plugins.module_utils.puddle_module import (
    ChangeRecord,
    DifferenceTracker,
    PuddleModule,
)
from ansible_collections.puddle.cloud.plugins.module_utils import system_transitions as transitions
from ansible_collections.puddle.cloud.plugins.module_utils.system_spec import (
    DECLARATION_DEFAULTS,
    IMMUTABLE_OPTIONS,
    created_adoption,
    creation_request,
    current_value,
    declaration_spec,
    diffable,
    drift_error,
    drift_of,
    normalize_tags,
    predicted_after,
    predicted_new_system,
    send_creation,
    system_result,
    unchecked_options,
    unchecked_warning,
    validate_declared_options,
)


# Returned by a step after which the remaining steps must be planned again from the system as found.
REPLAN = object()

ARGUMENT_SPEC = dict(
    # The options that describe the system (those of each system of puddle_fleet), with their defaults.
    declaration_spec(defaults=DECLARATION_DEFAULTS),
    wait=dict(type='bool', default=True),
    wait_timeout=dict(type='int', default=1200),
    poll_interval=dict(type='float', default=5),
)


class PuddleSystem(object):
    """Converges one system by running the steps of the transition table, one method per step."""

    # How many times a system found already created by someone else may change the plan.
    MAX_REPLANS = 2
    # How many times a system moved by someone else while awaited (e.g. stopped before it was seen started)
    # may change the plan.
    MAX_STATUS_REPLANS = 2

    def __init__(self, puddle):
        self.puddle = puddle
        self.params = puddle.params
        self.check_mode = puddle.check_mode
        self.system = None
        self.before = None
        self.record = ChangeRecord()
        puddle.record = self.record  # also in a failure before any request (the connection options)
        self.drift = []
        self.creation = None
        self.deadline = None
        self.replans = 0
        self.status_replans = 0
        self.created_by_other_id = None  # id of the system found created by someone else after our CreateSystem
        self.writers = None  # OtherWriters: refusals caused by someone else's moves are planned again from
        self.step_handlers = {
            'create': self._create,
            'start': self._start,
            'stop': self._stop,
            'restart': self._restart,
            'fail': self._fail,
            'terminate': self._terminate,
            'wait_stable': self._wait_stable,
            'wait_started': self._wait_started,
            'wait_stopped': self._wait_stopped,
            'wait_terminated': self._wait_terminated,
        }

    @property
    def client(self):
        return self.puddle.client

    # -- the run ------------------------------------------------------------------------

    def run(self):
        try:
            self.converge()
        except PuddleError as error:
            # What the task had done (or may have done) so far, and the system as last seen (a failed wait tells
            # where it stopped); the record completes the result with the action error's request may have done.
            result = self._result(last_seen=error.system or self.system)
            system = result.pop('system')
            self.puddle.fail(error, system=system, record=self.record, **result)

    def converge(self):
        validate_declared_options(self.params)
        self.deadline = time.monotonic() + self.params['wait_timeout']
        self.puddle.bound_requests_by(self.deadline, 'wait_timeout')
        self.system = self.client.find_system_by_name(self.params['name'])
        self.before = self.system
        steps = list(self._plan())
        refusal = self._predicted_cu_refusal(steps) if self.check_mode else None
        position = 0
        while True:
            while steps:
                step = steps.pop(0)
                if step == 'create' and self.creation is None:
                    self._prepare_creation()
                if refusal is not None and refusal[0] == position:
                    raise refusal[1]  # the CU pool would refuse the request, as it refuses the real run's
                position += 1
                if self.step_handlers[step]() is REPLAN:
                    steps = list(self._plan())
            if self._ensure_idle_timeout_refreshed() is not REPLAN:
                break
            steps = list(self._plan())
        self._warn_unchecked()
        self.puddle.exit_json(**self._result())

    def _warn_unchecked(self):
        """One warning for the declared options the client does not report on the system (never compared)."""
        options = unchecked_options(self.before, self.params)
        options += [option for option in unchecked_options(self.system, self.params) if option not in options]
        warning = unchecked_warning(self.params['name'], [option for option in IMMUTABLE_OPTIONS if option in options])
        if warning:
            self.puddle.warn(warning)

    def _plan(self):
        """The steps from the system as it is now; drift fails the task, or recreates with recreate=true."""
        current = transitions.current_status(self.system)
        declared = self.params['state']
        drift = []
        if declared != transitions.ABSENT and current not in (transitions.ABSENT, 'terminating'):
            drift = drift_of(self.system, self.params)
        if not drift:
            return transitions.steps_for(current, declared, self.params['wait'])
        self.drift = drift
        if not self.params['recreate']:
            created_by_other = self.created_by_other_id is not None and self.created_by_other_id == self.system.get('id')
            raise drift_error(self.params['name'], drift, created_by_other=created_by_other)
        return transitions.recreate_steps(current, declared, self.params['wait'])

    def _result(self, last_seen=None):
        system = self.system if last_seen is None else last_seen
        tracker = DifferenceTracker()
        tracker.add('state', transitions.current_status(self.before), transitions.current_status(system))
        for option in IMMUTABLE_OPTIONS:
            # An option the client does not report (unknown) is not shown: it was not compared.
            if self.params[option] is not None and diffable((self.before, system), option, self.params[option]):
                tracker.add(option, self._declared_view(self.before, option), self._declared_view(system, option))
        result = dict(self.record.as_result(), system=system_result(system), diff=tracker.diff())
        if self.drift:
            result['drift'] = self.drift
        return result

    def _declared_view(self, system, option):
        if transitions.current_status(system) == transitions.ABSENT:
            return None
        return current_value(system, option, self.params[option])

    def _predicted_cu_refusal(self, steps):
        """Check mode: (step position, error) when the CU pool would refuse the create or start, else None.

        One read of the pool (GetCUConsumptionInfo) when the steps hold a create or a start; the cost is the
        system's cu_per_hour (listing) or its instance type's (catalogue). Unknown figures: a warning, no prediction.
        """
        # cu_pool is imported here, not at the top: a task whose steps take no CU (a no-op, a stop) never
        # runs it, and every module_utils file a task imports is compiled from source in its process.
        # AnsiballZ still ships it (it reads function-level imports too).
        from ansible_collections.puddle.cloud.plugins.module_utils import cu_pool  # pylint: disable=import-outside-toplevel
        if not any(step in cu_pool.CU_TAKING_STEPS for step in steps):
            return None
        if 'create' in steps:
            try:
                self._prepare_creation()
            except PuddleError:
                return None  # the create step fails the same way, after the steps before it
        created_cost = cu_pool.known_cu(self.creation['instance_type'].get('cu_per_hour')) if self.creation else None
        plan = cu_pool.Plan(self.params['name'], transitions.current_status(self.system),
                            cu_pool.known_cu((self.system or {}).get('cu_per_hour')), steps, created_cost)
        try:
            outcome = cu_pool.simulate([plan], cu_pool.available_of(self.client.get_cu_consumption_info()))
        except cu_pool.UnknownCU as unknown:
            self.puddle.warn('Check mode cannot predict whether the CU pool refuses the %s: %s is not reported; it '
                             'predicts that the request is accepted.'
                             % (' and '.join(step for step in steps if step in cu_pool.CU_TAKING_STEPS), unknown))
            return None
        if 0 not in outcome.refusals:
            return None
        position, required, available = outcome.refusals[0]
        return position, cu_pool.cu_pool_short_error(required, available, client=self.client, step=steps[position])

    # -- creation -----------------------------------------------------------------------

    def _prepare_creation(self):
        self.creation = creation_request(self.client, self.params)

    # -- steps that send a request ------------------------------------------------------

    def _create(self):
        if self.check_mode:
            self.record.sent('create')
            self.system = predicted_new_system(self.creation)
            return None
        self.system = send_creation(self.client, self.creation)
        adoption = created_adoption(getattr(self.client, 'last_adoption', None), self.system, self.params)
        if adoption is None:
            self.record.sent('create')
            return None
        # Someone else created it: compare it and plan from it, as if the lookup had found it.
        self.record.found_done(adoption)
        self.created_by_other_id = self.system.get('id')
        self.replans += 1
        if self.replans > self.MAX_REPLANS:
            raise PuddleError('System %s was created by someone else %d times while this task tried to create it'
                              % (self.params['name'], self.replans), code='conflict', meta={'field': 'name'})
        return REPLAN

    def _start(self):
        return self._request('start', self.client.start_system)

    def _stop(self):
        return self._request('stop', self.client.stop_system)

    def _restart(self):
        return self._request('restart', self.client.restart_system)

    def _fail(self):
        return self._request('fail', self.client.fail_system)

    def _terminate(self):
        if transitions.current_status(self.system) == transitions.ABSENT:
            return None  # wait_stable saw it terminated by someone else: nothing left to terminate
        return self._request('terminate', self.client.terminate_system)

    def _request(self, action, send):
        if self.check_mode:
            self.record.sent(action)
            self.system = predicted_after(self.system, action)
            return None
        try:
            self.system = send(self.system['id'])
        except PreconditionFailedError as error:
            return self._moved_by_other_writer(error)
        self.record.note(action, getattr(self.client, 'last_adoption', None))
        return None

    def _moved_by_other_writer(self, error):
        """Refused because someone else moved the system: plan again from it as read now (other_writers).

        The transition table waits out the transitional status it may be in, within wait_timeout.
        """
        if self.writers is None:
            # Imported on this path only (another writer moved the system): the no-op path never runs it.
            from ansible_collections.puddle.cloud.plugins.module_utils.other_writers import OtherWriters  # pylint: disable=import-outside-toplevel
            self.writers = OtherWriters(self.client)
        self.system = self.writers.system_to_plan_from(error, self.system)
        return REPLAN

    def _ensure_idle_timeout_refreshed(self):
        if not self.params['refresh_idle_timeout'] or transitions.current_status(self.system) != 'started':
            return None
        if not self.check_mode:
            try:
                self.system = self.client.refresh_idle_timeout(self.system['id'])
            except PreconditionFailedError as error:
                return self._moved_by_other_writer(error)
        self.record.sent('refresh_idle_timeout')  # once carried out: a failed request is not an action
        return None

    # -- steps that wait ----------------------------------------------------------------

    def _wait_stable(self):
        return self._wait(None, self.client.wait_until_stable)

    def _wait_started(self):
        return self._wait('started', self.client.wait_for_system_started)

    def _wait_stopped(self):
        return self._wait('stopped', self.client.wait_for_system_stopped)

    def _wait_terminated(self):
        if transitions.current_status(self.system) != transitions.ABSENT:
            if self._wait(transitions.ABSENT, self.client.wait_for_system_terminated) is REPLAN:
                return REPLAN
        self.system = None
        return None

    def _wait(self, awaited, wait_for):
        if self.check_mode:
            # Predict the expected outcome; wait_stable has none and leaves the status as it is.
            if awaited == transitions.ABSENT:
                self.system = None
            elif awaited:
                self.system = predicted_after(self.system, 'wait_' + awaited)
            return None
        try:
            self.system = wait_for(self.system['id'], timeout=max(self.deadline - time.monotonic(), 0),
                                   poll_interval=self.params['poll_interval'], stop_on_stable=True)
        except StatusChangedError as error:
            # Someone else moved the system to a stable status that will not become the awaited one by itself:
            # plan again from where it is, through the transition table (it may already be as declared).
            self.system = error.system
            self.status_replans += 1
            if self.status_replans > self.MAX_STATUS_REPLANS:
                error.set_message('System %s was moved by someone else %d times while this task waited for it; '
                                  'its last status was %s' % (self.params['name'], self.status_replans, error.status))
                raise
            return REPLAN
        except WaitTimeoutError as error:
            last = error.system or self.system
            awaited_label = {None: 'stable', transitions.ABSENT: 'terminated'}.get(awaited, awaited)
            error.set_message('Timed out after %s s (wait_timeout) waiting for system %s to be %s; its last status was %s'
                              % (self.params['wait_timeout'], self.params['name'], awaited_label, last.get('status')))
            raise
        return None


def main():
    puddle = PuddleModule(
        argument_spec=ARGUMENT_SPEC,
        supports_check_mode=True,
        mutually_exclusive=[('image', 'product'), ('image', 'version')],
        required_together=[('product', 'version')],
    )
    puddle.params['tags'] = normalize_tags(puddle.params['tags'])
    PuddleSystem(puddle).run()


if __name__ == '__main__':
    main()
