"""Tag: a tag defined by the administrators."""

from puddle.client.models._base import Model, with_properties


@with_properties
class Tag(Model):

    class TagStatus(object):
        ACTIVE = 'active'
        DISABLED = 'disabled'

    FIELDS = ('name', 'label', 'required', 'default_value', 'status')
