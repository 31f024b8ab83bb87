# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A stand-in for PuddleClient at the method level, for the puddle_system unit tests.

It keeps systems in memory, enforces the preconditions of docs/api.md (a wrong step fails
with PreconditionFailedError as the real server would) and moves a system through Puddle's
own transitions while the module waits. Every call is recorded.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import (
    AlreadyExistsError,
    NotFoundError,
    PreconditionFailedError,
    StatusChangedError,
    SystemFailedError,
    WaitTimeoutError,
)

SECRET_KEY = 'sk-live-7f1e2d-do-not-print'
SECRET_TOKEN = 'tok-3f9a-very-secret'

IMAGES = [
    {'id': 'aws-dai-1.11.1', 'name': 'Driverless AI 1.11.1', 'cloud': 'aws', 'product': 'dai', 'version': '1.11.1', 'status': 'active'},
    {'id': 'aws-dai-1.10.6', 'name': 'Driverless AI 1.10.6', 'cloud': 'aws', 'product': 'dai', 'version': '1.10.6', 'status': 'active'},
    {'id': 'aws-dai-1.9.3', 'name': 'Driverless AI 1.9.3', 'cloud': 'aws', 'product': 'dai', 'version': '1.9.3', 'status': 'deprecated'},
    {'id': 'aws-h2o3-3.46.0.1', 'name': 'H2O-3 3.46.0.1', 'cloud': 'aws', 'product': 'h2o3', 'version': '3.46.0.1', 'status': 'active'},
    {'id': 'aws-dai-0.0.1', 'name': 'Broken image', 'cloud': 'aws', 'product': 'dai', 'version': '0.0.1', 'status': 'failed'},
]
INSTANCE_TYPES = [
    {'id': 'aws-m5.xlarge', 'name': 'm5.xlarge', 'cloud': 'aws', 'cpu': 4, 'memory_gb': 16, 'gpu': 0, 'cu_per_hour': 2},
    {'id': 'aws-m5.4xlarge', 'name': 'm5.4xlarge', 'cloud': 'aws', 'cpu': 16, 'memory_gb': 64, 'gpu': 0, 'cu_per_hour': 8},
]
TAGS = [
    {'name': 'project', 'label': 'Project', 'required': True, 'default_value': '', 'status': 'active'},
    {'name': 'cost-center', 'label': 'Cost center', 'required': False, 'default_value': 'rnd', 'status': 'active'},
    {'name': 'legacy', 'label': 'Legacy', 'required': False, 'default_value': '', 'status': 'disabled'},
]

PRECONDITIONS = {
    'start_system': (('stopped',), 'starting'),
    'stop_system': (('started', 'failed'), 'stopping'),
    'restart_system': (('started',), 'restarting'),
    'fail_system': (('provisioning', 'stopping'), 'failed'),
    'terminate_system': (('started', 'stopped', 'failed'), 'terminating'),
    'refresh_idle_timeout': (('started',), 'started'),
}
PUDDLE_MOVES = {
    'provisioning': 'started',
    'starting': 'started',
    'restarting': 'started',
    'stopping': 'stopped',
    'terminating': 'terminated',
}
MUTATING = ('create_system',) + tuple(PRECONDITIONS)

# docs/api.md: what goes with each status (sub-statuses, and which actions the preconditions allow).
SUB_STATUSES = {
    'provisioning': ('provisioning', 'none'), 'starting': ('starting', 'starting'), 'started': ('running', 'running'),
    'stopping': ('stopping', 'stopping'), 'stopped': ('stopped', 'stopped'), 'restarting': ('running', 'restarting'),
    'failed': ('failed', 'failed'), 'terminating': ('terminating', 'none'), 'terminated': ('terminated', 'none'),
}
FLAG_OF_METHOD = {
    'start_system': 'can_start', 'stop_system': 'can_stop', 'restart_system': 'can_restart', 'fail_system': 'can_fail',
    'terminate_system': 'can_terminate', 'refresh_idle_timeout': 'can_refresh_idle_timeout',
}


def set_status(system, status):
    """Put a system in status with what the contract says goes with it."""
    system['status'] = status
    system['vm_status'], system['product_status'] = SUB_STATUSES[status]
    for method, flag in FLAG_OF_METHOD.items():
        system[flag] = status in PRECONDITIONS[method][0]
    system['can_update_config_toml'] = status == 'started' and system.get('product') == 'dai'
    system['failure_reason'] = 'marked as failed' if status == 'failed' else None
    return system


def images_of(cloud):
    return [dict(image, id=image['id'].replace('aws', cloud), cloud=cloud) for image in IMAGES]


def instance_types_of(cloud):
    return [dict(item, id=item['id'].replace('aws', cloud), cloud=cloud) for item in INSTANCE_TYPES]


def make_system(name='sys', status='started', **fields):
    system = {
        'id': 'id-' + name, 'name': name, 'owner': 'u-demo', 'cloud': 'aws', 'status': status,
        'vm_status': 'running', 'product_status': 'running', 'config_toml_status': 'none',
        'product': 'dai', 'version': '1.11.1', 'image_id': 'aws-dai-1.11.1', 'image_name': 'Driverless AI 1.11.1',
        'instance_type': 'm5.xlarge', 'instance_type_id': 'aws-m5.xlarge', 'cu_per_hour': 2,
        'disk_size_gb': 256, 'idle_interval': 60, 'idle_deadline': None,
        'tags': [{'name': 'cost-center', 'value': 'rnd'}, {'name': 'project', 'value': 'demo'}],
        'address': '10.0.0.1', 'url': 'https://puddle.test/product/id-%s/' % name,
        'created': '2026-11-25T12:00:00Z', 'updated': '2026-11-25T12:00:00Z', 'failure_reason': None,
        'can_start': False, 'can_stop': True, 'can_restart': True, 'can_fail': False, 'can_terminate': True,
        'can_refresh_idle_timeout': True, 'can_update_config_toml': True,
    }
    set_status(system, status)
    system.update(fields)
    return system


class FakeSystemsClient(object):
    """Same method names and arguments as PuddleClient; state in self.systems."""

    def __init__(self, systems=None):
        self.systems = dict((system['id'], system) for system in systems or [])
        self.calls = []
        self.outcomes = {}        # status -> status Puddle moves it to instead of PUDDLE_MOVES (e.g. failures,
        #                           or 'stopping' when someone else stops it before this task sees it started)
        self.moved_once = {}      # like outcomes, but only the first time (someone else moves it once)
        self.timeout_on = None    # wait method that raises WaitTimeoutError
        self.create_error = None  # exception CreateSystem raises
        self.created = 0
        self.token = SECRET_TOKEN
        self.last_adoption = None
        # Races with another client, as PuddleClient reports them (last_adoption):
        self.created_by_others = {}  # name -> fields of the system someone else creates just before our CreateSystem
        self.done_by_others = {}     # action method -> status someone else puts the system in just before our request
        self.lost_answers = set()    # methods whose answer is lost after they were carried out
        # action method -> [status, ...]: someone else puts the system in the first status just before our request
        # (one per request), so that Puddle refuses it (failed_precondition with that status)
        self.moved_by_others = {}
        self.holds = {}           # system id -> poll rounds it stays in its status
        self.poll_args = []       # the arguments of each poll_systems call
        self.refuse_create = {}   # name -> exception CreateSystem raises for that name
        self.cu_pool = None       # the CU pool's size: None for a pool that refuses nothing (1000 CU reported)
        self.cu_info = {}         # fields of the GetCUConsumptionInfo answer to replace (or drop, with None)

    # -- bookkeeping

    def _record(self, method, *args, **kwargs):
        self.calls.append((method, args, kwargs))

    def methods(self):
        return [call[0] for call in self.calls]

    def mutating_methods(self):
        return [method for method in self.methods() if method in MUTATING]

    def secrets(self):
        return [self.token]

    def only(self, name):
        live = [s for s in self.systems.values() if s['name'] == name and s['status'] != 'terminated']
        assert len(live) <= 1, live
        return live[0] if live else None

    # -- catalogue

    def list_images(self, cloud):
        self._record('list_images', cloud)
        return images_of(cloud)

    def list_instance_types(self, cloud):
        self._record('list_instance_types', cloud)
        return instance_types_of(cloud)

    def list_tags(self):
        self._record('list_tags')
        return copy.deepcopy(TAGS)

    # -- systems

    def find_system_by_name(self, name):
        self._record('find_system_by_name', name)
        system = self.only(name)
        return copy.deepcopy(system) if system else None

    def get_system(self, system_id):
        self._record('get_system', system_id)
        if system_id not in self.systems:
            raise NotFoundError('no system %s' % system_id)
        return copy.deepcopy(self.systems[system_id])

    def create_system(self, name, cloud, image_id=None, product=None, version=None, instance_type_id=None,
                      instance_type_name=None, disk_size_gb=256, idle_interval=60, tags=None):
        self._record('create_system', name=name, cloud=cloud, image_id=image_id, product=product, version=version,
                     instance_type_id=instance_type_id, instance_type_name=instance_type_name,
                     disk_size_gb=disk_size_gb, idle_interval=idle_interval, tags=tags)
        self.last_adoption = None
        if self.create_error is not None:
            raise self.create_error
        if name in self.created_by_others:
            other = make_system(name, **self.created_by_others.pop(name))
            self.systems[other['id']] = other
            self.last_adoption = {'action': 'create', 'reason': 'already_exists', 'status': other['status']}
            return copy.deepcopy(other)
        if name in self.refuse_create:
            raise self.refuse_create[name]
        if self.only(name):
            raise AlreadyExistsError('a system named %s exists' % name, meta={'field': 'name'})
        image = [i for i in images_of(cloud) if i['id'] == image_id or (i['product'], i['version']) == (product, version)][0]
        instance_type = [t for t in instance_types_of(cloud) if instance_type_id == t['id'] or instance_type_name == t['name']][0]
        self._require_cu(instance_type['cu_per_hour'])
        self.created += 1
        complete = dict((tag['name'], tag['default_value']) for tag in TAGS if tag['default_value'])
        complete.update(tags or {})
        system = make_system(
            name, 'provisioning', id='id-%s-%d' % (name, self.created), cloud=cloud, product=image['product'],
            version=image['version'], image_id=image['id'], image_name=image['name'],
            instance_type=instance_type['name'], instance_type_id=instance_type['id'], cu_per_hour=instance_type['cu_per_hour'],
            disk_size_gb=disk_size_gb, idle_interval=idle_interval,
            tags=[{'name': key, 'value': value} for key, value in sorted(complete.items())])
        self.systems[system['id']] = system
        if 'create_system' in self.lost_answers:
            self.last_adoption = {'action': 'create', 'reason': 'answer_lost', 'status': system['status']}
        return copy.deepcopy(system)

    def _act(self, method, system_id):
        self._record(method, system_id)
        self.last_adoption = None
        system = self.systems[system_id]
        action = method[:-len('_system')]
        if method in self.done_by_others:
            set_status(system, self.done_by_others.pop(method))
            self.last_adoption = {'action': action, 'reason': 'already_done', 'status': system['status']}
            return copy.deepcopy(system)
        if self.moved_by_others.get(method):
            set_status(system, self.moved_by_others[method].pop(0))
        allowed, next_status = PRECONDITIONS[method]
        if system['status'] not in allowed:
            raise PreconditionFailedError('cannot %s a %s system' % (method, system['status']),
                                          meta={'status': system['status']})
        if method == 'start_system':
            self._require_cu(system['cu_per_hour'])
        set_status(system, next_status)
        if method in self.lost_answers:
            self.last_adoption = {'action': action, 'reason': 'answer_lost', 'status': next_status}
        return copy.deepcopy(system)

    # -- the CU pool (docs/api.md section 3, CU accounting)

    def _cu_balance(self):
        consumed = sum(system['cu_per_hour'] for system in self.systems.values()
                       if system['status'] in ('provisioning', 'starting', 'started', 'restarting', 'stopping'))
        return (1000 if self.cu_pool is None else self.cu_pool) - consumed, consumed

    def _require_cu(self, required):
        available = self._cu_balance()[0]
        if self.cu_pool is not None and required > available:
            raise PreconditionFailedError('the CU pool is short: %d CU needed, %d available' % (required, available),
                                          meta={'reason': 'cu_pool_short', 'required_cu': required,
                                                'available_cu': available, 'short_by': required - available})

    def get_cu_consumption_info(self):
        self._record('get_cu_consumption_info')
        available, consumed = self._cu_balance()
        info = {'available_cu': available, 'consumed_cu': consumed, 'systems_consumption_info': []}
        for field, value in self.cu_info.items():
            if value is None:
                info.pop(field, None)
            else:
                info[field] = value
        return info

    def start_system(self, system_id):
        return self._act('start_system', system_id)

    def stop_system(self, system_id):
        return self._act('stop_system', system_id)

    def restart_system(self, system_id):
        return self._act('restart_system', system_id)

    def fail_system(self, system_id):
        return self._act('fail_system', system_id)

    def terminate_system(self, system_id):
        return self._act('terminate_system', system_id)

    def refresh_idle_timeout(self, system_id):
        system = self._act('refresh_idle_timeout', system_id)
        self.systems[system_id]['idle_deadline'] = system['idle_deadline'] = '2026-11-25T14:00:00Z'
        return system

    # -- waiting: Puddle moves the system on until it reaches a stable status

    def _settle(self, method, system_id, wanted, fail_on_failed=True, stop_on_stable=False):
        self._record(method, system_id)
        system = self.systems[system_id]
        if self.timeout_on == method:
            raise WaitTimeoutError('timed out', system=copy.deepcopy(system))
        while system['status'] not in wanted and system['status'] in PUDDLE_MOVES:
            status = system['status']
            moved = self.moved_once.pop(status, None)
            set_status(system, moved or self.outcomes.get(status, PUDDLE_MOVES[status]))
        if system['status'] == 'failed' and 'failed' not in wanted and fail_on_failed:
            raise SystemFailedError('entered failed', system=copy.deepcopy(system))
        if stop_on_stable and system['status'] not in wanted:
            # As PuddleClient: a stable status that is not awaited ends the wait at once.
            raise StatusChangedError('became %s' % system['status'], meta={'status': system['status']},
                                     system=copy.deepcopy(system))
        assert system['status'] in wanted, 'waiting for %s from %s would never end' % (wanted, system['status'])
        return copy.deepcopy(system)

    def wait_for_system_started(self, system_id, timeout=1200, poll_interval=5, stop_on_stable=False):
        return self._settle('wait_for_system_started', system_id, ('started',), stop_on_stable=stop_on_stable)

    def wait_for_system_stopped(self, system_id, timeout=1200, poll_interval=5, stop_on_stable=False):
        return self._settle('wait_for_system_stopped', system_id, ('stopped',), stop_on_stable=stop_on_stable)

    def wait_for_system_terminated(self, system_id, timeout=1200, poll_interval=5, stop_on_stable=False):
        return self._settle('wait_for_system_terminated', system_id, ('terminated',), stop_on_stable=stop_on_stable)

    def wait_until_stable(self, system_id, timeout=1200, poll_interval=5, stop_on_stable=False):
        return self._settle('wait_until_stable', system_id, ('started', 'stopped', 'failed', 'terminated'),
                            fail_on_failed=False, stop_on_stable=stop_on_stable)

    # -- listing and poll rounds (the fleet's wait): one listing per round, Puddle moves on between rounds

    def list_systems(self):
        self._record('list_systems')
        return [copy.deepcopy(system) for system in self.systems.values() if system['status'] != 'terminated']

    def _puddle_round(self):
        """Between two listings every system in transition moves on, except the held ones (id -> rounds left)."""
        for system_id, system in self.systems.items():
            held = self.holds.get(system_id, 0)
            if held:
                self.holds[system_id] = held - 1
                continue
            status = system['status']
            if status in PUDDLE_MOVES:
                set_status(system, self.outcomes.get(status, PUDDLE_MOVES[status]))
                if system['status'] == 'failed':
                    system['failure_reason'] = 'provisioning failed'

    def poll_systems(self, on_listing, timeout=1200, poll_interval=5, first_poll_delay=0.0):
        """Rounds on a simulated clock: first at first_poll_delay, then every poll_interval, the last at the deadline."""
        self.poll_args.append(dict(timeout=timeout, poll_interval=poll_interval, first_poll_delay=first_poll_delay))
        clock = min(first_poll_delay, timeout)
        rounds = 0
        while True:
            if clock > 0 or rounds:
                self._puddle_round()
            rounds += 1
            if on_listing(self.list_systems()):
                return rounds
            if clock >= timeout:
                raise WaitTimeoutError('timed out after %d listings' % rounds, meta={'rounds': rounds})
            clock = min(clock + poll_interval, timeout)
