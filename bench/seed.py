"""Write a simulator database holding N systems, and the users owning them, before the simulator starts.

Loaded directly through the simulator's own store (simulator/puddle_simulator/store.py), so the
rows are exactly what the simulator writes; creating thousands of systems through the API would
only measure the seeding.
"""

from __future__ import annotations

import time

CLIENT_SYSTEMS = 5
BACKGROUND_USERS = 84
IDLE_INTERVAL_MINUTES = 240
TAGS = [{"name": "cost-center", "value": "rnd"}, {"name": "project", "value": "bench"}]
# Statuses of the systems of users that no client logs in as, in proportion.
BACKGROUND_STATUSES = ("started",) * 10 + ("stopped",) * 7 + ("terminated",) * 3


def client_credentials(index):
    return "bench-key-%02d" % index, "bench-secret-%02d" % index


def write_users(path, clients):
    """clients users the load logs in as, then the background users; returns the client users' ids."""
    lines = ["---", "users:"]
    ids = []
    for index in range(clients):
        key_id, secret = client_credentials(index)
        lines += ["  - name: bench%02d" % index, "    api_key_id: %s" % key_id, "    api_secret_key: %s" % secret]
        ids.append("user-bench%02d" % index)
    for index in range(BACKGROUND_USERS):
        lines += ["  - name: background%02d" % index, "    api_key_id: background-key-%02d" % index,
                  "    api_secret_key: background-secret-%02d" % index]
    with open(path, "w", encoding="utf-8") as stream:
        stream.write("\n".join(lines) + "\n")
    return ids


def seed(db_path, users_path, total, clients, minute_seconds=60.0):
    """Systems: CLIENT_SYSTEMS per client user (started or stopped), the rest spread over background users.

    Returns {client user id: [system dicts (id, name, status)]}.
    """
    from puddle_simulator.lifecycle import SUB_STATUSES  # pylint: disable=import-error,import-outside-toplevel
    from puddle_simulator.store import Store, SystemRecord  # pylint: disable=import-error,import-outside-toplevel

    client_ids = write_users(users_path, clients)
    background_ids = ["user-background%02d" % index for index in range(BACKGROUND_USERS)]
    now = time.time()
    owned = dict((user_id, []) for user_id in client_ids)
    store = Store(db_path)
    with store.transaction() as tx:
        for seq in range(total):
            if seq < clients * CLIENT_SYSTEMS:
                owner = client_ids[seq % clients]
                status = ("started", "stopped")[(seq // clients) % 2]
            else:
                owner = background_ids[seq % BACKGROUND_USERS]
                status = BACKGROUND_STATUSES[seq % len(BACKGROUND_STATUSES)]
            vm_status, product_status = SUB_STATUSES[status]
            record = SystemRecord(
                id="sys-seed%012x" % seq, owner=owner, name="seed-%05d" % seq, cloud="aws", status=status,
                vm_status=vm_status, product_status=product_status, config_toml_status="none", product="dai",
                version="1.11.1", image_id="aws-dai-1.11.1", image_name="Driverless AI 1.11.1", instance_type="m5.xlarge",
                instance_type_id="aws-m5.xlarge", cu_per_hour=2, disk_size_gb=256, idle_interval=IDLE_INTERVAL_MINUTES,
                idle_deadline=now + IDLE_INTERVAL_MINUTES * minute_seconds if status == "started" else None,
                tags=[dict(tag) for tag in TAGS], address=None if status == "terminated" else "10.9.%d.%d" % (seq >> 8 & 255, seq & 255),
                created=now, updated=now, terminated_at=now if status == "terminated" else None)
            tx.insert(record)
            if owner in owned:
                owned[owner].append({"id": record.id, "name": record.name, "status": status})
    store._local.connection.close()  # pylint: disable=protected-access  # the simulator process opens it next
    return owned
