"""System: one Driverless AI or H2O-3 system."""

from puddle.client.cloud import clouds
from puddle.client.models._base import Model, with_properties
from puddle.client.models.tag_data import TagData
from puddle.client.product import products


def _tags(items):
    return [TagData.from_wire(item) for item in items]


@with_properties
class System(Model):

    class Status(object):
        PROVISIONING = 'provisioning'
        STARTING = 'starting'
        STARTED = 'started'
        STOPPING = 'stopping'
        STOPPED = 'stopped'
        RESTARTING = 'restarting'
        FAILED = 'failed'
        TERMINATING = 'terminating'
        TERMINATED = 'terminated'

    class VmStatus(object):
        NONE = 'none'
        PROVISIONING = 'provisioning'
        STARTING = 'starting'
        RUNNING = 'running'
        STOPPING = 'stopping'
        STOPPED = 'stopped'
        TERMINATING = 'terminating'
        TERMINATED = 'terminated'
        FAILED = 'failed'

    class ProductStatus(object):
        NONE = 'none'
        STARTING = 'starting'
        RUNNING = 'running'
        STOPPING = 'stopping'
        STOPPED = 'stopped'
        RESTARTING = 'restarting'
        FAILED = 'failed'

    class ConfigTomlStatus(object):
        NONE = 'none'
        UPLOADING = 'uploading'
        UPLOADED = 'uploaded'
        APPLIED = 'applied'
        FAILED = 'failed'

    ALL_CONFIG_STATES = (Status.PROVISIONING, Status.STARTING, Status.STARTED, Status.STOPPING, Status.STOPPED,
                         Status.RESTARTING, Status.FAILED, Status.TERMINATING, Status.TERMINATED)
    ALL_TOML_CONFIG_STATES = (ConfigTomlStatus.NONE, ConfigTomlStatus.UPLOADING, ConfigTomlStatus.UPLOADED,
                              ConfigTomlStatus.APPLIED, ConfigTomlStatus.FAILED)

    FIELDS = ('id', 'name', 'owner', 'cloud', 'status', 'vm_status', 'product_status', 'config_toml_status', 'product',
              'version', 'image_id', 'image_name', 'instance_type', 'instance_type_id', 'cu_per_hour', 'disk_size_gb',
              'idle_interval', 'idle_deadline', 'tags', 'address', 'url', 'created', 'updated', 'can_start', 'can_stop',
              'can_restart', 'can_fail', 'can_terminate', 'can_refresh_idle_timeout', 'can_update_config_toml',
              'failure_reason')
    CONVERSIONS = {'cloud': clouds.by_id, 'product': products.by_id, 'tags': _tags}

    @property
    def can_launch(self):
        """True when the system can be started."""
        return bool(self.can_start)
