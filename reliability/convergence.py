"""Checking what the modules reported against what the simulator holds."""

import collections

from reliability.suite import failure_of

SYSTEM_ACTION = "puddle.cloud.puddle_system"
# Statuses that satisfy a declared state.
READY_STATUSES = {
    "started": ("started",),
    "stopped": ("stopped",),
    "present": ("started", "stopped"),
    "restarted": ("started",),
    "absent": (),
}
# Failure codes a module reports when it gave up on retryable errors.
GIVE_UP_CODES = ("transport", "unavailable", "resource_exhausted", "timeout")


def live_by_name(systems, owner=None):
    """name -> [non-terminated systems of that name] (of one owner when given)."""
    grouped = collections.defaultdict(list)
    for system in systems:
        if system["status"] != "terminated" and (owner is None or system["owner"] == owner):
            grouped[system["name"]].append(system)
    return grouped


def duplicates(systems):
    """(owner, name) pairs held by more than one non-terminated system."""
    counts = collections.Counter((s["owner"], s["name"]) for s in systems if s["status"] != "terminated")
    return sorted(key for key, count in counts.items() if count > 1)


def unconverged_ok_results(records, systems):
    """Waited-for module results that reported success for a system not in its declared state.

    Each such record is compared with the simulator's listing taken after the run: the status
    the task returned and the simulator's status of that system id must both be ready for the
    declared state (for absent: no live system of that name).
    """
    by_id = {system["id"]: system for system in systems}
    live = live_by_name(systems)
    problems = []
    for record in records:
        if record["outcome"] != "ok":
            continue
        declared = record["result"]["item"]
        state = declared.get("state", "started")
        returned = record["result"].get("system")
        if state == "absent":
            if returned is not None or live.get(declared["name"]):
                problems.append((declared["name"], state, "still exists"))
            continue
        actual = by_id.get((returned or {}).get("id"), {})
        ready = READY_STATUSES[state]
        if (returned or {}).get("status") not in ready or actual.get("status") not in ready:
            problems.append((declared["name"], state, "returned %s, simulator %s" % (
                (returned or {}).get("status"), actual.get("status"))))
    return problems


def phantom_results(records, systems):
    """Results (waited for or not) naming a system id the simulator does not have under that name."""
    by_id = {system["id"]: system for system in systems}
    problems = []
    for record in records:
        returned = record["result"].get("system")
        if record["outcome"] != "ok" or not returned or not returned.get("id"):
            continue
        actual = by_id.get(returned["id"])
        if actual is None or actual["name"] != record["result"]["item"]["name"]:
            problems.append((record["result"]["item"]["name"], returned["id"]))
    return problems


def failure_codes(records):
    return collections.Counter(failure_of(record).get("code") for record in records if record["outcome"] == "failed")


def give_ups(records):
    """Failed results whose cause is retryable errors the client stopped retrying."""
    return [record for record in records
            if record["outcome"] == "failed" and failure_of(record).get("code") in GIVE_UP_CODES]
