"""Stored records turned into the JSON objects of docs/api.md §3."""

from puddle_simulator.lifecycle import capability_flags
from puddle_simulator.timeutil import rfc3339


def product_url(base_url, system_id):
    return "%s/product/%s/" % (base_url.rstrip("/"), system_id)


def system_view(record, base_url):
    view = {
        "id": record.id,
        "name": record.name,
        "owner": record.owner,
        "cloud": record.cloud,
        "status": record.status,
        "vm_status": record.vm_status,
        "product_status": record.product_status,
        "config_toml_status": record.config_toml_status,
        "product": record.product,
        "version": record.version,
        "image_id": record.image_id,
        "image_name": record.image_name,
        "instance_type": record.instance_type,
        "instance_type_id": record.instance_type_id,
        "cu_per_hour": record.cu_per_hour,
        "disk_size_gb": record.disk_size_gb,
        "idle_interval": record.idle_interval,
        "idle_deadline": rfc3339(record.idle_deadline),
        "tags": [dict(tag) for tag in record.tags],
        "address": record.address,
        "url": None if record.status == "terminated" else product_url(base_url, record.id),
        "created": rfc3339(record.created),
        "updated": rfc3339(record.updated),
        "failure_reason": record.failure_reason,
    }
    view.update(capability_flags(record.status, record.product))
    return view


def consumption_view(record):
    return {
        "system_id": record.id,
        "system_name": record.name,
        "status": record.status,
        "cu_per_hour": record.cu_per_hour,
    }


def config_toml_view(record):
    return {
        "config_toml": record.config_toml,
        "applied_config_toml": record.applied_config_toml,
        "config_toml_status": record.config_toml_status,
    }


def product_document(record):
    return {
        "product": record.product,
        "version": record.version,
        "system": record.name,
        "config_toml_applied": bool(record.applied_config_toml),
    }
