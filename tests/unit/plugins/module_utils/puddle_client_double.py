# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers for the tests of api_client=puddle_client: the double of puddle.client on sys.path,
the reference text it must match, and an in-memory Puddle answering the double's requests."""

import copy
import importlib
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
DOUBLE_ROOT = os.path.normpath(os.path.join(HERE, '..', '..', '..', 'puddle_client_double'))
SEED_NAME = '000_e64ae93124099313.txt'
SERVER = 'https://puddle.test'


def double_modules():
    """The modules of the double that the adapter uses (the double's folder goes on sys.path)."""
    if DOUBLE_ROOT not in sys.path:
        sys.path.insert(0, DOUBLE_ROOT)
    from ansible_collections.puddle.cloud.plugins.module_utils.puddle_pyclient import import_python_client
    return import_python_client()


def double_module(name):
    double_modules()
    return importlib.import_module(name)


def seed_path():
    """shared/seed/<reference> beside the clone (<clone>/../shared), found from any ancestor of this file.

    ansible-test runs the tests in a copy of the collection inside the clone (.build/test/...), so
    the ancestors of this file include the clone and its parent either way.
    """
    folder = os.path.realpath(HERE)
    tried = []
    while True:
        candidate = os.path.join(folder, 'shared', 'seed', SEED_NAME)
        tried.append(candidate)
        if os.path.isfile(candidate):
            return candidate
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    pytest.fail('The reference of puddle.client (shared/seed/{0}) was not found beside the clone; looked at:\n{1}'.format(
        SEED_NAME, '\n'.join(tried)))
    return None


def system_record(system_id, name, status, **fields):
    record = dict(
        id=system_id, name=name, owner='user-demo', cloud='aws', status=status, vm_status='running',
        product_status='running', config_toml_status='none', product='dai', version='1.11.1', image_id='img-1',
        image_name='dai-1.11.1', instance_type='m5.xlarge', instance_type_id='it-1', cu_per_hour=4, disk_size_gb=256,
        idle_interval=60, idle_deadline=None, tags=[{'name': 'project', 'value': 'churn'}], address='10.0.0.1',
        url=None, created='2026-11-25T12:00:00Z', updated='2026-11-25T12:00:00Z', can_start=False, can_stop=True,
        can_restart=True, can_fail=False, can_terminate=True, can_refresh_idle_timeout=True,
        can_update_config_toml=True, failure_reason=None)
    record.update(fields)
    return record


class InMemoryPuddle(object):
    """Answers the double's RPCs (docs/api.md) from a dict of systems; records every call.

    ``script`` maps a system id to the statuses GetSystem reports next, one per call. ``errors`` maps
    a method to what it raises: one exception (every call), or a list of them (one per call, in order,
    then the method answers). ``bodies`` records the body of every call, ``catalogue`` answers the
    listings of images, instance types and tags.
    """

    def __init__(self):
        self.systems = {}
        self.calls = []
        self.bodies = []
        self.script = {}
        self.errors = {}
        self.catalogue = {'images': [], 'instance_types': [], 'tags': []}

    def add(self, record):
        self.systems[record['id']] = record
        return record

    def post(self, server_address, service, method, body, headers, request_hook=None, response_hook=None):
        wire = double_module('puddle.client._wire')
        self.calls.append(method)
        self.bodies.append((method, copy.deepcopy(body)))
        error = self.errors.get(method)
        if isinstance(error, list):
            if error:
                raise error.pop(0)
        elif error is not None:
            raise error
        if method == 'Login':
            return {'token': 'session-token', 'expires_at': None,
                    'user': {'id': 'user-demo', 'name': 'demo', 'email': 'demo@example.com'}}
        if method == 'Logout':
            return {}
        if method in ('ListAvailableImages', 'ListAvailableInstanceTypes'):
            kind = 'images' if method == 'ListAvailableImages' else 'instance_types'
            return {kind: [copy.deepcopy(item) for item in self.catalogue[kind] if item.get('cloud') == body['cloud']]}
        if method == 'ListTags':
            return {'tags': copy.deepcopy(self.catalogue['tags'])}
        if method == 'GetCUConsumptionInfo':
            return {'available_cu': 100, 'consumed_cu': 4, 'systems_consumption_info': [
                {'system_id': record['id'], 'system_name': record['name'], 'status': record['status'],
                 'cu_per_hour': record['cu_per_hour']} for record in self.systems.values()]}
        if method == 'CreateSystem':
            record = system_record('s{0}'.format(len(self.systems) + 1), body['name'], 'provisioning',
                                   cloud=body['cloud'], disk_size_gb=body['disk_size_gb'],
                                   idle_interval=body['idle_interval'], tags=body['tags'])
            return {'system': copy.deepcopy(self.add(record))}
        if method == 'GetSystem':
            record = self.systems.get(body['id'])
            if record is None:
                raise wire.WireError('not_found', 'no system {0}'.format(body['id']))
            if self.script.get(body['id']):
                record['status'] = self.script[body['id']].pop(0)
            return {'system': copy.deepcopy(record)}
        if method == 'FindSystemByName':
            found = [record for record in self.systems.values() if record['name'] == body['name']]
            return {'system': copy.deepcopy(found[0]) if found else None}
        if method == 'ListSystems':
            return {'systems': [copy.deepcopy(record) for record in self.systems.values()]}
        if method in ('StartSystem', 'StopSystem', 'RestartSystem', 'FailSystem', 'TerminateSystem'):
            outcome = {'StartSystem': 'starting', 'StopSystem': 'stopping', 'RestartSystem': 'restarting',
                       'FailSystem': 'failed', 'TerminateSystem': 'terminating'}[method]
            self.systems[body['id']]['status'] = outcome
            return {'system': copy.deepcopy(self.systems[body['id']])}
        raise AssertionError('the in-memory Puddle does not answer {0}'.format(method))


def without_attributes(monkeypatch, *names):
    """Make the double's models lack these attributes ('System.tags', 'TagData.value'...) for one test.

    The double's PUDDLE_CLIENT_DOUBLE_WITHOUT does the same for a whole process (integration tests).
    """
    monkeypatch.setattr(double_module('puddle.client.models._base'), 'WITHOUT', set(names))
