"""puddle.client.auth.authorizer: logs in with an API key and holds the session token."""

import os

from puddle.client import _wire
from puddle.client.auth.base_authorizer import BaseAuthorizer
from puddle.client.models.login_user import LoginUser

PUDDLE_API_KEY_ID_ENV_VAR_NAME = 'PUDDLE_API_KEY_ID'
PUDDLE_API_SECRET_KEY_ENV_VAR_NAME = 'PUDDLE_API_SECRET_KEY'
# The spellings of client 1.7.11 (names are case-sensitive); both are read.
_OTHER_SPELLINGS = {PUDDLE_API_KEY_ID_ENV_VAR_NAME: 'PUDDLE_api_key_id',
                    PUDDLE_API_SECRET_KEY_ENV_VAR_NAME: 'PUDDLE_api_secret_key'}
PUDDLE_TOKEN_HEADER = 'X-Puddle-Token'
_RELOGIN_REASONS = ('token_expired', 'invalid_token')


class AuthError(Exception):
    """Authentication error."""


def _from_env(name):
    return os.environ.get(name) or os.environ.get(_OTHER_SPELLINGS[name])


class Authorizer(BaseAuthorizer):
    """Logs in to Puddle with an API key (arguments, else the environment) and keeps the token."""

    def __init__(self, server_address, request_hook=None, response_hook=None, api_key_id=None, api_secret_key=None):
        self._server_address = server_address
        self._request_hook = request_hook
        self._response_hook = response_hook
        self._api_key_id = api_key_id or _from_env(PUDDLE_API_KEY_ID_ENV_VAR_NAME)
        self._api_secret_key = api_secret_key or _from_env(PUDDLE_API_SECRET_KEY_ENV_VAR_NAME)
        if not (self._api_key_id and self._api_secret_key):
            raise ValueError('The API key id and secret key must be given, or set in the {0} and {1} environment '
                             'variables'.format(PUDDLE_API_KEY_ID_ENV_VAR_NAME, PUDDLE_API_SECRET_KEY_ENV_VAR_NAME))
        self._token = None
        self._user = None

    @property
    def server_address(self):
        return self._server_address

    @property
    def token(self):
        return self._token

    @property
    def user(self):
        return self._user

    def headers(self):
        headers = {'Content-Type': 'application/json', 'Accept': 'application/json'}
        if self._token:
            headers[PUDDLE_TOKEN_HEADER] = self._token
        return headers

    def login(self):
        try:
            answer = _wire.post(self._server_address, 'AuthService', 'Login',
                                {'api_key_id': self._api_key_id, 'api_secret_key': self._api_secret_key},
                                self.headers(), self._request_hook, self._response_hook)
        except _wire.WireError as error:
            raise AuthError(error.message) if error.code == 'unauthenticated' else error.exception()
        self._token = answer['token']
        self._user = LoginUser.from_wire(answer.get('user'))
        return answer

    def logout(self):
        if self._token:
            self.call('AuthService', 'Logout', {})
        self._token = None

    def call(self, service, method, body, server_address=None):
        """One RPC with the session token; logs in first, and again once when the token expired."""
        address = server_address or self._server_address
        logged_in_again = False
        while True:
            if not self._token:
                self.login()
            try:
                return _wire.post(address, service, method, body, self.headers(), self._request_hook,
                                  self._response_hook)
            except _wire.WireError as error:
                if error.code == 'unauthenticated' and error.meta.get('reason') in _RELOGIN_REASONS and not logged_in_again:
                    self._token = None
                    logged_in_again = True
                    continue
                if error.code in ('unauthenticated', 'permission_denied'):
                    raise AuthError(error.message)
                raise
