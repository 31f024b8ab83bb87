"""The simulator's parts, built once and shared by the API layer, the scheduler and the CLI."""

import secrets

from puddle_simulator.accounts import Accounts
from puddle_simulator.auth import TokenService
from puddle_simulator.catalogue import Catalogue
from puddle_simulator.connections import ConnectionRegistry
from puddle_simulator.counters import RequestCounter
from puddle_simulator.faults import Faults
from puddle_simulator.puddle_api import CHANGING_ROUTES
from puddle_simulator.request_log import DEFAULT_SIZE, RequestLog
from puddle_simulator.scheduler import Scheduler
from puddle_simulator.store import Store
from puddle_simulator.systems import SystemService
from puddle_simulator.timeutil import now
from puddle_simulator.timing import Timing


class Simulator:
    def __init__(
        self,
        db_path,
        catalogue=None,
        accounts=None,
        timing=None,
        faults=None,
        token_ttl_seconds=3600,
        control_token=None,
        clock=now,
        request_log_size=DEFAULT_SIZE,
    ):
        self.catalogue = catalogue or Catalogue()
        self.accounts = accounts or Accounts()
        self.timing = timing or Timing()
        self.faults = faults or Faults()
        self.control_token = control_token or secrets.token_urlsafe(24)
        self.store = Store(db_path)
        self.counter = RequestCounter()
        self.request_log = RequestLog(request_log_size, changing_methods=CHANGING_ROUTES, clock=clock)
        self.connections = ConnectionRegistry()
        self.tokens = TokenService(self.store, self.accounts, token_ttl_seconds, clock)
        self.systems = SystemService(self.store, self.catalogue, self.timing, self.faults, clock)
        self.scheduler = Scheduler(self.systems.advance, clock)
        self.systems.on_schedule_change = self.scheduler.wake
