# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a Puddle server offers this collection, read with as few requests as possible (puddle_server_info).

Plain Python, no Ansible import: report(client, ...) takes a client of client_factory (PuddleClient or
PythonClientAdapter) and returns the report the module returns. Each section names its source (the
route, or the method of Puddle's Python client, that gave it).

Which attributes a client reports per model is decided from the models the client returned (the dicts
the modules see: the builtin client's decoded answer, or what the conversion tables of puddle_pyclient
built), by model_attributes.py, the one mechanism the modules' unknown_attributes use too. So this
report can never disagree with the unknown_attributes of another module: an attribute the client did
not report, or reported in a form that cannot be read (a tag without its value), is unknown here as
there; a field sent as null is reported (Puddle says "no value"). With the builtin client, fields
docs/api.md does not document are listed as extra.
"""

import sys
import time

from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import (
    AuthError,
    ConfigurationError,
    NotPuddleApiError,
    PuddleClient,
    PuddleError,
    TransportError,
)
from ansible_collections.puddle.cloud.plugins.module_utils.model_attributes import MODEL_ATTRIBUTES, is_known, with_unknown

CLOUDS = ('aws', 'azure', 'gcp')
BUILTIN = 'builtin'
PYTHON_CLIENT = 'puddle_client'

# The attributes of each model, docs/api.md section 3 (and section 2 for the CU consumption answer): the one
# list of the collection (model_attributes.MODEL_ATTRIBUTES, which the conversion tables follow); a unit test
# keeps it equal to docs/api-schema.json.
MODEL_KINDS = ('user', 'image', 'instance_type', 'tag', 'system', 'cu_consumption', 'system_consumption')
DOCUMENTED_FIELDS = dict((kind, MODEL_ATTRIBUTES[kind]) for kind in MODEL_KINDS)

# Where each figure comes from, per client: the route (builtin) or the method of puddle.client.
SOURCES = {
    BUILTIN: {
        'login': 'AuthService/Login',
        'images': 'ImageService/ListAvailableImages',
        'instance_types': 'InstanceTypeService/ListAvailableInstanceTypes',
        'tags': 'TagService/ListTags',
        'cu_consumption': 'SystemService/GetCUConsumptionInfo',
        'systems': 'SystemService/ListSystems',
    },
    PYTHON_CLIENT: {
        'login': 'Authorizer.login, Authorizer.user',
        'images': 'ImagesClient.list_available',
        'instance_types': 'InstanceTypesClient.list_available',
        'tags': 'TagsClient.list',
        'cu_consumption': 'SystemsClient.get_cu_consumption_info',
        'systems': 'SystemsClient.list',
    },
}
# What request_count counts, per client.
COUNTED = {
    BUILTIN: 'HTTP requests',
    PYTHON_CLIENT: 'calls into puddle.client, constructors included (the HTTP requests they send cannot be seen)',
}
# Errors after which no further request can tell more: the report stops there (so does any error
# before a first read succeeded). A refused permission (permission_denied) stops nothing.
STOPPING_ERRORS = (NotPuddleApiError, TransportError, ConfigurationError)


def stops_the_report(error):
    return isinstance(error, STOPPING_ERRORS) or error.code == 'unauthenticated'


def client_name(client):
    return BUILTIN if isinstance(client, PuddleClient) else PYTHON_CLIENT


# ----------------------------------------------------------------------------- which attributes a client reports

def _extra_fields(kind, models):
    """Fields a JSON object carried that docs/api.md does not document (builtin only)."""
    documented = set(DOCUMENTED_FIELDS[kind])
    return sorted(set(key for model in models if isinstance(model, dict) for key in model) - documented)


def model_attributes(kind, models, api_client, source):
    """Which attributes of kind the client reported in models (the models it returned, after conversion).

    reported: known in every model examined; unknown: in none (all of them when no model was examined);
    partly: in some. Known means model_attributes.is_known, as every module's unknown_attributes.
    extra (builtin): fields not in docs/api.md.
    """
    models = [model for model in (models or []) if isinstance(model, dict)]
    fields = DOCUMENTED_FIELDS[kind]
    carried = dict((field, sum(1 for model in models if is_known(model, field))) for field in fields)
    section = dict(
        examined=len(models),
        reported=[field for field in fields if models and carried[field] == len(models)],
        unknown=[field for field in fields if carried[field] == 0],
        partly=[field for field in fields if 0 < carried[field] < len(models)],
        source=source,
    )
    if api_client == BUILTIN:
        section['extra'] = _extra_fields(kind, models)
    return section


# ----------------------------------------------------------------------------- the client's version

def python_client_version(metadata=None, modules=None):
    """(version, where it was read) of the installed puddle.client; (None, None) when unknown.

    First the metadata of the installed distribution that provides the top-level package puddle
    (importlib.metadata), else puddle.client.__version__ (or puddle.__version__).
    """
    if metadata is None:
        try:
            from importlib import metadata
        except ImportError:  # Python < 3.8
            metadata = None
    distributions = getattr(metadata, 'packages_distributions', None) if metadata is not None else None
    if distributions is not None:
        try:
            for name in distributions().get('puddle', []):
                return metadata.version(name), 'importlib.metadata (distribution {0})'.format(name)
        except Exception:  # a broken installation must not hide the report
            pass
    modules = sys.modules if modules is None else modules
    for module_name in ('puddle.client', 'puddle'):
        version = getattr(modules.get(module_name), '__version__', None)
        if version:
            return str(version), '{0}.__version__'.format(module_name)
    return None, None


def client_section(client, api_client):
    section = dict(name=api_client, version=None, version_source=None, transport=None, requests_counted=COUNTED[api_client])
    if api_client == BUILTIN:
        section['transport'] = getattr(getattr(client, 'transport', None), 'name', None)
    else:
        section['version'], section['version_source'] = python_client_version()
    return section


# ----------------------------------------------------------------------------- the report

class _Reader(object):
    """Calls the client, timing each call and counting its requests."""

    def __init__(self, client, monotonic):
        self.client = client
        self.monotonic = monotonic
        self.start_count = client.request_count
        self.round_trips = []  # (ms, source) of the calls that took exactly one request
        self.succeeded = 0

    def read(self, source, function, *args):
        before = self.client.request_count
        started = self.monotonic()
        result = function(*args)
        elapsed_ms = round((self.monotonic() - started) * 1000.0, 1)
        self.succeeded += 1
        if self.client.request_count - before == 1:
            self.round_trips.append((elapsed_ms, source))
        return result

    @property
    def requests(self):
        return self.client.request_count - self.start_count


def _error(error):
    return dict(code=error.code, message=error.message, http_status=error.http_status)


def report(client, clouds=CLOUDS, api_key_id=None, token_given=False, monotonic=time.monotonic):
    """The report of puddle_server_info, and the first error (None when every read worked).

    Reads, in this order: the login (unless a token was given), the tags, the images and instance
    types of each cloud, the CU consumption, the systems: one request each with the builtin client.
    It stops at the first error that makes the next reads pointless (stops_the_report: not Puddle's
    API, no answer, refused credentials), and at any error before a read worked; any other error is kept
    in its section and the reads go on.
    """
    api_client = client_name(client)
    sources = SOURCES[api_client]
    reader = _Reader(client, monotonic)
    result = dict(
        server=dict(address=client.server_address),
        api=dict(answers=None, round_trip_ms=None, round_trip_source=None, error=None),
        client=client_section(client, api_client),
        auth=dict(method=None, api_key_id=api_key_id, user=None, token_expires_at=None, source=None),
        tags=None,
        clouds=[],
        cu_pool=None,
        models=dict((kind, model_attributes(kind, [], api_client, None)) for kind in MODEL_KINDS),
        errors=[],
        requests=None,
    )
    first_error = None
    try:
        _read_everything(client, api_client, sources, reader, result, clouds, token_given)
    except PuddleError as error:
        first_error = error
        result['api']['error'] = _error(error)
    if first_error is None and result['errors']:
        first_error = result['errors'][0]['error']
    # Refused credentials are Puddle's API speaking too (AuthService/Login answered unauthenticated).
    result['api']['answers'] = bool(reader.succeeded) or isinstance(first_error, AuthError)
    if reader.round_trips:
        result['api']['round_trip_ms'], result['api']['round_trip_source'] = min(reader.round_trips)
    result['errors'] = [dict(section=item['section'], **_error(item['error'])) for item in result['errors']]
    result['requests'] = dict(count=reader.requests, counted=COUNTED[api_client])
    return result, first_error


def _section(result, name, reader, source, function, *args):
    """One read; an error that does not stop the report is kept in result['errors']."""
    try:
        return reader.read(source, function, *args)
    except PuddleError as error:
        if stops_the_report(error) or not reader.succeeded:
            raise
        result['errors'].append(dict(section=name, error=error))
        return None


def _read_everything(client, api_client, sources, reader, result, clouds, token_given):
    auth = result['auth']
    models = result['models']
    if token_given:
        auth['method'] = 'api_token'
    else:
        auth['method'] = 'api_key' if auth['api_key_id'] else 'client_environment'
        user = reader.read(sources['login'], client.login)
        auth['user'] = with_unknown(user, user, 'user')
        auth['token_expires_at'] = getattr(client, 'token_expires_at', None)
        auth['source'] = sources['login']
        models['user'] = model_attributes('user', [user], api_client, sources['login'])

    tags = _section(result, 'tags', reader, sources['tags'], client.list_tags)
    if tags is not None:
        result['tags'] = dict(count=len(tags), source=sources['tags'])
        models['tag'] = model_attributes('tag', tags, api_client, sources['tags'])

    images_seen, instance_types_seen = [], []
    for cloud in clouds:
        entry = dict(cloud=cloud, images=None, instance_types=None,
                     source=dict(images=sources['images'], instance_types=sources['instance_types']))
        images = _section(result, 'clouds', reader, sources['images'], client.list_images, cloud)
        if images is not None:
            entry['images'] = len(images)
            images_seen.extend(images)
        instance_types = _section(result, 'clouds', reader, sources['instance_types'], client.list_instance_types, cloud)
        if instance_types is not None:
            entry['instance_types'] = len(instance_types)
            instance_types_seen.extend(instance_types)
        result['clouds'].append(entry)
    if clouds:
        models['image'] = model_attributes('image', images_seen, api_client, sources['images'])
        models['instance_type'] = model_attributes('instance_type', instance_types_seen, api_client,
                                                   sources['instance_types'])

    cu = _section(result, 'cu_pool', reader, sources['cu_consumption'], client.get_cu_consumption_info)
    if cu is not None:
        available, consumed = cu.get('available_cu'), cu.get('consumed_cu')
        pool = dict(size=available + consumed if isinstance(available, int) and isinstance(consumed, int) else None,
                    source=sources['cu_consumption'])
        # A figure the client did not report is unknown: left out and named, never 0 (model_attributes).
        figures = dict(available_cu='available_cu', consumed_cu='consumed_cu', consuming_systems='systems_consumption_info')
        for name, attribute in sorted(figures.items()):
            if is_known(cu, attribute):
                pool[name] = len(cu[attribute] or []) if name == 'consuming_systems' else cu[attribute]
        pool['unknown_attributes'] = sorted(name for name, attribute in figures.items() if not is_known(cu, attribute))
        result['cu_pool'] = pool
        models['cu_consumption'] = model_attributes('cu_consumption', [cu], api_client, sources['cu_consumption'])
        consumption = cu.get('systems_consumption_info') if is_known(cu, 'systems_consumption_info') else None
        models['system_consumption'] = model_attributes('system_consumption', list(consumption or []), api_client,
                                                        sources['cu_consumption'])

    systems = _section(result, 'systems', reader, sources['systems'], client.list_systems)
    if systems is not None:
        models['system'] = model_attributes('system', systems, api_client, sources['systems'])
