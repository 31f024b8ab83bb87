"""Image: a product version a system can be created from."""

from puddle.client.cloud import clouds
from puddle.client.models._base import Model, with_properties
from puddle.client.product import products


@with_properties
class Image(Model):

    class Status(object):
        ACTIVE = 'active'
        DEPRECATED = 'deprecated'
        CREATING = 'creating'
        FAILED = 'failed'

    ALL_STATES = (Status.ACTIVE, Status.DEPRECATED, Status.CREATING, Status.FAILED)
    FIELDS = ('id', 'name', 'cloud', 'product', 'version', 'status')
    CONVERSIONS = {'cloud': clouds.by_id, 'product': products.by_id}
