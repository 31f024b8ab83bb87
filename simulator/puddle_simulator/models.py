"""Pydantic shapes of every request and response; FastAPI renders them into /openapi.json.

Request models list their fields in the order docs/api.md validates them (validation.py walks
them in this order), and forbid unknown fields.
"""

from typing import Dict, List, Optional

from pydantic import BaseModel, ConfigDict, Field

from puddle_simulator.catalogue import CLOUDS, IMAGE_STATUSES, PRODUCTS, TAG_STATUSES
from puddle_simulator.lifecycle import ALL_STATUSES

TIMESTAMP = {"format": "date-time"}


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


# ---- objects (docs/api.md §3)


class User(BaseModel):
    id: str
    name: str
    email: str


class Image(BaseModel):
    id: str
    name: str
    cloud: str = Field(json_schema_extra={"enum": list(CLOUDS)})
    product: str = Field(json_schema_extra={"enum": list(PRODUCTS)})
    version: str
    status: str = Field(json_schema_extra={"enum": list(IMAGE_STATUSES)})


class InstanceType(BaseModel):
    id: str
    name: str
    cloud: str
    cpu: int
    memory_gb: int
    gpu: int
    cu_per_hour: int


class Tag(BaseModel):
    name: str
    label: str
    required: bool
    default_value: str
    status: str = Field(json_schema_extra={"enum": list(TAG_STATUSES)})


class TagData(RequestModel):
    name: str
    value: str


class System(BaseModel):
    id: str
    name: str
    owner: str
    cloud: str
    status: str = Field(json_schema_extra={"enum": list(ALL_STATUSES)})
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
    idle_deadline: Optional[str] = Field(json_schema_extra=TIMESTAMP)
    tags: List[TagData]
    address: Optional[str]
    url: Optional[str]
    created: str = Field(json_schema_extra=TIMESTAMP)
    updated: str = Field(json_schema_extra=TIMESTAMP)
    can_start: bool
    can_stop: bool
    can_restart: bool
    can_fail: bool
    can_terminate: bool
    can_refresh_idle_timeout: bool
    can_update_config_toml: bool
    failure_reason: Optional[str]


class SystemConsumptionInfo(BaseModel):
    system_id: str
    system_name: str
    status: str
    cu_per_hour: int


class TwirpErrorBody(BaseModel):
    code: str
    msg: str
    meta: Dict[str, str]


# ---- puddle.v2 requests


class LoginRequest(RequestModel):
    api_key_id: str
    api_secret_key: str


class EmptyRequest(RequestModel):
    pass


class CloudRequest(RequestModel):
    cloud: str = Field(json_schema_extra={"enum": list(CLOUDS)})


class CreateSystemRequest(RequestModel):
    name: str = Field(max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")
    cloud: str = Field(json_schema_extra={"enum": list(CLOUDS)})
    image_id: Optional[str] = None
    product: Optional[str] = Field(default=None, json_schema_extra={"enum": list(PRODUCTS)})
    version: Optional[str] = None
    instance_type_id: Optional[str] = None
    instance_type_name: Optional[str] = None
    disk_size_gb: int = Field(default=256, ge=256, le=1024)
    idle_interval: int = Field(default=60, ge=1, le=240)
    tags: List[TagData] = Field(default_factory=list)


class SystemIdRequest(RequestModel):
    id: str


class SystemNameRequest(RequestModel):
    name: str


class UpdateConfigTomlRequest(RequestModel):
    id: str
    config_toml: str


# ---- puddle.v2 responses


class EmptyResponse(BaseModel):
    pass


class LoginResponse(BaseModel):
    token: str
    expires_at: str = Field(json_schema_extra=TIMESTAMP)
    user: User


class ImagesResponse(BaseModel):
    images: List[Image]


class InstanceTypesResponse(BaseModel):
    instance_types: List[InstanceType]


class TagsResponse(BaseModel):
    tags: List[Tag]


class SystemResponse(BaseModel):
    system: System


class OptionalSystemResponse(BaseModel):
    system: Optional[System]


class SystemsResponse(BaseModel):
    systems: List[System]


class ConfigTomlResponse(BaseModel):
    config_toml: str
    applied_config_toml: str
    config_toml_status: str


class CUConsumptionInfoResponse(BaseModel):
    available_cu: int
    consumed_cu: int
    systems_consumption_info: List[SystemConsumptionInfo]


# ---- puddle.sim.v1.Control


class RequestCountsResponse(BaseModel):
    counts: Dict[str, int]
    total: int


class RequestLogRequest(RequestModel):
    after_seq: int = Field(0, ge=0)


REQUEST_LOG_FAULTS = (None, "drop", "unavailable", "resource_exhausted", "drop_after_commit")


class RequestLogEntry(BaseModel):
    seq: int
    time: float
    method: str
    changing: bool
    user: Optional[str]
    key_id: Optional[str]
    token_id: Optional[str]
    system_id: Optional[str]
    name: Optional[str]
    committed: bool
    error: Optional[str]
    fault: Optional[str] = Field(json_schema_extra={"enum": list(REQUEST_LOG_FAULTS)})
    answer: str = Field(json_schema_extra={"enum": ["pending", "delivered", "dropped"]})


class RequestLogResponse(BaseModel):
    entries: List[RequestLogEntry]
    size: int
    overwritten: int


RATE = {"ge": 0.0, "le": 1.0}


class FaultKnobsRequest(RequestModel):
    unavailable_rate: Optional[float] = Field(None, **RATE)
    resource_exhausted_rate: Optional[float] = Field(None, **RATE)
    retry_after_seconds: Optional[int] = Field(None, ge=0, le=3600)
    latency_ms_min: Optional[int] = Field(None, ge=0, le=60000)
    latency_ms_max: Optional[int] = Field(None, ge=0, le=60000)
    drop_rate: Optional[float] = Field(None, **RATE)
    drop_after_commit_rate: Optional[float] = Field(None, **RATE)
    provisioning_failure_rate: Optional[float] = Field(None, **RATE)
    start_failure_rate: Optional[float] = Field(None, **RATE)
    config_upload_failure_rate: Optional[float] = Field(None, **RATE)
    seed: Optional[int] = None


class FaultKnobs(BaseModel):
    unavailable_rate: float
    resource_exhausted_rate: float
    retry_after_seconds: int
    latency_ms_min: int
    latency_ms_max: int
    drop_rate: float
    drop_after_commit_rate: float
    provisioning_failure_rate: float
    start_failure_rate: float
    config_upload_failure_rate: float
    seed: int


DURATION = {"ge": 0.0, "le": 86400.0}


class TimingRequest(RequestModel):
    speed: Optional[float] = Field(None, gt=0.0, le=1000000.0)
    minute_seconds: Optional[float] = Field(None, gt=0.0, le=86400.0)
    provisioning_seconds: Optional[float] = Field(None, **DURATION)
    starting_seconds: Optional[float] = Field(None, **DURATION)
    stopping_seconds: Optional[float] = Field(None, **DURATION)
    restarting_seconds: Optional[float] = Field(None, **DURATION)
    terminating_seconds: Optional[float] = Field(None, **DURATION)
    config_upload_seconds: Optional[float] = Field(None, **DURATION)


class TimingValues(BaseModel):
    speed: float
    minute_seconds: float
    provisioning_seconds: float
    starting_seconds: float
    stopping_seconds: float
    restarting_seconds: float
    terminating_seconds: float
    config_upload_seconds: float


class ForceSystemStatusRequest(RequestModel):
    system_id: str
    status: str = Field(json_schema_extra={"enum": list(ALL_STATUSES)})
    hold_seconds: float = Field(0.0, ge=0.0, le=86400.0)


class SetCUPoolRequest(RequestModel):
    size: int = Field(ge=0, le=1000000000)


class CUPoolResponse(BaseModel):
    available_cu: int
    consumed_cu: int
