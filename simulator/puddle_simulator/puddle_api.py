"""The puddle.v2 methods of docs/api.md §2, each a thin handler over the services."""

from puddle_simulator import models as m
from puddle_simulator.timeutil import rfc3339
from puddle_simulator.twirp import Method, Package
from puddle_simulator.views import config_toml_view, consumption_view, system_view

PACKAGE = "puddle.v2"
TOKEN_HEADER = "X-Puddle-Token"

# RPC name -> the action of lifecycle.ACTIONS it performs.
SYSTEM_ACTIONS = {
    "StartSystem": "start",
    "StopSystem": "stop",
    "RestartSystem": "restart",
    "FailSystem": "fail",
    "TerminateSystem": "terminate",
    "RefreshIdleTimeout": "refresh_idle_timeout",
}

# Methods that change a system (the request log marks their entries `changing`).
CHANGING_ROUTES = frozenset(
    ["SystemService/CreateSystem", "SystemService/UpdateConfigToml"] + ["SystemService/" + rpc for rpc in SYSTEM_ACTIONS]
)


def build_package(sim):
    def login(call):
        token, expires_at, user = sim.tokens.login(call.request.api_key_id, call.request.api_secret_key)
        return {"token": token, "expires_at": rfc3339(expires_at), "user": user.public()}

    def logout(call):
        sim.tokens.logout(call.token)
        return {}

    def list_images(call):
        return {"images": [image.as_dict() for image in sim.catalogue.images_of(call.request.cloud)]}

    def list_instance_types(call):
        return {"instance_types": [t.as_dict() for t in sim.catalogue.instance_types_of(call.request.cloud)]}

    def list_tags(call):
        return {"tags": [tag.as_dict() for tag in sim.catalogue.tags]}

    def one_system(record, call):
        return {"system": system_view(record, call.base_url)}

    def create_system(call):
        return one_system(sim.systems.create(call.principal, (call.request, call.resolved)), call)

    def get_system(call):
        return one_system(sim.systems.get(call.principal, call.request.id), call)

    def find_system_by_name(call):
        record = sim.systems.find_by_name(call.principal, call.request.name)
        return {"system": None if record is None else system_view(record, call.base_url)}

    def list_systems(call):
        return {"systems": [system_view(record, call.base_url) for record in sim.systems.list(call.principal)]}

    def action_handler(action):
        def handle(call):
            return one_system(sim.systems.act(call.principal, call.request.id, action), call)

        return handle

    def update_config_toml(call):
        return one_system(
            sim.systems.update_config_toml(call.principal, call.request.id, call.request.config_toml), call
        )

    def get_config_toml(call):
        return config_toml_view(sim.systems.config_toml(call.principal, call.request.id))

    def get_cu_consumption_info(call):
        available, consumed, records = sim.systems.cu_consumption(call.principal)
        return {
            "available_cu": available,
            "consumed_cu": consumed,
            "systems_consumption_info": [consumption_view(record) for record in records],
        }

    methods = [
        Method("AuthService", "Login", m.LoginRequest, m.LoginResponse, login, authenticated=False),
        Method("AuthService", "Logout", m.EmptyRequest, m.EmptyResponse, logout),
        Method("ImageService", "ListAvailableImages", m.CloudRequest, m.ImagesResponse, list_images),
        Method(
            "InstanceTypeService",
            "ListAvailableInstanceTypes",
            m.CloudRequest,
            m.InstanceTypesResponse,
            list_instance_types,
        ),
        Method("TagService", "ListTags", m.EmptyRequest, m.TagsResponse, list_tags),
        Method("SystemService", "CreateSystem", m.CreateSystemRequest, m.SystemResponse, create_system),
        Method("SystemService", "GetSystem", m.SystemIdRequest, m.SystemResponse, get_system),
        Method("SystemService", "FindSystemByName", m.SystemNameRequest, m.OptionalSystemResponse, find_system_by_name),
        Method("SystemService", "ListSystems", m.EmptyRequest, m.SystemsResponse, list_systems),
    ]
    methods += [
        Method("SystemService", rpc, m.SystemIdRequest, m.SystemResponse, action_handler(action))
        for rpc, action in SYSTEM_ACTIONS.items()
    ]
    methods += [
        Method("SystemService", "UpdateConfigToml", m.UpdateConfigTomlRequest, m.SystemResponse, update_config_toml),
        Method("SystemService", "GetConfigToml", m.SystemIdRequest, m.ConfigTomlResponse, get_config_toml),
        Method(
            "SystemService",
            "GetCUConsumptionInfo",
            m.EmptyRequest,
            m.CUConsumptionInfoResponse,
            get_cu_consumption_info,
        ),
    ]
    return Package(
        PACKAGE, tuple(methods), lambda headers: sim.tokens.user_for(headers.get(TOKEN_HEADER)), TOKEN_HEADER
    )
