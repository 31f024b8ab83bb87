# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Another writer on the same system is normal: plain Python, no Ansible import.

Puddle refuses an action (failed_precondition) while a system is in a status that does not allow it.
When the status changed after the task read the system, the refusal was caused by someone else's
transition (another task, a user in the web UI, Puddle itself): the task reads the system again,
waits until it is stable when it needs that, and plans its remaining steps again from what it
found. Only a refusal from the status the plan was made from (the refusal persists), or one more
move than OtherWriters.max_replans allows, fails; the failure then carries the system as read after
the refusal (or, when that read fails, the status Puddle gave in its refusal), never an older one.

One OtherWriters per system and task: puddle_system, puddle_config_toml and each system of
puddle_fleet use the same rule (docs/reliability.md, "Other writers").
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import (
    FINAL_STATUS,
    TRANSITIONAL_STATUSES,
    NotFoundError,
    PreconditionFailedError,
    PuddleError,
)

# How many refusals caused by someone else's moves one task plans again from, per system, before it fails.
MAX_MOVED_REPLANS = 3


def is_refusal(error):
    """A failed_precondition refusal that is not about an answer of ours that was lost, nor about the CU pool."""
    return (isinstance(error, PreconditionFailedError) and not error.may_have_been_committed
            and getattr(error, 'unconfirmed_action', None) is None and error.meta.get('reason') != 'cu_pool_short')


class OtherWriters(object):
    """Decides, after a refused request on one system, whether someone else moved it, and from what to plan again."""

    def __init__(self, client, max_replans=MAX_MOVED_REPLANS):
        self.client = client
        self.max_replans = max_replans
        self.replans = 0

    def _read_after(self, error, system):
        """The system as it is after the refusal: the read the client made for it, else a new one."""
        seen = error.system
        if seen and seen.get('id') == system.get('id'):
            return seen
        try:
            return self.client.get_system(system['id'])
        except NotFoundError:
            return dict(system, status=FINAL_STATUS)

    def system_to_plan_from(self, error, system, settle=None):
        """After error refused a request on system (as the plan saw it): the system to plan again from.

        Someone else moved the system when Puddle's refusal names another status than the plan's, or the system
        read after the refusal has one. settle (dict(timeout=..., poll_interval=...)) first waits until a
        transitional status ends (wait_until_stable; WaitTimeoutError at its timeout). Raises error itself,
        with .system set to the system read after the refusal, when the refusal is not someone else's move
        (it persists), when it is not a refusal, or after max_replans moves.
        """
        if not is_refusal(error) or not system or not system.get('id'):
            raise error  # not a refusal, or of a request on no system yet (CreateSystem)
        planned = system.get('status')
        named = error.meta.get('status')
        try:
            seen = self._read_after(error, system)
        except PuddleError:
            # The refusal's own word is the newest there is; without one the status is unknown.
            error.system = dict(system, status=named)
            raise error
        error.system = seen
        moved = seen.get('status') != planned or (named is not None and named != planned)
        if not moved:
            raise error
        self.replans += 1
        if self.replans > self.max_replans:
            error.set_message('{0} (system {1} was moved by someone else {2} times while this task acted on it; its '
                              'status is now {3})'.format(error.message, system.get('name') or system.get('id'),
                                                          self.replans, seen.get('status')))
            raise error
        if settle is not None and seen.get('status') in TRANSITIONAL_STATUSES:
            seen = self.client.wait_until_stable(system['id'], **settle)
        return seen
