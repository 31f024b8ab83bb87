"""All durable state in one SQLite file: systems, tokens, settings.

Every request runs in one transaction on its thread's own connection; writers take the
database lock up front (BEGIN IMMEDIATE) so check-then-write steps such as name uniqueness
and the CU pool are atomic across concurrent requests.
"""

import contextlib
import dataclasses
import json
import sqlite3
import threading
from typing import Optional

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS systems (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    owner TEXT NOT NULL,
    name TEXT NOT NULL,
    cloud TEXT NOT NULL,
    status TEXT NOT NULL,
    vm_status TEXT NOT NULL,
    product_status TEXT NOT NULL,
    config_toml_status TEXT NOT NULL,
    product TEXT NOT NULL,
    version TEXT NOT NULL,
    image_id TEXT NOT NULL,
    image_name TEXT NOT NULL,
    instance_type TEXT NOT NULL,
    instance_type_id TEXT NOT NULL,
    cu_per_hour INTEGER NOT NULL,
    disk_size_gb INTEGER NOT NULL,
    idle_interval INTEGER NOT NULL,
    idle_deadline REAL,
    tags TEXT NOT NULL,
    address TEXT,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    failure_reason TEXT,
    config_toml TEXT NOT NULL,
    applied_config_toml TEXT NOT NULL,
    transition_due REAL,
    config_upload_due REAL,
    hold_until REAL,
    terminated_at REAL
);
CREATE INDEX IF NOT EXISTS systems_by_owner_name_status ON systems (owner, name, status);
CREATE UNIQUE INDEX IF NOT EXISTS systems_live_name_unique ON systems (owner, name) WHERE status != 'terminated';
CREATE INDEX IF NOT EXISTS systems_by_transition_due ON systems (transition_due) WHERE transition_due IS NOT NULL;
CREATE INDEX IF NOT EXISTS systems_by_upload_due ON systems (config_upload_due) WHERE config_upload_due IS NOT NULL;
CREATE INDEX IF NOT EXISTS systems_by_idle_deadline ON systems (idle_deadline) WHERE idle_deadline IS NOT NULL;
CREATE INDEX IF NOT EXISTS systems_by_status ON systems (status);
-- The scheduler's step (idle deadlines, next due time) after every write, and the CU sums of
-- CreateSystem, StartSystem and GetCUConsumptionInfo, read these columns of every started
-- system: from the index alone, and the idle deadlines that passed by a range.
CREATE INDEX IF NOT EXISTS systems_by_status_idle ON systems (status, idle_deadline, hold_until);
CREATE INDEX IF NOT EXISTS systems_by_status_cu ON systems (status, cu_per_hour);
CREATE TABLE IF NOT EXISTS tokens (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    expires_at REAL NOT NULL
);
-- Every login deletes the tokens that expired long ago: without this index that reads them all.
CREATE INDEX IF NOT EXISTS tokens_by_expiry ON tokens (expires_at);
CREATE TABLE IF NOT EXISTS settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


@dataclasses.dataclass
class SystemRecord:
    id: str
    owner: str
    name: str
    cloud: str
    status: str
    vm_status: str
    product_status: str
    config_toml_status: str
    product: str
    version: str
    image_id: str
    image_name: str
    instance_type: str
    instance_type_id: str
    cu_per_hour: int
    disk_size_gb: int
    idle_interval: int
    idle_deadline: Optional[float]
    tags: list  # [{"name", "value"}] sorted by name
    address: Optional[str]
    created: float
    updated: float
    failure_reason: Optional[str] = None
    config_toml: str = ""
    applied_config_toml: str = ""
    transition_due: Optional[float] = None
    config_upload_due: Optional[float] = None
    hold_until: Optional[float] = None
    terminated_at: Optional[float] = None
    seq: Optional[int] = None

    @classmethod
    def from_row(cls, row):
        values = dict(row)
        values["tags"] = json.loads(values["tags"])
        return cls(**values)

    def columns(self):
        values = dataclasses.asdict(self)
        values.pop("seq")
        values["tags"] = json.dumps(self.tags)
        return values


_COLUMNS = [field.name for field in dataclasses.fields(SystemRecord) if field.name != "seq"]
_INSERT_SYSTEM = "INSERT INTO systems (%s) VALUES (%s)" % (", ".join(_COLUMNS), ", ".join(":" + c for c in _COLUMNS))
_UPDATE_SYSTEM = "UPDATE systems SET %s WHERE id = :id" % ", ".join("%s = :%s" % (c, c) for c in _COLUMNS if c != "id")


class Transaction:
    """The queries of one transaction; rows come back as SystemRecord."""

    def __init__(self, connection):
        self._db = connection

    def _systems(self, where, params=()):
        return [SystemRecord.from_row(row) for row in self._db.execute("SELECT * FROM systems " + where, params)]

    def system(self, system_id):
        found = self._systems("WHERE id = ?", (system_id,))
        return found[0] if found else None

    def live_system_by_name(self, owner, name):
        found = self._systems("WHERE owner = ? AND name = ? AND status != 'terminated'", (owner, name))
        return found[0] if found else None

    def live_systems_of(self, owner):
        return self._systems("WHERE owner = ? AND status != 'terminated' ORDER BY seq", (owner,))

    def all_systems(self):
        return self._systems("ORDER BY seq")

    def systems_in(self, statuses, owner=None):
        marks = ", ".join("?" for _status in statuses)
        if owner is None:
            return self._systems("WHERE status IN (%s) ORDER BY seq" % marks, tuple(statuses))
        return self._systems("WHERE owner = ? AND status IN (%s) ORDER BY seq" % marks, (owner,) + tuple(statuses))

    def cu_consumed(self, statuses):
        marks = ", ".join("?" for _status in statuses)
        row = self._db.execute(
            "SELECT COALESCE(SUM(cu_per_hour), 0) FROM systems WHERE status IN (%s)" % marks, tuple(statuses)
        )
        return int(row.fetchone()[0])

    def insert(self, record):
        self._db.execute(_INSERT_SYSTEM, record.columns())

    def save(self, record):
        self._db.execute(_UPDATE_SYSTEM, record.columns())

    def transitions_due(self, now):
        return self._systems("WHERE transition_due IS NOT NULL AND transition_due <= ? ORDER BY transition_due", (now,))

    def idle_deadlines_passed(self, now):
        return self._systems(
            "WHERE status = 'started' AND idle_deadline IS NOT NULL AND idle_deadline <= ?"
            " AND (hold_until IS NULL OR hold_until <= ?)",
            (now, now),
        )

    def config_uploads_due(self, now):
        return self._systems("WHERE config_upload_due IS NOT NULL AND config_upload_due <= ?", (now,))

    def next_due_time(self):
        """The earliest moment at which the scheduler has something to do, or None."""
        row = self._db.execute(
            "SELECT MIN(t) FROM ("
            " SELECT MIN(transition_due) AS t FROM systems WHERE transition_due IS NOT NULL"
            " UNION ALL SELECT MIN(config_upload_due) FROM systems WHERE config_upload_due IS NOT NULL"
            " UNION ALL SELECT MIN(MAX(idle_deadline, COALESCE(hold_until, 0))) FROM systems"
            "  WHERE status = 'started' AND idle_deadline IS NOT NULL)"
        ).fetchone()
        return row[0]

    def add_token(self, token_hash, user_id, expires_at):
        self._db.execute(
            "INSERT INTO tokens (token_hash, user_id, expires_at) VALUES (?, ?, ?)", (token_hash, user_id, expires_at)
        )

    def token(self, token_hash):
        row = self._db.execute("SELECT user_id, expires_at FROM tokens WHERE token_hash = ?", (token_hash,)).fetchone()
        return (row["user_id"], row["expires_at"]) if row else None

    def delete_token(self, token_hash):
        self._db.execute("DELETE FROM tokens WHERE token_hash = ?", (token_hash,))

    def delete_tokens_expired_before(self, moment):
        self._db.execute("DELETE FROM tokens WHERE expires_at < ?", (moment,))

    def setting(self, key):
        row = self._db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return json.loads(row["value"]) if row else None

    def set_setting(self, key, value):
        self._db.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (key, json.dumps(value)))


class Store:
    def __init__(self, path):
        self.path = path
        self._local = threading.local()
        connection = self._connection()
        connection.execute("PRAGMA journal_mode = WAL")
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        if version not in (0, SCHEMA_VERSION):
            raise RuntimeError("%s has schema version %d, this simulator knows %d" % (path, version, SCHEMA_VERSION))
        connection.executescript(SCHEMA)
        connection.execute("PRAGMA user_version = %d" % SCHEMA_VERSION)

    def _connection(self):
        connection = getattr(self._local, "connection", None)
        if connection is None:
            # isolation_level=None: we issue BEGIN/COMMIT ourselves.
            connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            connection.row_factory = sqlite3.Row
            connection.execute("PRAGMA synchronous = NORMAL")
            connection.execute("PRAGMA busy_timeout = 30000")
            self._local.connection = connection
        return connection

    @contextlib.contextmanager
    def transaction(self, write=True):
        connection = self._connection()
        connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            yield Transaction(connection)
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
