"""The base of the authorizers."""


class BaseAuthorizer(object):
    """What a client needs from an authorizer: the headers of a request and the logged-in user."""

    def headers(self):
        raise NotImplementedError
