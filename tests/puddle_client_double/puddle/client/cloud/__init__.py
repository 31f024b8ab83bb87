"""Cloud providers."""


class CloudProvider(object):
    """A cloud Puddle runs systems on: display_name (e.g. "Microsoft Azure") and id (e.g. "azure")."""

    def __init__(self, display_name, cloud_id):
        self._display_name = display_name
        self._id = cloud_id

    @property
    def display_name(self):
        return self._display_name

    @property
    def id(self):
        return self._id

    def __eq__(self, other):
        return isinstance(other, CloudProvider) and other.id == self.id

    def __hash__(self):
        return hash(self._id)

    def __repr__(self):
        return 'CloudProvider({0!r}, {1!r})'.format(self._display_name, self._id)
