"""InstanceType: the size of a system's virtual machine."""

from puddle.client.cloud import clouds
from puddle.client.models._base import Model, with_properties


@with_properties
class InstanceType(Model):
    FIELDS = ('id', 'name', 'cloud', 'cpu', 'memory_gb', 'gpu', 'cu_per_hour')
    CONVERSIONS = {'cloud': clouds.by_id}
