"""The system state machine of docs/api.md §3, as data: statuses, actions, automatic transitions."""

STABLE_STATUSES = ("started", "stopped", "failed")
TRANSITIONAL_STATUSES = ("provisioning", "starting", "stopping", "restarting", "terminating")
ALL_STATUSES = TRANSITIONAL_STATUSES + STABLE_STATUSES + ("terminated",)

# Statuses in which a system takes its cu_per_hour from the pool.
CU_CONSUMING_STATUSES = ("provisioning", "starting", "started", "restarting", "stopping")

# (vm_status, product_status) that go with each overall status.
SUB_STATUSES = {
    "provisioning": ("provisioning", "none"),
    "starting": ("starting", "starting"),
    "started": ("running", "running"),
    "stopping": ("stopping", "stopping"),
    "stopped": ("stopped", "stopped"),
    "restarting": ("running", "restarting"),
    "failed": ("failed", "failed"),
    "terminating": ("terminating", "none"),
    "terminated": ("terminated", "none"),
}

# The status a transitional status turns into by itself once its duration has passed.
NEXT_STATUS = {
    "provisioning": "started",
    "starting": "started",
    "stopping": "stopped",
    "restarting": "started",
    "terminating": "terminated",
}

# Which fault knob may turn the automatic transition out of a status into `failed`.
FAILURE_KNOB = {"provisioning": "provisioning_failure_rate", "starting": "start_failure_rate"}


class Action:
    def __init__(self, name, allowed_from, leads_to=None, flag=None):
        self.name = name
        self.allowed_from = allowed_from
        self.leads_to = leads_to
        self.flag = flag or "can_" + name

    def allowed(self, status, product):
        if self.name == "update_config_toml" and product != "dai":
            return False
        return status in self.allowed_from


ACTIONS = {
    action.name: action
    for action in (
        Action("start", ("stopped",), "starting"),
        Action("stop", ("started", "failed"), "stopping"),
        Action("restart", ("started",), "restarting"),
        Action("fail", ("provisioning", "stopping"), "failed"),
        Action("terminate", ("started", "stopped", "failed"), "terminating"),
        Action("refresh_idle_timeout", ("started",)),
        Action("update_config_toml", ("started",)),
    )
}

# Actions whose new status takes CU from the pool that the system did not hold before.
CU_CHECKED_ACTIONS = ("start",)


def capability_flags(status, product):
    return {action.flag: action.allowed(status, product) for action in ACTIONS.values()}
