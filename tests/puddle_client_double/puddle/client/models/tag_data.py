"""TagData: the value of one tag on a system."""

from puddle.client.models._base import peek, with_properties


@with_properties
class TagData(object):

    FIELDS = ('name', 'value')

    def __init__(self, name, value):
        self._name = name
        self._value = value

    @classmethod
    def from_wire(cls, data):
        return cls(data.get('name'), data.get('value'))

    def __eq__(self, other):
        return isinstance(other, TagData) and (peek(other, 'name'), peek(other, 'value')) == (self._name, self._value)

    def __repr__(self):
        return 'TagData({0!r}, {1!r})'.format(self._name, self._value)
