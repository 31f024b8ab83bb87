"""Users who may log in, from YAML or built in."""

import dataclasses
import hmac

from puddle_simulator.yamlfile import ConfigFileError, entries, load_mapping, require


@dataclasses.dataclass(frozen=True)
class User:
    id: str
    name: str
    email: str
    api_key_id: str
    api_secret_key: str = dataclasses.field(repr=False)

    def public(self):
        return {"id": self.id, "name": self.name, "email": self.email}


DEFAULT_USERS = (
    User("user-demo", "demo", "demo@example.com", "demo-key-id", "demo-secret-key"),
    User("user-other", "other", "other@example.com", "other-key-id", "other-secret-key"),
)


class Accounts:
    def __init__(self, users=DEFAULT_USERS):
        self.users = tuple(users)
        self._by_key_id = {user.api_key_id: user for user in self.users}
        self._by_id = {user.id: user for user in self.users}

    def authenticate(self, api_key_id, api_secret_key):
        """The user owning this key pair, or None; compares secrets in constant time."""
        user = self._by_key_id.get(api_key_id)
        if user is None or not hmac.compare_digest(user.api_secret_key.encode(), api_secret_key.encode()):
            return None
        return user

    def by_id(self, user_id):
        return self._by_id.get(user_id)


def load_accounts(path=None):
    if path is None:
        return Accounts()
    data = load_mapping(path)
    raw_users = entries(data, "users", path)
    if not raw_users:
        raise ConfigFileError("%s: users must list at least one user" % path)
    users = []
    for index, entry in enumerate(raw_users):
        where = "%s: users[%d]" % (path, index)
        name = require(entry, "name", str, where)
        users.append(
            User(
                str(entry.get("id") or "user-%s" % name),
                name,
                str(entry.get("email") or "%s@example.com" % name),
                require(entry, "api_key_id", str, where),
                require(entry, "api_secret_key", str, where),
            )
        )
    for attribute in ("id", "api_key_id"):
        values = [getattr(user, attribute) for user in users]
        if len(set(values)) != len(values):
            raise ConfigFileError("%s: every user needs a distinct %s" % (path, attribute))
    return Accounts(users)
