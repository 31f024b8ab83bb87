#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: puddle_config_toml
short_description: Manage the Driverless AI config.toml of a Puddle system
version_added: 0.1.0
description:
  - Makes the C(config.toml) of a Driverless AI system on Puddle equal to the declared content
    (the Puddle Python client's C(SystemsClient.update_config_toml) and
    C(wait_for_config_toml_uploaded)), and with O(restart=true) also makes the running product use it.
  - "Idempotent: the declared content is compared with the system's current config.toml and
    nothing is sent when they are equal. How they are compared: when the Python that runs the
    module has a TOML parser (C(tomllib), Python 3.11 and later, or the C(tomli) library), the
    two texts are parsed and compared as data, so comments, blank lines, indentation, key order
    and number formatting never count; without a parser the texts are compared after the line
    endings and the whitespace at the end of lines and of the file are normalised, so a comment
    change is uploaded once (and never again). RV(config_toml.comparison) says which was used."
  - The system's current config.toml is the last uploaded text. With O(restart=true) the text
    the product runs must match too, so a config uploaded earlier but not applied yet gets the
    restart it still needs.
  - "Requests when nothing changes: the login, C(SystemService/FindSystemByName) (or
    C(GetSystem) when O(system) cannot be a name, and both when a name-like O(system) is an id),
    and C(SystemService/GetConfigToml)."
  - The declared content is checked before any request is sent, against the rules of Puddle
    C(UpdateConfigToml) (at most 1 MiB of UTF-8, valid TOML when a parser is available); the error names
    O(content) or O(src) and the rule (C(max_size), C(toml_syntax)).
author:
  - puddle.cloud contributors (@puddle-cloud)
options:
  system:
    description:
      - Name or id of the system. A name is looked up first, then an id.
      - Only Driverless AI (V(dai)) systems have a config.toml.
    type: str
    required: true
  content:
    description:
      - The complete config.toml text.
      - Mutually exclusive with O(src); one of them is required.
    type: str
  src:
    description:
      - Path of a file on the Ansible controller holding the config.toml text (UTF-8).
      - A relative path is searched like the O(ansible.builtin.copy#module:src) of
        M(ansible.builtin.copy), in the C(files/) folders of the role and of the playbook first.
        A vault-encrypted file is decrypted.
      - The file is read on the controller by the action plugin of this module, which passes its
        text to the module as O(content).
      - Mutually exclusive with O(content); one of them is required.
    type: path
  restart:
    description:
      - When the config changes, or when the config the system holds is uploaded but not
        applied yet, restart the system so that the product uses it.
      - With O(wait=true), the module then waits until the system is V(started) again.
      - When false, an upload waits for the next restart of the system (RV(config_toml.status)
        V(uploaded)).
    type: bool
    default: false
  wait:
    description:
      - Wait for the upload to finish (and, with O(restart=true), for the system to be started again).
      - When false, the module returns as soon as Puddle accepted the requests. An upload
        followed by a restart is always waited for, because a restart applies only an uploaded config.
      - A system that is V(provisioning), V(starting), V(restarting) or V(stopping) is always
        waited for until its status is stable before anything is uploaded.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds all the waits of one task may take together.
      - It bounds the retries of the task's requests too (see O(retry_timeout)), and the waits for a transition
        someone else started (a request Puddle refused because another writer moved the system is planned again
        from the system as read then, within this time; only a refusal that persists fails).
      - 0 or more and at most 31536000 (365 days); anything else is refused before any request.
    type: int
    default: 1200
  poll_interval:
    description:
      - Seconds between two status requests while waiting.
      - A finite number greater than 0 and at most 31536000 (365 days); V(nan), V(inf) and anything out of that
        range are refused before any request.
    type: float
    default: 5
  force:
    description:
      - Upload the content even when it equals the current config.toml (for example to push a
        change of comments only, which the comparison ignores).
      - The task then always reports a change.
      - Required with O(api_client=puddle_client), as Puddle's own Python client cannot read a config.toml back and
        there is nothing to compare with; the diff then shows the declared content against an empty, unknown one.
    type: bool
    default: false
  start_if_stopped:
    description:
      - Puddle accepts a config.toml only while the system is V(started).
      - When false, a task that must upload to a V(stopped) system fails with a message saying so.
      - When true, such a system is started first, and the module waits until it is started.
      - Has no effect when nothing has to be uploaded or restarted.
    type: bool
    default: false
notes:
  - The comparison happens where the module runs (usually the controller, with C(tomllib)).
    The syntax of O(content) and O(src) is also checked on the controller, whose Python always has C(tomllib).
  - A failed upload fails the task with RV(config_toml.status) V(failed) and the last state of the system in RV(system).
  - A task that fails after a request that changed something (an upload, then a restart that timed out) still returns
    RV(changed=true), the RV(actions) sent, RV(config_toml), the last state of the system in RV(system) and, in diff mode,
    the diff.
  - Diff mode shows a unified diff of the config.toml with the headers C(<system>/config.toml (current))
    and C(<system>/config.toml (declared)). For files over 2,000 lines or 256 KiB the unchanged lines around
    the changes are replaced by one marker line, and each side is cut at those limits with a marker saying
    how many lines were not shown.
  - With nothing to change, a task sends two requests (C(SystemService/FindSystemByName), or C(GetSystem) given an
    id, then C(SystemService/GetConfigToml)), plus the login unless O(api_token) is given.
extends_documentation_fragment:
  - puddle.cloud.puddle
  - puddle.cloud.puddle.actiongroup_puddle
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  action:
    support: full
    details: The action plugin reads O(src) on the controller.
  async:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details: Reports what would be uploaded or restarted, and the diff, without sending any change.
  diff_mode:
    support: full
  platform:
    platforms: all
    details: Runs wherever the Puddle API is reachable, usually C(localhost).
seealso:
  - module: puddle.cloud.puddle_system
  - module: puddle.cloud.puddle_system_info
"""

EXAMPLES = r"""
- name: Set the config.toml of a system and restart it so that Driverless AI uses it
  puddle.cloud.puddle_config_toml:
    server_address: https://puddle.example.com
    api_key_id: "{{ puddle_api_key_id }}"
    api_secret_key: "{{ puddle_api_secret_key }}"
    system: churn-model
    content: |
      # managed by Ansible
      max_runtime_minutes = 120
      enable_gpu = false
    restart: true

- name: Upload a config.toml from the role's files/ folder; it applies at the next restart
  puddle.cloud.puddle_config_toml:
    system: churn-model
    src: dai-config.toml

- name: Start the system when it is stopped, then set its config.toml
  puddle.cloud.puddle_config_toml:
    system: churn-model
    src: dai-config.toml
    start_if_stopped: true
    restart: true
  register: config_result

- name: Show what was done
  ansible.builtin.debug:
    msg: "status {{ config_result.config_toml.status }}, restarted {{ config_result.config_toml.restarted }}"
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
    - The requests of this task that Puddle carried out, in order, V(start) (O(start_if_stopped)), V(upload)
      (C(UpdateConfigToml)) and V(restart); in check mode the ones that would be sent; on failure the ones sent before
      it.
    - A start or restart found already done by someone else is not listed here but in RV(adopted).
  returned: always
  type: list
  elements: str
  sample: [upload, restart]
adopted:
  description:
    - The actions found already done by someone else (a start or restart refused because the system was already
      starting or restarting), as RV(puddle.cloud.puddle_system#module:adopted) of M(puddle.cloud.puddle_system).
      When someone else's restart left the config uploaded but not applied, the task restarts the system itself.
  returned: always
  type: list
  elements: dict
  sample: [{action: restart, reason: already_done, status: restarting}]
unconfirmed:
  description:
    - The action (V(start), V(upload) or V(restart)) of the request this task failed on when the answer to it was lost
      and no lookup could tell whether Puddle carried it out, as
      RV(puddle.cloud.puddle_system#module:unconfirmed) of M(puddle.cloud.puddle_system). RV(changed) is then true;
      the action is not listed in RV(actions). Running the task again converges.
  returned: always
  type: list
  elements: dict
  sample: [{action: upload, reason: answer_lost}]
system:
  description:
    - Summary of the system after the task (in check mode, as it was).
    - On failure, the last known state of the system.
  returned: when the system was found
  type: dict
  contains:
    id:
      description: Id of the system.
      type: str
      returned: always
      sample: 3f1c9a2e
    name:
      description: Name of the system.
      type: str
      returned: always
      sample: churn-model
    status:
      description: Overall status of the system.
      type: str
      returned: always
      sample: started
    product:
      description: Product of the system; only V(dai) has a config.toml.
      type: str
      returned: unless named in RV(system.unknown_attributes)
      sample: dai
    version:
      description: Product version.
      type: str
      returned: unless named in RV(system.unknown_attributes)
      sample: 1.11.1
    config_toml_status:
      description: Status of the config.toml as the system reports it.
      type: str
      returned: unless named in RV(system.unknown_attributes)
      sample: applied
    url:
      description: URL of the product; it answers only while the system is started.
      type: str
      returned: unless named in RV(system.unknown_attributes)
      sample: https://puddle.example.com/product/3f1c9a2e/
    unknown_attributes:
      description:
        - The fields of this summary that the client does not report (for example attributes a model of Puddle's Python
          client lacks with O(api_client=puddle_client)). They are unknown, not empty - absent from this dictionary.
          Empty when every field is known.
      type: list
      elements: str
      returned: always
      sample: []
config_toml_status:
  description: V(failed), when the upload failed (the task fails; RV(system) holds the last state of the system).
  returned: when the upload failed
  type: str
  sample: failed
config_toml:
  description: What happened to the config.toml.
  returned: when the system was found
  type: dict
  contains:
    status:
      description:
        - The config.toml status after the task, V(none), V(uploading), V(uploaded) (waits for a restart),
          V(applied) or V(failed). In check mode, the status before the task.
        - A status the client does not report is unknown, never V(none) - left out and named in
          RV(config_toml.unknown_attributes).
      type: str
      returned: unless named in RV(config_toml.unknown_attributes)
      sample: applied
    changed:
      description: Whether the content was uploaded (or would be, in check mode).
      type: bool
      returned: always
      sample: true
    restarted:
      description: Whether the system was restarted to apply it (or would be, in check mode).
      type: bool
      returned: always
      sample: true
    started:
      description: Whether the system was started first because of O(start_if_stopped) (or would be).
      type: bool
      returned: always
      sample: false
    checksum:
      description: SHA-256 of the declared content (UTF-8), hexadecimal. The content itself is never returned.
      type: str
      returned: always
      sample: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
    size:
      description: Size of the declared content in bytes (UTF-8).
      type: int
      returned: always
      sample: 64
    comparison:
      description: How the declared and current texts were compared, V(parsed) (TOML data) or V(text) (normalised text).
      type: str
      returned: always
      sample: parsed
    unknown_attributes:
      description: The fields of RV(config_toml) the client did not report (C(status)), left out; empty when all are known.
      type: list
      elements: str
      returned: always
      sample: []
diff:
  description: The config.toml before and after, for the diff callback (large files shortened, see the notes).
  returned: in diff mode
  type: dict
  contains:
    before:
      description: The current text.
      type: str
      returned: always
    after:
      description: The declared text.
      type: str
      returned: always
    before_header:
      description: Header of the current text.
      type: str
      returned: always
      sample: churn-model/config.toml (current)
    after_header:
      description: Header of the declared text.
      type: str
      returned: always
      sample: churn-model/config.toml (declared)
"""

import re
import time

from ansible_collections.puddle.cloud.plugins.module_utils import config_toml
from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import (
    TRANSITIONAL_STATUSES,
    ConfigTomlUploadFailedError,
    NotFoundError,
    PreconditionFailedError,
    PuddleError,
    UnsupportedOperationError,
    WaitTimeoutError,
)
from ansible_collections.puddle.cloud.plugins.module_utils.option_ranges import RULE as RANGE_RULE, seconds_problem
from ansible_collections.puddle.cloud.plugins.module_utils.other_writers import OtherWriters
from ansible_collections.puddle.cloud.plugins.module_utils.puddle_module import ChangeRecord, PuddleModule

# docs/api.md section 4: only such strings can be system names; anything else is looked up as an id.
NAME_PATTERN = re.compile(r'^[a-z0-9][a-z0-9-]{0,63}$')
SUMMARY_FIELDS = ('id', 'name', 'status', 'product', 'version', 'config_toml_status', 'url')
# Transitional statuses that end in 'started' without anyone's help.
HEADING_TO_STARTED = ('provisioning', 'starting', 'restarting')


def summary(system):
    """The summary fields the client reported (an unknown one is left out and named in unknown_attributes)."""
    if not system:
        return None
    result = dict((field, system[field]) for field in SUMMARY_FIELDS if field in system)
    result['unknown_attributes'] = [field for field in SUMMARY_FIELDS if field not in system]
    return result


def find_system(client, reference):
    """The user's non-terminated system named ``reference``, else the one with that id; None if neither."""
    if NAME_PATTERN.match(reference):
        system = client.find_system_by_name(reference)
        if system:
            return system
    try:
        system = client.get_system(reference)
    except NotFoundError:
        return None
    return None if system.get('status') == 'terminated' else system


class ConfigTomlTask(object):

    def __init__(self, puddle):
        self.puddle = puddle
        self.module = puddle.module
        self.params = puddle.params
        self.check_mode = self.module.check_mode
        self.deadline = time.monotonic() + self.params['wait_timeout']
        self.system = None
        self.started = False
        self.content = None
        self.plan = None
        self.current = None
        self.record = ChangeRecord()
        puddle.record = self.record  # also in a failure before any request (the connection options)
        self._writers = None

    @property
    def client(self):
        return self.puddle.client

    @property
    def writers(self):
        if self._writers is None:
            self._writers = OtherWriters(self.client)
        return self._writers

    def remaining(self):
        return max(self.deadline - time.monotonic(), 0)

    def waits(self):
        return dict(timeout=self.remaining(), poll_interval=self.params['poll_interval'])

    # -- the task ------------------------------------------------------------------------

    def run(self):
        try:
            self._run()
        except WaitTimeoutError as error:
            self._name_the_timeout(error)
            self._fail_after(error)
        except PuddleError as error:
            self._fail_after(error)

    def _name_the_timeout(self, error):
        """The client times each wait by what is left of wait_timeout and names the system by id: say it as declared."""
        name = (self.system or {}).get('name') or self.params['system']
        if 'config_toml_status' in error.meta:
            error.set_message('Timed out after %s s (wait_timeout) waiting for the config.toml of system %s to be '
                              'uploaded; its config_toml_status was %s'
                              % (self.params['wait_timeout'], name, error.meta['config_toml_status']))
        else:
            last = error.system or self.system or {}
            awaited = tuple(error.awaited or ())
            awaited = 'stable' if len(awaited) != 1 else awaited[0]
            error.set_message('Timed out after %s s (wait_timeout) waiting for system %s to be %s; its last status was %s'
                              % (self.params['wait_timeout'], name, awaited, last.get('status', 'unknown')))

    def _run(self):
        # Before any request: a bound that is not a finite number (nan, inf) would disable it (option_ranges).
        for option in ('wait_timeout', 'poll_interval'):
            problem = seconds_problem(option, self.params[option])
            if problem is not None:
                self._fail(problem, field=option, rule=RANGE_RULE)
        content = self._declared_content()
        self.puddle.bound_requests_by(self.deadline, 'wait_timeout')
        self.system = find_system(self.client, self.params['system'])
        if self.system is None:
            self._fail('No system named or with id %s was found' % self.params['system'], code='not_found', field='system')
        # A product the client does not report is not a reason to refuse: Puddle refuses a non-DAI system itself.
        if 'product' in self.system and self.system['product'] != 'dai':
            self._fail('System %s runs %s; only Driverless AI (dai) systems have a config.toml'
                       % (self.system.get('name'), self.system.get('product')), code='failed_precondition', field='system')

        while True:
            planned_from = self.system
            try:
                current, plan, config_status = self._plan_and_apply(content)
                break
            except PreconditionFailedError as error:
                # Refused because someone else moved the system (a restart, a stop...): wait until it is stable,
                # read it again and plan again from there, within wait_timeout; a refusal that persists fails.
                self.system = self.writers.system_to_plan_from(error, planned_from, settle=self.waits())
        result = dict(
            self.record.as_result(),
            system=summary(self.system),
            config_toml=self._config_result(content, config_status, plan),
        )
        if self.module._diff:
            result['diff'] = self._diff(content, current, plan)
        self.puddle.exit_json(**result)

    def _plan_and_apply(self, content):
        """Compare, plan and carry out the plan from self.system; returns (current, plan, config_toml_status)."""
        current, plan = self._current_and_plan(content)
        if plan.changed and self._ensure_started():
            # The status moved while we waited (a restart may have applied a config): look again.
            current, plan = self._current_and_plan(content)
        if self.current is None or not self.record.changed:
            # The diff shows the config as it was before this task's first change.
            self.current = current
        self.content, self.plan = content, plan

        # None when the client did not report it: unknown, left out of the result (_config_result), never 'none'.
        config_status = current.get('config_toml_status')
        if plan.changed and self.check_mode:
            for action, planned in (('upload', plan.upload), ('restart', plan.restart)):
                if planned:
                    self.record.sent(action)
        elif plan.changed:
            config_status = self._apply(content, plan)
        return self.current, plan, config_status

    def _current_and_plan(self, content):
        try:
            current = self.client.get_config_toml(self.system['id'])
        except UnsupportedOperationError:
            # api_client=puddle_client cannot read the text back: only force=true (upload anyway) can go on.
            if not self.params['force']:
                raise
            current = dict(unreadable=True)
            if 'config_toml_status' in self.system:
                current['config_toml_status'] = self.system['config_toml_status']
        if current.get('config_toml_status') == 'uploading' and not self.check_mode:
            current = self._settle_upload_in_flight()
        plan = config_toml.plan_changes(content, current, restart=self.params['restart'], force=self.params['force'])
        return current, plan

    def _declared_content(self):
        if self.params['src'] is not None:
            # Only reachable when the action plugin was bypassed: src is a controller path.
            self._fail('src names a file on the controller and is read by the puddle.cloud.puddle_config_toml action plugin, '
                       'which did not run; pass the text in content', field='src')
        content = self.params['content']
        try:
            config_toml.validate_content(content, 'content')
        except config_toml.ConfigTomlInvalidError as error:
            self._fail(error.message, field=error.field, rule=error.rule)
        return content

    def _settle_upload_in_flight(self):
        """Someone's upload is running: its outcome decides what is current, so wait for it."""
        try:
            return self.client.wait_for_config_toml_uploaded(self.system['id'], **self.waits())
        except ConfigTomlUploadFailedError:
            return self.client.get_config_toml(self.system['id'])

    def _diff(self, content, current, plan):
        name = self.system.get('name')
        if current.get('unreadable'):
            before, label = '', 'unknown: not readable with api_client=puddle_client'
        elif plan.reason == 'uploaded but not applied':
            before, label = current.get('applied_config_toml') or '', 'applied'
        elif current.get('config_toml_status') == 'failed':
            before, label = current.get('applied_config_toml') or '', 'current'
        else:
            before, label = current.get('config_toml') or '', 'current'
        diff, dummy = config_toml.build_diff(
            before, content, '%s/config.toml (%s)' % (name, label), '%s/config.toml (declared)' % name)
        return diff

    def _config_result(self, content, status, plan):
        """The config_toml result; a status the client did not report (None) is unknown: left out and named."""
        result = dict(
            changed='upload' in self.record.actions,
            restarted='restart' in self.record.actions,
            started=self.started,
            checksum=config_toml.checksum(content),
            size=len(config_toml.content_bytes(content)),
            comparison=config_toml.comparison_method(),
            unknown_attributes=[] if status is not None else ['status'],
        )
        if status is not None:
            result['status'] = status
        return result

    # -- steps ---------------------------------------------------------------------------

    def _ensure_started(self):
        """Puddle takes a config.toml only from a started system (docs/api.md section 6).

        Returns True when it waited for a transitional status to end, so the caller looks again.
        """
        status = self.system.get('status')
        if status == 'started':
            return False
        can_start = self.params['start_if_stopped'] and status in ('stopped', 'stopping')
        if self.check_mode:
            if status in HEADING_TO_STARTED or can_start:
                self.started = can_start
                if can_start:
                    self.record.sent('start')
                return False
            self._fail_not_started()
        waited = status in TRANSITIONAL_STATUSES
        if waited:
            self.system = self.client.wait_until_stable(self.system['id'], **self.waits())
            status = self.system.get('status')
        if status == 'stopped' and self.params['start_if_stopped']:
            self.system = self.client.start_system(self.system['id'])
            self.started = self.record.note('start', getattr(self.client, 'last_adoption', None))
            self.system = self.client.wait_for_system_started(self.system['id'], **self.waits())
        elif status != 'started':
            self._fail_not_started()
        return waited

    def _apply(self, content, plan):
        system_id = self.system['id']
        status = self.system.get('config_toml_status')
        if plan.upload:
            self.system = self.client.update_config_toml(system_id, content)
            self.record.note('upload', getattr(self.client, 'last_adoption', None))  # answer_lost: still ours
            status = 'uploading'
            if self.params['wait'] or plan.restart:
                try:
                    status = self.client.wait_for_config_toml_uploaded(system_id, **self.waits()).get('config_toml_status')
                except ConfigTomlUploadFailedError as error:
                    self._fail_upload(error)
        if plan.restart:
            self._restart(system_id)
            status = self.system.get('config_toml_status') or status
        elif plan.upload:
            self.system = dict(self.system, config_toml_status=status)
        return status

    def _restart(self, system_id):
        """RestartSystem; a restart found already under way (someone else's) is not counted as ours.

        Someone else's restart may have begun before our upload was done, so when the system is
        started again with the config still only uploaded, this task restarts it itself.
        """
        self.system = self.client.restart_system(system_id)
        ours = self.record.note('restart', getattr(self.client, 'last_adoption', None))
        if not ours:
            self.system = self.client.wait_for_system_started(system_id, **self.waits())
            if self.system.get('config_toml_status') != 'uploaded':
                return
            self.system = self.client.restart_system(system_id)
            self.record.note('restart', getattr(self.client, 'last_adoption', None))
        if self.params['wait']:
            self.system = self.client.wait_for_system_started(system_id, **self.waits())

    # -- failures ------------------------------------------------------------------------

    def _fail(self, message, code='invalid_argument', field=None, rule=None, **extra):
        meta = dict((key, value) for key, value in (('field', field), ('rule', rule)) if value)
        self._fail_with(PuddleError(message, code=code, meta=meta), **extra)

    def _fail_with(self, error, **extra):
        """Fail with what the task had done so far: changed, actions, adopted, the system as last seen, the diff."""
        last_seen = error.system or self.system
        if self.content is not None and self.plan is not None:
            extra.setdefault('config_toml', self._config_result(
                self.content, (last_seen or {}).get('config_toml_status'), self.plan))
            if self.module._diff and self.current is not None:
                extra.setdefault('diff', self._diff(self.content, self.current, self.plan))
        self.puddle.fail(error, system=summary(last_seen), record=self.record, **extra)

    def _fail_after(self, error):
        self.record.failed_with(error)  # an upload or restart whose answer was lost may have changed the system
        if error.system is None and self.record.changed and self.system is not None:
            try:
                error.system = self.client.get_system(self.system['id'])
            except PuddleError:
                pass  # report the state we last saw
        self._fail_with(error)

    def _fail_not_started(self):
        status = self.system.get('status')
        hint = ('; start it first or set start_if_stopped=true' if status in ('stopped', 'stopping')
                else '')
        self._fail('System %s is %s: Puddle accepts a config.toml only while the system is started%s'
                   % (self.system.get('name'), status, hint), code='failed_precondition', field='system')

    def _fail_upload(self, error):
        system_id = self.system['id']
        try:
            self.system = self.client.get_system(system_id)
        except PuddleError:
            pass  # report the state we last saw
        message = 'The config.toml upload to system %s failed (config_toml_status failed)' % self.system.get('name')
        # changed (in the record): Puddle accepted the upload request before the upload itself failed.
        self._fail(message, code=error.code, config_toml_status='failed',
                   config_toml=self._config_result(self.content, 'failed', self.plan))


def main():
    puddle = PuddleModule(
        argument_spec=dict(
            system=dict(type='str', required=True),
            content=dict(type='str'),
            src=dict(type='path'),
            restart=dict(type='bool', default=False),
            wait=dict(type='bool', default=True),
            wait_timeout=dict(type='int', default=1200),
            poll_interval=dict(type='float', default=5),
            force=dict(type='bool', default=False),
            start_if_stopped=dict(type='bool', default=False),
        ),
        mutually_exclusive=[('content', 'src')],
        required_one_of=[('content', 'src')],
        supports_check_mode=True,
    )
    task = ConfigTomlTask(puddle)
    puddle.run(task.run)


if __name__ == '__main__':
    main()
