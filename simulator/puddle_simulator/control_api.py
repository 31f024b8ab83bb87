"""puddle.sim.v1.Control (docs/api.md §8): test hooks, guarded by the control token."""

import hmac

from puddle_simulator import errors
from puddle_simulator import models as m
from puddle_simulator.twirp import Method, Package
from puddle_simulator.views import system_view

PACKAGE = "puddle.sim.v1"
TOKEN_HEADER = "X-Simulator-Control-Token"


def _given(request):
    """The fields a Set* request actually carries."""
    return {key: value for key, value in request.model_dump().items() if value is not None}


def build_package(sim):
    def authorise(headers):
        token = headers.get(TOKEN_HEADER)
        if not token:
            raise errors.unauthenticated("missing_token", "the %s header is missing" % TOKEN_HEADER)
        if not hmac.compare_digest(token.encode("utf-8", "replace"), sim.control_token.encode("utf-8")):
            raise errors.unauthenticated("invalid_token", "wrong control token")
        return "control"

    def get_request_counts(call):
        counts, total = sim.counter.snapshot()
        return {"counts": counts, "total": total}

    def reset_request_counts(call):
        sim.counter.reset()
        return {}

    def get_request_log(call):
        return sim.request_log.read(call.request.after_seq)

    def clear_request_log(call):
        sim.request_log.clear()
        return {}

    def get_faults(call):
        return sim.faults.as_dict()

    def set_faults(call):
        sim.faults.update(_given(call.request))
        return sim.faults.as_dict()

    def set_timing(call):
        sim.timing.update(_given(call.request))
        sim.scheduler.wake()
        return sim.timing.as_dict()

    def force_system_status(call):
        request = call.request
        record = sim.systems.force_status(request.system_id, request.status, request.hold_seconds)
        return {"system": system_view(record, call.base_url)}

    def list_all_systems(call):
        return {"systems": [system_view(record, call.base_url) for record in sim.systems.all_systems()]}

    def set_cu_pool(call):
        available, consumed = sim.systems.set_cu_pool(call.request.size)
        return {"available_cu": available, "consumed_cu": consumed}

    methods = (
        Method("Control", "GetRequestCounts", m.EmptyRequest, m.RequestCountsResponse, get_request_counts),
        Method("Control", "ResetRequestCounts", m.EmptyRequest, m.EmptyResponse, reset_request_counts),
        Method("Control", "GetRequestLog", m.RequestLogRequest, m.RequestLogResponse, get_request_log),
        Method("Control", "ClearRequestLog", m.EmptyRequest, m.EmptyResponse, clear_request_log),
        Method("Control", "GetFaults", m.EmptyRequest, m.FaultKnobs, get_faults),
        Method("Control", "SetFaults", m.FaultKnobsRequest, m.FaultKnobs, set_faults),
        Method("Control", "SetTiming", m.TimingRequest, m.TimingValues, set_timing),
        Method("Control", "ForceSystemStatus", m.ForceSystemStatusRequest, m.SystemResponse, force_system_status),
        Method("Control", "ListAllSystems", m.EmptyRequest, m.SystemsResponse, list_all_systems),
        Method("Control", "SetCUPool", m.SetCUPoolRequest, m.CUPoolResponse, set_cu_pool),
    )
    return Package(PACKAGE, methods, authorise, TOKEN_HEADER)
