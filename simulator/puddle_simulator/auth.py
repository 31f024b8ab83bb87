"""Login tokens: random, stored only as hashes, expiring after the configured TTL."""

import hashlib
import secrets

from puddle_simulator import errors

# Forget tokens this long after they expired (until then they answer `token_expired`).
EXPIRED_TOKEN_MEMORY_SECONDS = 24 * 3600


def _hash(token):
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


class TokenService:
    def __init__(self, store, accounts, ttl_seconds, clock):
        self.store = store
        self.accounts = accounts
        self.ttl_seconds = ttl_seconds
        self.clock = clock

    def login(self, api_key_id, api_secret_key):
        """(token, expires_at, user) for a valid key pair, else `unauthenticated`."""
        user = self.accounts.authenticate(api_key_id, api_secret_key)
        if user is None:
            raise errors.unauthenticated("invalid_credentials", "wrong API key id or secret")
        token = secrets.token_urlsafe(32)
        with self.store.transaction() as tx:
            now = self.clock()
            tx.delete_tokens_expired_before(now - EXPIRED_TOKEN_MEMORY_SECONDS)
            expires_at = now + self.ttl_seconds
            tx.add_token(_hash(token), user.id, expires_at)
        return token, expires_at, user

    def user_for(self, token):
        if not token:
            raise errors.unauthenticated("missing_token", "the X-Puddle-Token header is missing")
        with self.store.transaction(write=False) as tx:
            found = tx.token(_hash(token))
        if found is None or self.accounts.by_id(found[0]) is None:
            raise errors.unauthenticated("invalid_token", "the token is not valid; log in again")
        if found[1] <= self.clock():
            raise errors.unauthenticated("token_expired", "the token has expired; log in again")
        return self.accounts.by_id(found[0])

    def logout(self, token):
        with self.store.transaction() as tx:
            tx.delete_token(_hash(token))
