"""TagData: the value of one tag on a system."""


class TagData(object):

    def __init__(self, name, value):
        self.name = name
        self.value = value

    @classmethod
    def from_wire(cls, data):
        return cls(data.get('name'), data.get('value'))

    def __eq__(self, other):
        return isinstance(other, TagData) and (other.name, other.value) == (self.name, self.value)

    def __repr__(self):
        return 'TagData({0!r}, {1!r})'.format(self.name, self.value)
