"""LoginUser: the logged-in user."""

from puddle.client.models._base import Model, with_properties


@with_properties
class LoginUser(Model):
    FIELDS = ('id', 'name', 'email')
