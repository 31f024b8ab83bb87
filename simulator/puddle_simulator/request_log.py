"""The request log of the control API (docs/api.md §8): who did what, in order, bounded in memory.

Recording is an object and a deque append per puddle.v2 call; the entries are rendered only when
the control API reads them. Secrets and tokens are never kept: a token is known by its token id,
a one-way digest prefix.
"""

import collections
import hashlib
import itertools
import threading

from puddle_simulator.timeutil import now

# Entries kept; the oldest are overwritten first.
DEFAULT_SIZE = 10000
MAX_SIZE = 1000000
TOKEN_ID_LENGTH = 16
# Where the fault-injection middleware leaves a call's entry in its ASGI scope for the endpoint.
SCOPE_KEY = "puddle.request_log_entry"


def token_id(token):
    """A stable, non-reversible name of a token (a prefix of its SHA-256, as the store hashes it)."""
    if not token:
        return None
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()[:TOKEN_ID_LENGTH]


class Entry:
    __slots__ = ("seq", "time", "method", "user", "key_id", "token_id", "system_id", "name", "committed", "error",
                 "fault", "answer")

    def __init__(self, seq, moment, method, token):
        self.seq = seq
        self.time = moment
        self.method = method
        self.user = None
        self.key_id = None
        self.token_id = token_id(token)
        self.system_id = None
        self.name = None
        self.committed = False
        self.error = None
        self.fault = None
        self.answer = "pending"

    def as_dict(self, changing_methods):
        return {
            "seq": self.seq,
            "time": self.time,
            "method": self.method,
            "changing": self.method in changing_methods,
            "user": self.user,
            "key_id": self.key_id,
            "token_id": self.token_id,
            "system_id": self.system_id,
            "name": self.name,
            "committed": self.committed,
            "error": self.error,
            "fault": self.fault,
            "answer": self.answer,
        }


def record_principal(entry, principal):
    """The user (and the key its token was issued for) of an authenticated call."""
    if entry is not None and principal is not None:
        entry.user = principal.id
        entry.key_id = principal.api_key_id


def record_request(entry, request):
    """The system id or name a valid request names."""
    if entry is not None:
        entry.system_id = getattr(request, "id", None)
        entry.name = getattr(request, "name", None)


def record_result(entry, request, result):
    """A call the server carried out: which system it touched (a created or found one too)."""
    if entry is None:
        return
    system = result.get("system") if isinstance(result, dict) else None
    if isinstance(system, dict):
        entry.system_id = system.get("id")
    if isinstance(result, dict) and isinstance(result.get("user"), dict):
        # Login: the user it authenticated, the key id it was given, the token it issued.
        entry.user = result["user"].get("id")
        entry.key_id = getattr(request, "api_key_id", None)
        entry.token_id = token_id(result.get("token"))
    entry.committed = True


class RequestLog:
    def __init__(self, size=DEFAULT_SIZE, changing_methods=(), clock=now):
        self.size = size
        self.changing_methods = frozenset(changing_methods)
        self._clock = clock
        self._lock = threading.Lock()
        self._entries = collections.deque(maxlen=size)
        self._sequence = itertools.count(1)
        self._overwritten = 0

    def begin(self, method, token):
        """A new entry for a call that just arrived; the caller fills it in as the call proceeds."""
        with self._lock:
            entry = Entry(next(self._sequence), self._clock(), method, token)
            if len(self._entries) == self.size:
                self._overwritten += 1
            self._entries.append(entry)
        return entry

    def read(self, after_seq=0):
        with self._lock:
            entries = [entry for entry in self._entries if entry.seq > after_seq]
            overwritten = self._overwritten
        return {
            "entries": [entry.as_dict(self.changing_methods) for entry in entries],
            "size": self.size,
            "overwritten": overwritten,
        }

    def clear(self):
        with self._lock:
            self._entries.clear()
            self._overwritten = 0
