"""What the models share: attributes copied from an answer, plus conversions of some of them."""

import os

# The attributes the models of this double leave out, as Class.attribute (System.tags, TagData.value...): a
# client whose models have no such attribute (hasattr is false), as docs/api.md section 10 allows. Read from
# PUDDLE_CLIENT_DOUBLE_WITHOUT (names separated by commas or spaces); a test may replace the set.
WITHOUT = set(os.environ.get('PUDDLE_CLIENT_DOUBLE_WITHOUT', '').replace(',', ' ').split())


def lacks(model, field):
    """Whether the model leaves out this attribute (see WITHOUT)."""
    return '{0}.{1}'.format(type(model).__name__, field) in WITHOUT


def peek(model, field):
    """The double's own reading of a field, whether or not the model shows it as an attribute."""
    private = '_' + field
    return getattr(model, private) if hasattr(model, private) else getattr(model, field)


def _getter(field):
    def get(self):
        if lacks(self, field):
            raise AttributeError('{0} has no attribute {1!r}'.format(type(self).__name__, field))
        return getattr(self, '_' + field)
    return get


class Model(object):
    """A read-only view of one object of an answer; FIELDS names its attributes."""

    FIELDS = ()
    CONVERSIONS = {}

    def __init__(self, **values):
        for field in self.FIELDS:
            setattr(self, '_' + field, values.get(field))

    @classmethod
    def from_wire(cls, data):
        if data is None:
            return None
        values = {}
        for field in cls.FIELDS:
            value = data.get(field)
            conversion = cls.CONVERSIONS.get(field)
            values[field] = conversion(value) if conversion is not None and value is not None else value
        return cls(**values)

    def __repr__(self):
        return '{0}({1})'.format(type(self).__name__, ', '.join(
            '{0}={1!r}'.format(field, getattr(self, '_' + field)) for field in self.FIELDS[:3]))


def with_properties(cls):
    """Adds a read-only property per field of cls.FIELDS."""
    for field in cls.FIELDS:
        setattr(cls, field, property(_getter(field)))
    return cls
