"""What the models share: attributes copied from an answer, plus conversions of some of them."""


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
        setattr(cls, field, property(lambda self, _field=field: getattr(self, '_' + _field)))
    return cls
