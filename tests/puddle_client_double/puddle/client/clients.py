"""ImagesClient, InstanceTypesClient, SystemsClient and TagsClient, as the reference documents them."""

import re
import time

from puddle.client import _wire
from puddle.client.base_client import BaseCloudClient, BasePuddleClient
from puddle.client.errors.puddle_errors import PreconditionFailedError, SystemFailedError, ValidationFailedError
from puddle.client.models.cu_consumption_info import CUConsumptionInfo
from puddle.client.models.image import Image
from puddle.client.models.instance_type import InstanceType
from puddle.client.models.system import System
from puddle.client.models.tag import Tag
from puddle.client.models._base import peek

_NAME = re.compile(r'^[a-z0-9-]{1,64}$')
_MAX_IDLE_INTERVAL = 4 * 60


class ImagesClient(BaseCloudClient):
    """Client used to query images in Puddle."""

    def __init__(self, cloud, server_address=None, authorizer=None):
        super(ImagesClient, self).__init__(cloud, server_address, authorizer)

    def list_available(self):
        answer = self._call('ImageService', 'ListAvailableImages', {'cloud': self._cloud.id})
        return [Image.from_wire(item) for item in answer['images']]


class InstanceTypesClient(BaseCloudClient):
    """Client used to query instance types in Puddle."""

    def __init__(self, cloud, server_address=None, authorizer=None):
        super(InstanceTypesClient, self).__init__(cloud, server_address, authorizer)

    def list_available(self):
        answer = self._call('InstanceTypeService', 'ListAvailableInstanceTypes', {'cloud': self._cloud.id})
        return [InstanceType.from_wire(item) for item in answer['instance_types']]


class TagsClient(BasePuddleClient):
    """Client used to query the tags in Puddle."""

    def __init__(self, server_address=None, authorizer=None):
        super(TagsClient, self).__init__(server_address, authorizer)

    def list(self):
        return [Tag.from_wire(item) for item in self._call('TagService', 'ListTags', {})['tags']]

    def tag_data_to_pb_tag_data(self, tags):
        """TagData objects as the messages Puddle takes (here: JSON objects)."""
        return _tag_messages(tags)


def _tag_messages(tags):
    if tags is None:
        return None
    return [{'name': str(peek(tag, 'name')), 'value': '' if peek(tag, 'value') is None else str(peek(tag, 'value'))}
            for tag in tags]


class SystemsClient(BaseCloudClient):
    """Client used to manage the systems in Puddle."""

    DEFAULT_DISK_SIZE = 256
    DEFAULT_IDLE_TIMEOUT_MIN = 60
    POLL_INTERVAL_S = 5
    POLL_TIMEOUT_MINUTES = 20

    def __init__(self, cloud, server_address=None, authorizer=None):
        super(SystemsClient, self).__init__(cloud, server_address, authorizer)

    # -- reading

    def get(self, system_id):
        try:
            answer = self._authorizer.call('SystemService', 'GetSystem', {'id': system_id}, self._server_address)
        except _wire.WireError as error:
            if error.code == 'not_found':
                return None
            raise error.exception()
        return System.from_wire(answer['system'])

    def find_by_name(self, name):
        return System.from_wire(self._call('SystemService', 'FindSystemByName', {'name': name}).get('system'))

    def list(self):
        return [System.from_wire(item) for item in self._call('SystemService', 'ListSystems', {})['systems']]

    def get_cu_consumption_info(self):
        return CUConsumptionInfo.from_wire(self._call('SystemService', 'GetCUConsumptionInfo', {}))

    # -- creating

    def create(self, name, disk_size_gb=256, image=None, product=None, version=None, instance_type=None,
               instance_type_name=None, idle_interval=60, tags=None):
        _validate_creation(name, disk_size_gb, image, product, version, instance_type, instance_type_name, idle_interval)
        body = {'name': name, 'cloud': self._cloud.id, 'disk_size_gb': disk_size_gb, 'idle_interval': idle_interval,
                'tags': _tag_messages(tags) or []}
        if image is not None:
            body['image_id'] = peek(image, 'id')
        else:
            body.update(product=product.id, version=version)
        if instance_type is not None:
            body['instance_type_id'] = peek(instance_type, 'id')
        else:
            body['instance_type_name'] = instance_type_name
        return System.from_wire(self._call('SystemService', 'CreateSystem', body)['system'])

    # -- actions: they return at once, without waiting

    def start(self, system_id):
        self._call('SystemService', 'StartSystem', {'id': system_id})

    def stop(self, system_id):
        self._call('SystemService', 'StopSystem', {'id': system_id})

    def restart(self, system_id):
        self._call('SystemService', 'RestartSystem', {'id': system_id})

    def fail(self, system_id):
        self._call('SystemService', 'FailSystem', {'id': system_id})

    def terminate(self, system_id):
        self._call('SystemService', 'TerminateSystem', {'id': system_id})

    def refresh_idle_timeout(self, system_id):
        self._call('SystemService', 'RefreshIdleTimeout', {'id': system_id})

    def update_config_toml(self, system_id, config_toml):
        self._call('SystemService', 'UpdateConfigToml', {'id': system_id, 'config_toml': config_toml})

    # -- waiting: poll every POLL_INTERVAL_S, give up after POLL_TIMEOUT_MINUTES (TimeoutError)

    def _wait(self, system_id, is_done, fail_on_failed=True, gone_is_done=False):
        deadline = time.monotonic() + 60 * float(self.POLL_TIMEOUT_MINUTES)
        while True:
            system = self.get(system_id)
            if system is None:
                if gone_is_done:
                    return
                raise PreconditionFailedError('System {0} does not exist'.format(system_id))
            if is_done(system):
                return
            if fail_on_failed and peek(system, 'status') == System.Status.FAILED:
                raise SystemFailedError('System {0} entered the failed state: {1}'.format(
                    peek(system, 'name'), peek(system, 'failure_reason') or 'no reason given'))
            if peek(system, 'status') == System.Status.TERMINATED and not gone_is_done:
                raise PreconditionFailedError('System {0} is terminated'.format(peek(system, 'name')))
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError('System {0} is still {1} after {2:g} minutes'.format(
                    peek(system, 'name'), peek(system, 'status'), float(self.POLL_TIMEOUT_MINUTES)))
            time.sleep(min(float(self.POLL_INTERVAL_S), remaining))

    def wait_for_config_toml_uploaded(self, system_id):
        def is_done(system):
            if peek(system, 'config_toml_status') == System.ConfigTomlStatus.FAILED:
                raise SystemFailedError('The config.toml upload to system {0} failed'.format(peek(system, 'name')))
            return peek(system, 'config_toml_status') in (System.ConfigTomlStatus.UPLOADED, System.ConfigTomlStatus.APPLIED)
        self._wait(system_id, is_done, fail_on_failed=False)

    def wait_for_system_failed(self, system_id):
        self._wait(system_id, lambda system: peek(system, 'status') == System.Status.FAILED, fail_on_failed=False)

    def wait_for_system_started(self, system_id):
        self._wait(system_id, lambda system: peek(system, 'status') == System.Status.STARTED)

    def wait_for_system_stopped(self, system_id):
        self._wait(system_id, lambda system: peek(system, 'status') == System.Status.STOPPED)

    def wait_for_system_terminated(self, system_id):
        self._wait(system_id, lambda system: peek(system, 'status') == System.Status.TERMINATED, gone_is_done=True)


def _validate_creation(name, disk_size_gb, image, product, version, instance_type, instance_type_name, idle_interval):
    """The rules the reference documents for SystemsClient.create, checked before any request."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValidationFailedError('name must contain only lowercase alphanumeric characters, numbers and hyphens '
                                    'and cannot be longer than 64 chars, got {0!r}'.format(name))
    if not 256 <= disk_size_gb <= 1024:
        raise ValidationFailedError('disk_size_gb must be between 256 and 1024, got {0}'.format(disk_size_gb))
    if image is None and (product is None or version is None):
        raise ValidationFailedError('image, or product and version, must be set')
    if instance_type is None and instance_type_name is None:
        raise ValidationFailedError('instance_type or instance_type_name must be set')
    if idle_interval > _MAX_IDLE_INTERVAL:
        raise ValidationFailedError('idle_interval must be <= {0} minutes, got {1}'.format(_MAX_IDLE_INTERVAL, idle_interval))
