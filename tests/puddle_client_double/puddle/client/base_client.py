"""The bases of the clients: the backend address and the authorizer."""

import os

from puddle.client import _wire
from puddle.client.auth.authorizer import Authorizer

SERVER_ADDRESS_ENV_VAR_NAME = 'PUDDLE_SERVER_ADDRESS'


class BasePuddleClient(object):
    """A client of one Puddle backend."""

    def __init__(self, server_address=None, authorizer=None):
        server_address = server_address or os.environ.get(SERVER_ADDRESS_ENV_VAR_NAME)
        if not server_address:
            raise ValueError('No Puddle server address: pass server_address or set {0}'.format(SERVER_ADDRESS_ENV_VAR_NAME))
        self._server_address = server_address
        self._authorizer = authorizer if authorizer is not None else Authorizer(server_address)

    @property
    def authorizer(self):
        return self._authorizer

    @property
    def server_address(self):
        return self._server_address

    @property
    def user(self):
        return self._authorizer.user

    def _call(self, service, method, body):
        try:
            return self._authorizer.call(service, method, body, self._server_address)
        except _wire.WireError as error:
            raise error.exception()


class BaseCloudClient(BasePuddleClient):
    """A client tied to one cloud provider."""

    def __init__(self, cloud, server_address=None, authorizer=None):
        super(BaseCloudClient, self).__init__(server_address, authorizer)
        self._cloud = cloud
