"""CUConsumptionInfo: the CU pool of the whole Puddle, and the current user's consuming systems."""

from puddle.client.models._base import Model, with_properties


@with_properties
class SystemConsumptionInfo(Model):
    FIELDS = ('system_id', 'system_name', 'status', 'cu_per_hour')


def _systems(items):
    return [SystemConsumptionInfo.from_wire(item) for item in items]


@with_properties
class CUConsumptionInfo(Model):
    FIELDS = ('available_cu', 'consumed_cu', 'systems_consumption_info')
    CONVERSIONS = {'systems_consumption_info': _systems}
