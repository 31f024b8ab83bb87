# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The waiting loops of PuddleClient (wait_for_status, poll_systems, wait_for_config_toml_uploaded): plain Python,
no Ansible import.

PuddleClient's wait methods import this module when they first wait: a task that never waits (a no-op, or
wait: false) neither compiles nor runs it (every module_utils file a task imports is compiled from source in
its process). Each function takes the client as its first argument and uses its clock (_monotonic, _sleep),
its reads (get_system, list_systems, get_config_toml) and its pacing state (_last_touched, _wait_deadline).
"""

from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import (
    CONFIG_TOML_DONE_STATUSES,
    FINAL_STATUS,
    STABLE_STATUSES,
    ConfigTomlUploadFailedError,
    ConfigurationError,
    NotFoundError,
    PreconditionFailedError,
    PuddleError,
    StatusChangedError,
    SystemFailedError,
    WaitTimeoutError,
)


def _as_statuses(wanted):
    if isinstance(wanted, str):
        return (wanted,)
    return tuple(wanted)


def first_poll_delay(client, system_id, poll_interval, delay):
    """Default: a full poll interval after the client last acted on (or read) the system, else at once."""
    if delay is not None:
        return max(0.0, float(delay))
    touched = client._last_touched.get(system_id)
    if touched is None:
        return 0.0
    return max(0.0, touched + poll_interval - client._monotonic())


def poll_until(client, fetch, is_done, timeout, poll_interval, first_delay, on_poll, on_timeout):
    """Poll on a fixed grid: first at first_delay, then every poll_interval, last at the deadline.

    At most ceil(timeout / poll_interval) + 2 polls; never sleeps past the deadline.
    """
    if poll_interval <= 0:
        raise ConfigurationError('poll_interval must be greater than 0', meta={'field': 'poll_interval'})
    start = client._monotonic()
    deadline = start + max(0.0, float(timeout))
    next_poll = min(start + first_delay, deadline)
    seen = None
    while True:
        now = client._monotonic()
        if next_poll > now:
            client._sleep(next_poll - now)
        seen = fetch_before_deadline(client, fetch, deadline, seen, on_timeout)
        if on_poll is not None:
            on_poll(seen)
        if is_done(seen):
            return seen
        now = client._monotonic()
        if now >= deadline:
            raise on_timeout(seen)
        next_poll = min(max(next_poll + poll_interval, now), deadline)


def fetch_before_deadline(client, fetch, deadline, last_seen, on_timeout):
    """fetch() with its retries bounded by the deadline; a poll that fails past it is a timeout."""
    outer_deadline = client._wait_deadline
    client._wait_deadline = deadline if outer_deadline is None else min(deadline, outer_deadline)
    try:
        return fetch()
    except PuddleError as error:
        if error.retryable and client._monotonic() >= deadline:
            raise on_timeout(last_seen)
        raise
    finally:
        client._wait_deadline = outer_deadline


def wait_for_status(client, system_id, wanted, timeout, poll_interval, on_poll=None, fail_on_failed=True,
                    delay=None, stop_on_stable=False):
    """PuddleClient.wait_for_status (see there): poll GetSystem until the status is one of wanted."""
    awaited = _as_statuses(wanted)
    last = {'system': None}

    def fetch():
        try:
            system = client.get_system(system_id)
        except NotFoundError:
            if FINAL_STATUS not in awaited:
                raise
            system = dict(last['system'] or {'id': system_id}, status=FINAL_STATUS)
        last['system'] = system
        return system

    def is_done(system):
        return check_awaited_status(system, awaited, fail_on_failed, stop_on_stable)

    def on_timeout(system):
        return WaitTimeoutError(
            'Timed out after {0:g} s waiting for system {1} to be {2}; its status is still {3}'.format(
                float(timeout), system_id, ' or '.join(awaited), (system or {}).get('status', 'unknown')),
            awaited=awaited, system=system)

    first_delay = first_poll_delay(client, system_id, poll_interval, delay)
    return poll_until(client, fetch, is_done, timeout, poll_interval, first_delay, on_poll, on_timeout)


def check_awaited_status(system, awaited, fail_on_failed, stop_on_stable=False):
    status = system.get('status')
    if status in awaited:
        return True
    if status == 'failed' and fail_on_failed:
        raise SystemFailedError(
            'System {0} entered failed while waiting for {1}: {2}'.format(
                system.get('name') or system.get('id'), ' or '.join(awaited),
                system.get('failure_reason') or 'no reason given'),
            system=system)
    if status == FINAL_STATUS:
        raise PreconditionFailedError(
            'System {0} is terminated and will never be {1}'.format(
                system.get('name') or system.get('id'), ' or '.join(awaited)),
            meta={'status': status}, system=system)
    if stop_on_stable and status in STABLE_STATUSES:
        raise StatusChangedError(
            'System {0} became {1} while waiting for it to be {2}'.format(
                system.get('name') or system.get('id'), status, ' or '.join(awaited)),
            meta={'status': status}, system=system)
    return False


def poll_systems(client, on_listing, timeout, poll_interval, delay):
    """PuddleClient.poll_systems (see there): one listing per poll round until on_listing(systems) is True."""
    rounds = [0]

    def fetch():
        systems = client.list_systems()
        rounds[0] += 1
        return systems

    def on_timeout(_systems):
        return WaitTimeoutError(
            'Timed out after {0:g} s polling the systems ({1} listings)'.format(float(timeout), rounds[0]),
            meta={'rounds': rounds[0]})

    poll_until(client, fetch, on_listing, timeout, poll_interval, delay, None, on_timeout)
    return rounds[0]


def wait_for_config_toml_uploaded(client, system_id, timeout, poll_interval, on_poll=None, delay=None):
    """PuddleClient.wait_for_config_toml_uploaded (see there): poll GetConfigToml until the upload is done."""

    def is_done(config):
        status = config.get('config_toml_status')
        if status == 'failed':
            raise ConfigTomlUploadFailedError(
                'The config.toml upload to system {0} failed'.format(system_id),
                meta={'config_toml_status': status})
        return status in CONFIG_TOML_DONE_STATUSES

    def on_timeout(config):
        status = (config or {}).get('config_toml_status', 'unknown')
        return WaitTimeoutError(
            'Timed out after {0:g} s waiting for the config.toml of system {1} to be uploaded; '
            'its config_toml_status is still {2}'.format(float(timeout), system_id, status),
            awaited=CONFIG_TOML_DONE_STATUSES, meta={'config_toml_status': status})

    first_delay = first_poll_delay(client, system_id, poll_interval, delay)
    return poll_until(client, lambda: client.get_config_toml(system_id), is_done, timeout, poll_interval,
                      first_delay, on_poll, on_timeout)
