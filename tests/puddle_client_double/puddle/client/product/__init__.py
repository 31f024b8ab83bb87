"""Products."""


class Product(object):
    """A product a system runs: label (e.g. "Driverless AI") and id (e.g. "dai")."""

    def __init__(self, label, product_id):
        self._label = label
        self._id = product_id

    @property
    def label(self):
        return self._label

    @property
    def id(self):
        return self._id

    def __eq__(self, other):
        return isinstance(other, Product) and other.id == self.id

    def __hash__(self):
        return hash(self._id)

    def __repr__(self):
        return 'Product({0!r}, {1!r})'.format(self._label, self._id)
