"""What users and the scheduler do to systems; each operation is one SQLite transaction."""

import secrets
import sqlite3

from puddle_simulator import errors
from puddle_simulator.lifecycle import (
    ACTIONS,
    CU_CHECKED_ACTIONS,
    CU_CONSUMING_STATUSES,
    FAILURE_KNOB,
    NEXT_STATUS,
    SUB_STATUSES,
    TRANSITIONAL_STATUSES,
)
from puddle_simulator.store import SystemRecord
from puddle_simulator.timing import TERMINATED_RETENTION_MINUTES

CU_POOL_SETTING = "cu_pool"
FAILURE_REASONS = {
    "provisioning": "provisioning failed (injected fault)",
    "starting": "the product failed to start (injected fault)",
    "user": "marked as failed by the user",
    "control": "forced to failed through the simulator's control API",
}


def vm_address(seq):
    """A private address unique to the system, derived from its row number."""
    return "10.%d.%d.%d" % ((seq >> 16) & 255, (seq >> 8) & 255, seq & 255)


class SystemService:
    def __init__(self, store, catalogue, timing, faults, clock, on_schedule_change=lambda: None):
        self.store = store
        self.catalogue = catalogue
        self.timing = timing
        self.faults = faults
        self.clock = clock
        # Called after a change that may move the scheduler's next due time earlier.
        self.on_schedule_change = on_schedule_change

    # ---- shared steps

    def _enter(self, record, status, now, hold_seconds=0.0, failure_reason=None):
        """Put a system in `status` with everything that goes with it (sub-statuses, deadlines, address)."""
        record.status = status
        record.vm_status, record.product_status = SUB_STATUSES[status]
        record.updated = now
        record.hold_until = now + hold_seconds if hold_seconds else None
        record.transition_due = (
            now + hold_seconds + self.timing.seconds(status) if status in TRANSITIONAL_STATUSES else None
        )
        record.idle_deadline = now + self.timing.minutes(record.idle_interval) if status == "started" else None
        record.failure_reason = failure_reason if status == "failed" else None
        record.terminated_at = now if status == "terminated" else None
        if status == "started" and record.address is None:
            record.address = vm_address(record.seq)
        if status == "terminated":
            record.address = None

    def _pool_size(self, tx):
        stored = tx.setting(CU_POOL_SETTING)
        return self.catalogue.cu_pool if stored is None else stored

    def _cu_balance(self, tx):
        consumed = tx.cu_consumed(CU_CONSUMING_STATUSES)
        return self._pool_size(tx) - consumed, consumed

    def _require_cu(self, tx, required):
        available = self._cu_balance(tx)[0]
        if required > available:
            raise errors.cu_pool_short(required, available)

    def _visible(self, tx, user, system_id, now):
        """The user's system (terminated ones only within their retention), else not_found."""
        record = tx.system(system_id)
        if record is None or record.owner != user.id:
            raise errors.not_found()
        if record.status == "terminated" and now - record.terminated_at > self.timing.minutes(
            TERMINATED_RETENTION_MINUTES
        ):
            raise errors.not_found()
        return record

    # ---- user operations

    def create(self, user, validated):
        request, resolved = validated
        image, instance_type = resolved["image"], resolved["instance_type"]
        with self.store.transaction() as tx:
            now = self.clock()
            existing = tx.live_system_by_name(user.id, request.name)
            if existing is not None:
                raise errors.already_exists(request.name, existing.id)
            self._require_cu(tx, instance_type.cu_per_hour)
            record = SystemRecord(
                id="sys-" + secrets.token_hex(8),
                owner=user.id,
                name=request.name,
                cloud=request.cloud,
                status="provisioning",
                vm_status="none",
                product_status="none",
                config_toml_status="none",
                product=image.product,
                version=image.version,
                image_id=image.id,
                image_name=image.name,
                instance_type=instance_type.name,
                instance_type_id=instance_type.id,
                cu_per_hour=instance_type.cu_per_hour,
                disk_size_gb=request.disk_size_gb,
                idle_interval=request.idle_interval,
                idle_deadline=None,
                tags=resolved["tags"],
                address=None,
                created=now,
                updated=now,
            )
            self._enter(record, "provisioning", now)
            try:
                tx.insert(record)
            except sqlite3.IntegrityError:
                # The unique index is the last guard; the lookup above normally answers first.
                raise errors.already_exists(request.name, "") from None
            created = tx.system(record.id)
        self.on_schedule_change()
        return created

    def get(self, user, system_id):
        with self.store.transaction(write=False) as tx:
            return self._visible(tx, user, system_id, self.clock())

    def find_by_name(self, user, name):
        with self.store.transaction(write=False) as tx:
            return tx.live_system_by_name(user.id, name)

    def list(self, user):
        with self.store.transaction(write=False) as tx:
            return tx.live_systems_of(user.id)

    def act(self, user, system_id, action_name):
        """StartSystem, StopSystem, RestartSystem, FailSystem, TerminateSystem, RefreshIdleTimeout."""
        action = ACTIONS[action_name]
        with self.store.transaction() as tx:
            now = self.clock()
            record = self._visible(tx, user, system_id, now)
            if not action.allowed(record.status, record.product):
                raise errors.failed_precondition(record.status, action.name)
            if action.name in CU_CHECKED_ACTIONS:
                self._require_cu(tx, record.cu_per_hour)
            if action.leads_to is not None:
                self._enter(record, action.leads_to, now, failure_reason=FAILURE_REASONS["user"])
            elif action.name == "refresh_idle_timeout":
                record.idle_deadline = now + self.timing.minutes(record.idle_interval)
                record.updated = now
            tx.save(record)
        self.on_schedule_change()
        return record

    def update_config_toml(self, user, system_id, config_toml):
        with self.store.transaction() as tx:
            now = self.clock()
            record = self._visible(tx, user, system_id, now)
            if not ACTIONS["update_config_toml"].allowed(record.status, record.product):
                raise errors.failed_precondition(record.status, "update_config_toml")
            record.config_toml = config_toml
            record.config_toml_status = "uploading"
            record.config_upload_due = now + self.timing.seconds("config_upload")
            record.updated = now
            tx.save(record)
        self.on_schedule_change()
        return record

    def config_toml(self, user, system_id):
        with self.store.transaction(write=False) as tx:
            record = self._visible(tx, user, system_id, self.clock())
        if record.status == "terminated" or record.product != "dai":
            raise errors.failed_precondition(record.status, "get_config_toml")
        return record

    def cu_consumption(self, user):
        """(available_cu, consumed_cu, the user's systems that consume CU now)."""
        with self.store.transaction(write=False) as tx:
            available, consumed = self._cu_balance(tx)
            return available, consumed, tx.systems_in(CU_CONSUMING_STATUSES, owner=user.id)

    # ---- the scheduler's step

    def advance(self):
        """Carry out every transition that is due; return when the next one falls due (or None)."""
        with self.store.transaction() as tx:
            now = self.clock()
            for record in tx.transitions_due(now):
                self._finish_transition(record, now)
                tx.save(record)
            for record in tx.idle_deadlines_passed(now):
                self._enter(record, "stopping", now)
                tx.save(record)
            for record in tx.config_uploads_due(now):
                failed = self.faults.fires("config_upload_failure_rate")
                record.config_toml_status = "failed" if failed else "uploaded"
                record.config_upload_due = None
                record.updated = now
                tx.save(record)
            return tx.next_due_time()

    def _finish_transition(self, record, now):
        knob = FAILURE_KNOB.get(record.status)
        if knob is not None and self.faults.fires(knob):
            self._enter(record, "failed", now, failure_reason=FAILURE_REASONS[record.status])
            return
        if record.status == "restarting" and record.config_toml_status == "uploaded":
            record.applied_config_toml = record.config_toml
            record.config_toml_status = "applied"
        self._enter(record, NEXT_STATUS[record.status], now)

    # ---- control API

    def all_systems(self):
        with self.store.transaction(write=False) as tx:
            return tx.all_systems()

    def force_status(self, system_id, status, hold_seconds):
        with self.store.transaction() as tx:
            record = tx.system(system_id)
            if record is None:
                raise errors.not_found()
            self._enter(record, status, self.clock(), hold_seconds, failure_reason=FAILURE_REASONS["control"])
            try:
                tx.save(record)
            except sqlite3.IntegrityError:
                existing = tx.live_system_by_name(record.owner, record.name)
                raise errors.already_exists(record.name, existing.id if existing else "") from None
        self.on_schedule_change()
        return record

    def set_cu_pool(self, size):
        with self.store.transaction() as tx:
            tx.set_setting(CU_POOL_SETTING, size)
            return self._cu_balance(tx)

    def cu_balance(self):
        with self.store.transaction(write=False) as tx:
            return self._cu_balance(tx)

    def product_system(self, system_id):
        """The system behind a product URL, whoever owns it; None if there is none."""
        with self.store.transaction(write=False) as tx:
            return tx.system(system_id)
