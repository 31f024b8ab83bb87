# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Puddle's own Python client (``puddle.client``, a wheel from the Puddle web UI) behind the
interface of puddle_client.PuddleClient: plain Python, no Ansible import.

The reference of ``puddle.client`` gives classes and method signatures, not the attributes of its
models nor the values of its statuses. Models are read through the conversion tables below, one row
per field the modules return; a name that differs in a real client is a one-line change there.
Every assumption is written down in docs/api.md, section 10.
"""

import datetime
import importlib
import json
import random as _random_module
import time

from ansible_collections.puddle.cloud.plugins.module_utils import wire_time
from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import (
    ACTION_EFFECT_STATUSES,
    ACTION_OF_ROUTE,
    ADOPTED_ALREADY_DONE,
    FINAL_STATUS,
    STABLE_STATUSES,
    AuthError,
    ConfigTomlUploadFailedError,
    ConfigurationError,
    NotFoundError,
    NotPuddleApiError,
    PreconditionFailedError,
    PuddleError,
    ServerError,
    StatusChangedError,
    SystemFailedError,
    TransportError,
    UnsupportedOperationError,
    ValidationFailedError,
    WaitTimeoutError,
    DEFAULT_RETRY_TIMEOUT,
    backoff_delay,
    normalize_server_address,
    say_unconfirmed,
    scrub_secrets,
    shown_address,
)
from ansible_collections.puddle.cloud.plugins.module_utils.model_attributes import (
    ESSENTIAL_ATTRIBUTES,
    missing_essentials,
)

PACKAGE = 'puddle.client'
OPTION = 'api_client'
INSTALL_HINT = (
    "Puddle's Python client is not on PyPI: download its wheel from your Puddle's web UI (user menu, "
    "Download Python Client) and install it with pip where the modules run (usually the controller's "
    "Python, ansible_playbook_python) or in your execution environment, or set api_client=builtin")

SYSTEM_STATUSES = ('provisioning', 'starting', 'started', 'stopping', 'stopped', 'restarting', 'failed',
                   'terminating', 'terminated')
# A status the collection does not know is transitional: it is waited out before anyone acts on it.
KNOWN_SYSTEM_STATUSES = SYSTEM_STATUSES

# The methods of the reference the adapter uses, per class (checked against the package at import).
DOCUMENTED_CLASSES = ('ImagesClient', 'InstanceTypesClient', 'SystemsClient', 'TagsClient')


class MissingPythonClientError(ConfigurationError):
    """api_client=puddle_client, but the package is not importable where the task runs."""

    default_code = 'missing_library'

    def __init__(self, detail):
        super(MissingPythonClientError, self).__init__(
            'api_client=puddle_client needs the Python package {0} ({1}). {2}'.format(PACKAGE, detail, INSTALL_HINT),
            meta={'field': OPTION, 'library': PACKAGE})


# ----------------------------------------------------------------------------- conversions

def status_text(value):
    """A status as lower-case text, from a string, an enum-like object or a protobuf number name."""
    if value is None:
        return None
    if not isinstance(value, str):
        name = getattr(value, 'name', None)
        if isinstance(name, str):
            value = name
        elif isinstance(getattr(value, 'value', None), str):
            value = value.value
        else:
            value = str(value)
    # 'Status.STARTED' (str() of an enum member) -> 'started'
    return value.rsplit('.', 1)[-1].strip().lower()


def id_text(value):
    """The id of a CloudProvider / Product (or any object with .id), or the text itself."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    identifier = getattr(value, 'id', None)
    if identifier is not None:
        return str(identifier)
    return str(value)


def text(value):
    return None if value is None else str(value)


def integer(value):
    if value is None or isinstance(value, bool):
        return value
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: int(inf)
        return None


def boolean(value):
    return None if value is None else bool(value)


def timestamp(value):
    """RFC 3339 UTC text (docs/api.md) from a datetime, a Unix time or text.

    A naive datetime, or text without a zone, is read as UTC (never as the local time of the machine that
    runs the task); text with another offset is given in UTC; text that is no RFC 3339 timestamp is kept. A number
    or datetime that is no instant in UTC (nan, inf, beyond year 9999) is unknown (UnknownValue).
    """
    if value is None:
        return None
    if isinstance(value, str):
        moment = wire_time.rfc3339(value)
        return value if moment is None else wire_time.rfc3339_text(moment)
    try:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = datetime.datetime.fromtimestamp(value, tz=datetime.timezone.utc)
        if isinstance(value, datetime.datetime):
            return wire_time.rfc3339_text(value)
    except (OverflowError, ValueError, OSError):
        # nan, inf, or an instant no UTC datetime holds: the client reported no time the collection can read.
        raise UnknownValue('timestamp')
    return str(value)


class UnknownValue(Exception):
    """Raised by a conversion whose value the client did not fully report: the field is then unknown."""


_ABSENT = object()


def tag_list(value):
    """[{'name', 'value'}] sorted by name, from TagData objects (or dicts, or a name -> value dict).

    A tag without a name or a value attribute makes the whole list unknown (UnknownValue): a partial list
    would read as "the system does not carry that tag".
    """
    if not value:
        return []
    if isinstance(value, dict):
        pairs = value.items()
    else:
        pairs = [(_read(item, ('name', 'key'), _ABSENT), _read(item, ('value',), _ABSENT)) for item in value]
        if any(_ABSENT in pair for pair in pairs):
            raise UnknownValue('tags')
    return [{'name': text(name), 'value': '' if item is None else text(item)} for name, item in sorted(pairs)]


def _read(model, names, default=None):
    """The first of the attribute (or dict key) names the model has; default when it has none."""
    for name in names:
        if isinstance(model, dict):
            if name in model:
                return model[name]
        elif hasattr(model, name):
            return getattr(model, name)
    return default


def convert(table, model):
    """The dict the modules see for a model object.

    An attribute the model does not have (under none of the row's names) is unknown: its field is left
    out of the dict (model_attributes), never filled with null or an empty value. A null attribute is null.
    """
    if model is None:
        return None
    converted = {}
    for field, names, conversion in table:
        value = _read(model, names, _ABSENT)
        if value is _ABSENT:
            continue
        try:
            converted[field] = conversion(value)
        except UnknownValue:
            continue
    return converted


# THE conversion table: for each model, one row per field the modules return:
# (field, attribute names tried in order, conversion). A real client that names an attribute
# differently needs one more name in the row.
SYSTEM_FIELDS = (
    ('id', ('id',), text),
    ('name', ('name',), text),
    ('owner', ('owner',), text),
    ('cloud', ('cloud',), id_text),
    ('status', ('status',), status_text),
    ('vm_status', ('vm_status',), status_text),
    ('product_status', ('product_status',), status_text),
    ('config_toml_status', ('config_toml_status',), status_text),
    ('product', ('product',), id_text),
    ('version', ('version',), text),
    ('image_id', ('image_id',), text),
    ('image_name', ('image_name',), text),
    ('instance_type', ('instance_type', 'instance_type_name'), text),
    ('instance_type_id', ('instance_type_id',), text),
    ('cu_per_hour', ('cu_per_hour',), integer),
    ('disk_size_gb', ('disk_size_gb', 'disk_size'), integer),
    ('idle_interval', ('idle_interval', 'idle_timeout'), integer),
    ('idle_deadline', ('idle_deadline',), timestamp),
    ('tags', ('tags',), tag_list),
    ('address', ('address',), text),
    ('url', ('url',), text),
    ('created', ('created',), timestamp),
    ('updated', ('updated',), timestamp),
    ('can_start', ('can_start',), boolean),
    ('can_stop', ('can_stop',), boolean),
    ('can_restart', ('can_restart',), boolean),
    ('can_fail', ('can_fail',), boolean),
    ('can_terminate', ('can_terminate',), boolean),
    ('can_refresh_idle_timeout', ('can_refresh_idle_timeout',), boolean),
    ('can_update_config_toml', ('can_update_config_toml',), boolean),
    ('failure_reason', ('failure_reason',), text),
)
IMAGE_FIELDS = (
    ('id', ('id',), text),
    ('name', ('name',), text),
    ('cloud', ('cloud',), id_text),
    ('product', ('product',), id_text),
    ('version', ('version',), text),
    ('status', ('status',), status_text),
)
INSTANCE_TYPE_FIELDS = (
    ('id', ('id',), text),
    ('name', ('name',), text),
    ('cloud', ('cloud',), id_text),
    ('cpu', ('cpu',), integer),
    ('memory_gb', ('memory_gb',), integer),
    ('gpu', ('gpu',), integer),
    ('cu_per_hour', ('cu_per_hour',), integer),
)
TAG_FIELDS = (
    ('name', ('name',), text),
    ('label', ('label',), text),
    ('required', ('required',), boolean),
    ('default_value', ('default_value',), text),
    ('status', ('status',), status_text),
)
USER_FIELDS = (
    ('id', ('id',), text),
    ('name', ('name',), text),
    ('email', ('email',), text),
)
SYSTEM_CONSUMPTION_FIELDS = (
    ('system_id', ('system_id',), text),
    ('system_name', ('system_name',), text),
    ('status', ('status',), status_text),
    ('cu_per_hour', ('cu_per_hour',), integer),
)
CU_CONSUMPTION_FIELDS = (
    ('available_cu', ('available_cu',), integer),
    ('consumed_cu', ('consumed_cu',), integer),
    ('systems_consumption_info', ('systems_consumption_info',),
     lambda items: [convert(SYSTEM_CONSUMPTION_FIELDS, item) for item in items or []]),
)


def checked(kind, model):
    """A converted model, refused when it lacks an attribute the collection cannot work without."""
    missing = missing_essentials(model, kind)
    if missing:
        raise ConfigurationError(
            "Puddle's Python client reports no {0} of a {1} model (the collection needs {2}; docs/api.md section 10): "
            'set api_client=builtin'.format(', '.join(missing), kind, ', '.join(ESSENTIAL_ATTRIBUTES[kind])),
            meta={'field': OPTION, 'rule': 'unknown_attribute'})
    return model


def system_dict(model):
    return checked('system', convert(SYSTEM_FIELDS, model))


def is_known_status(system):
    return system is None or system.get('status') in KNOWN_SYSTEM_STATUSES


# ----------------------------------------------------------------------------- the package

def import_python_client(importer=importlib.import_module):
    """The modules of puddle.client the adapter uses; MissingPythonClientError when unusable."""
    try:
        package = importer(PACKAGE)
        modules = dict(
            client=package,
            authorizer=importer(PACKAGE + '.auth.authorizer'),
            errors=importer(PACKAGE + '.errors.puddle_errors'),
            cloud=importer(PACKAGE + '.cloud'),
            clouds=importer(PACKAGE + '.cloud.clouds'),
            product=importer(PACKAGE + '.product'),
            products=importer(PACKAGE + '.product.products'),
            tag_data=importer(PACKAGE + '.models.tag_data'),
        )
    except ImportError as error:
        raise MissingPythonClientError('it cannot be imported: {0}'.format(error))
    missing = [name for name in DOCUMENTED_CLASSES if not hasattr(modules['client'], name)]
    if missing:
        raise MissingPythonClientError('it lacks {0}'.format(', '.join(missing)))
    return modules


def cloud_provider(modules, cloud):
    """puddle.client.cloud.clouds.CLOUD_<ID> when it exists, else CloudProvider(display name, id)."""
    constant = getattr(modules['clouds'], 'CLOUD_' + cloud.upper(), None)
    if constant is not None:
        return constant
    return modules['cloud'].CloudProvider(cloud.upper(), cloud)


def product_object(modules, product):
    """puddle.client.product.products.PRODUCT_<ID> when it exists, else Product(label, id)."""
    constant = getattr(modules['products'], 'PRODUCT_' + product.upper(), None)
    if constant is not None:
        return constant
    return modules['product'].Product(product, product)


# ----------------------------------------------------------------------------- the adapter

DEFAULT_CLOUD = 'aws'
# Exceptions of the package that say "try again": connection problems.
RETRYABLE_BUILTIN_ERRORS = (ConnectionError, TimeoutError)
# The failures of a call that changes something which prove that Puddle carried nothing out: the refusals the
# reference documents for those methods (ValidationFailedError, PreconditionFailedError) and a refused
# authentication. Any other failure (a connection dropped or reset, a timeout, an answer that is not Puddle's,
# an exception the reference does not document) may have come after Puddle carried the change out: the client
# does not tell a request never sent from an answer lost, so the change is unconfirmed (docs/api.md section 10).
REFUSALS = (ValidationFailedError, PreconditionFailedError, AuthError)
UNCONFIRMED_WHY = "Puddle's Python client does not say whether the request reached Puddle"


def is_refusal(error):
    """True when error, ending a call that changes something, proves that Puddle carried nothing out (REFUSALS)."""
    return isinstance(error, REFUSALS)


class PythonClientAdapter(object):
    """The interface of PuddleClient, carried out by Puddle's own Python client."""

    def __init__(self, server_address, api_key_id=None, api_secret_key=None, api_token=None, validate_certs=True,
                 ca_path=None, request_timeout=None, max_retries=10, backoff_base=0.5, backoff_max=10,
                 sleep=time.sleep, monotonic=time.monotonic, random=None, modules=None,
                 retry_timeout=DEFAULT_RETRY_TIMEOUT):
        self.server_address = normalize_server_address(server_address)
        if api_token:
            raise ConfigurationError(
                "api_token cannot be used with api_client=puddle_client (Puddle's Python client logs in with an API "
                'key only): give api_key_id and api_secret_key, or set api_client=builtin', meta={'field': 'api_token'})
        if ca_path:
            raise ConfigurationError(
                "ca_path cannot be used with api_client=puddle_client (the reference of Puddle's Python client has no "
                'CA option): set api_client=builtin', meta={'field': 'ca_path'})
        self.modules = modules if modules is not None else import_python_client()
        self._api_key_id = api_key_id
        self._api_secret_key = api_secret_key
        self.validate_certs = validate_certs
        self.request_timeout = request_timeout  # the client has no such setting; kept for repr only
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.retry_timeout = DEFAULT_RETRY_TIMEOUT if retry_timeout is None else float(retry_timeout)
        # Set by a task bounded by an option (set_task_deadline): no retry is sent past it.
        self.task_deadline = None
        self.task_deadline_option = None
        self._sleep = sleep
        self._monotonic = monotonic
        self._random = random if random is not None else _random_module.Random()
        # Calls made to the package (each is one or more HTTP requests, which the adapter cannot see).
        self.request_count = 0
        # What the package's last read returned, model objects before conversion (server_info reads which
        # attributes they have).
        self.last_read = None
        self.authorizer = self._make_authorizer()
        self.token = None
        self.token_expires_at = None
        self.user = None
        self._systems_clients = {}
        self._catalogue = {}
        # How the effect of the last action was found instead of being carried out by this call, as
        # PuddleClient.last_adoption: {action, reason: already_done, status} or None.
        self.last_adoption = None

    def __repr__(self):
        return 'PythonClientAdapter(server_address={0!r})'.format(self.server_address)

    # -- secrets

    @property
    def has_key_credentials(self):
        return bool(self._api_key_id and self._api_secret_key)

    def secrets(self):
        return [value for value in (self._api_secret_key, self.token) if value]

    def scrub(self, message):
        return scrub_secrets(message, self.secrets())

    # -- construction

    def _make_authorizer(self):
        """An Authorizer from the API key, or None: the clients then read the key from their environment."""
        authorizer_class = self.modules['authorizer'].Authorizer
        kwargs = {}
        if not self.validate_certs:
            if 'verify' not in _parameters(authorizer_class):
                raise ConfigurationError(
                    "validate_certs=false cannot be used with api_client=puddle_client: this version of Puddle's "
                    'Python client has no verify parameter; set api_client=builtin', meta={'field': 'validate_certs'})
            kwargs['verify'] = False
        if not self.has_key_credentials:
            if kwargs:
                return self._call(authorizer_class, self.server_address, **kwargs)
            return None
        return self._call(authorizer_class, self.server_address, api_key_id=self._api_key_id,
                          api_secret_key=self._api_secret_key, **kwargs)

    def _systems(self, cloud=None):
        cloud = cloud or DEFAULT_CLOUD
        if cloud not in self._systems_clients:
            self._systems_clients[cloud] = self._call(
                self.modules['client'].SystemsClient, cloud_provider(self.modules, cloud), server_address=self.server_address,
                authorizer=self.authorizer)
        return self._systems_clients[cloud]

    def _cloud_client(self, class_name, cloud):
        return self._call(getattr(self.modules['client'], class_name), cloud_provider(self.modules, cloud),
                          server_address=self.server_address, authorizer=self.authorizer)

    # -- errors

    def _typed_error(self, error):
        """The collection's error for an exception of the package (documented ones first)."""
        errors = self.modules['errors']
        message = self.scrub(str(error) or type(error).__name__)
        if isinstance(error, PuddleError):
            return error
        for name, error_class in (('ValidationFailedError', ValidationFailedError),
                                  ('PreconditionFailedError', PreconditionFailedError),
                                  ('SystemFailedError', SystemFailedError)):
            documented = getattr(errors, name, None)
            if documented is not None and isinstance(error, documented):
                return error_class(message)
        image_failed = getattr(errors, 'ImageFailedError', None)
        if image_failed is not None and isinstance(error, image_failed):
            return ServerError(message, code='image_failed')
        if isinstance(error, self.modules['authorizer'].AuthError):
            return AuthError('{0}; check api_key_id and api_secret_key'.format(message))
        if isinstance(error, json.JSONDecodeError):
            # An answer that is not JSON: a web page or a proxy at the address, not a refused setting.
            return NotPuddleApiError(
                "Puddle's Python client got an answer from {0} that is not Puddle's API (not JSON: {1}); check "
                'server_address (option server_address or PUDDLE_SERVER_ADDRESS): the base URL of Puddle'.format(
                    shown_address(self.server_address), message), meta={'url': shown_address(self.server_address)})
        if isinstance(error, ValueError):
            return ConfigurationError(
                "Puddle's Python client refused its settings: {0} (give api_key_id and api_secret_key, or set "
                'PUDDLE_API_KEY_ID and PUDDLE_API_SECRET_KEY where the modules run)'.format(message),
                meta={'field': 'api_key_id'})
        if isinstance(error, RETRYABLE_BUILTIN_ERRORS + (OSError,)):
            return TransportError('no answer from Puddle through its Python client ({0})'.format(message),
                                  retryable=isinstance(error, RETRYABLE_BUILTIN_ERRORS))
        # The address too: a server that is not Puddle's API shows up here, in whatever words the package has.
        return ServerError("Puddle's Python client failed at {0}: {1}: {2}".format(
            shown_address(self.server_address), type(error).__name__, message))

    def _call(self, function, *args, **kwargs):
        """One call into the package; its exceptions become the collection's typed errors."""
        self.request_count += 1
        try:
            return function(*args, **kwargs)
        except Exception as error:
            raise self._typed_error(error)

    def _change(self, route, function, *args, **kwargs):
        """One call that changes something (route: its route of puddle_client.ROUTES), never retried.

        A failure that is not a refusal (is_refusal) is marked with the action Puddle may have carried out
        (puddle_client.say_unconfirmed, as the builtin client marks a request whose answer was lost), so the
        task reports it in unconfirmed.
        """
        try:
            return self._call(function, *args, **kwargs)
        except PuddleError as error:
            if not is_refusal(error):
                say_unconfirmed(route, error, UNCONFIRMED_WHY)
            raise

    def set_task_deadline(self, deadline, option):
        """As PuddleClient.set_task_deadline: no retry past deadline (monotonic), named after option."""
        self.task_deadline = deadline
        self.task_deadline_option = '{0}={1:g} s'.format(option[0], float(option[1]))

    def _read(self, function, *args):
        """A call that changes nothing, retried with backoff when the connection failed.

        As PuddleClient: no retry after retry_timeout seconds from the first failure, nor past the task's deadline.
        """
        attempt = 0
        budget_end = None
        while True:
            try:
                self.last_read = self._call(function, *args)
                return self.last_read
            except PuddleError as error:
                if not error.retryable or attempt >= self.max_retries:
                    if attempt and error.retryable:
                        error.set_message('{0} (gave up after {1} attempts)'.format(error.message, attempt + 1))
                    raise
                if budget_end is None:
                    budget_end = self._monotonic() + self.retry_timeout
                bound, end = 'retry_timeout={0:g} s'.format(self.retry_timeout), budget_end
                if self.task_deadline is not None and self.task_deadline < end:
                    bound, end = self.task_deadline_option, self.task_deadline
                delay = backoff_delay(attempt, self.backoff_base, self.backoff_max, self._random)
                left = end - self._monotonic()
                if delay >= left:
                    error.set_message('{0} (gave up after {1} attempt{2}: the next retry was due in {3:g} s, and {4:.3g} s '
                                      'were left of the time this request may spend retrying, {5})'.format(
                                          error.message, attempt + 1, '' if attempt == 0 else 's', delay, max(left, 0.0),
                                          bound))
                    error.meta['retry_bound'] = bound
                    raise
                self._sleep(delay)
                attempt += 1

    # -- authentication

    def login(self):
        """Log in through the Authorizer; returns the user dict (None when the client gives none)."""
        authorizer = self.authorizer
        if authorizer is None:
            authorizer = self._call(self.modules['authorizer'].Authorizer, self.server_address)
            self.authorizer = authorizer
        self._call(authorizer.login)
        self.token = getattr(authorizer, 'token', None)
        self.user = convert(USER_FIELDS, getattr(authorizer, 'user', None))
        return self.user

    def logout(self):
        if self.authorizer is not None and self.token:
            self._call(self.authorizer.logout)
        self.token = None

    # -- catalogue

    def _catalogue_of(self, kind, cloud):
        class_name, table = {'images': ('ImagesClient', IMAGE_FIELDS),
                             'instance_types': ('InstanceTypesClient', INSTANCE_TYPE_FIELDS)}[kind]
        models = self._read(self._cloud_client(class_name, cloud).list_available)
        self._catalogue[(kind, cloud)] = dict((text(_read(model, ('id',))), model) for model in models or [])
        return [checked(kind.rstrip('s'), convert(table, model)) for model in models or []]

    def list_images(self, cloud):
        return self._catalogue_of('images', cloud)

    def list_instance_types(self, cloud):
        return self._catalogue_of('instance_types', cloud)

    def _catalogue_model(self, kind, cloud, identifier):
        if (kind, cloud) not in self._catalogue:
            self._catalogue_of(kind, cloud)
        model = self._catalogue[(kind, cloud)].get(identifier)
        if model is None:
            raise ValidationFailedError('{0} {1} is not available in cloud {2}'.format(kind.rstrip('s'), identifier, cloud),
                                        meta={'field': {'images': 'image_id'}.get(kind, 'instance_type_id'), 'rule': 'unknown'})
        return model

    def list_tags(self):
        tags_client = self._call(self.modules['client'].TagsClient, server_address=self.server_address,
                                 authorizer=self.authorizer)
        return [checked('tag', convert(TAG_FIELDS, model)) for model in self._read(tags_client.list) or []]

    def get_cu_consumption_info(self):
        return convert(CU_CONSUMPTION_FIELDS, self._read(self._systems().get_cu_consumption_info))

    # -- systems

    def create_system(self, name, cloud, image_id=None, product=None, version=None, instance_type_id=None,
                      instance_type_name=None, disk_size_gb=256, idle_interval=60, tags=None):
        # This adapter adopts no creation: a refusal fails, and a create that may have been carried out fails
        # unconfirmed (_change); the system a later lookup finds is then never reported as someone else's.
        self.last_adoption = None
        kwargs = dict(name=name, disk_size_gb=disk_size_gb, idle_interval=idle_interval, tags=self._tag_data(tags))
        if image_id is not None:
            kwargs['image'] = self._catalogue_model('images', cloud, image_id)
        if product is not None:
            kwargs['product'] = product_object(self.modules, product)
        if version is not None:
            kwargs['version'] = version
        if instance_type_id is not None:
            kwargs['instance_type'] = self._catalogue_model('instance_types', cloud, instance_type_id)
        if instance_type_name is not None:
            kwargs['instance_type_name'] = instance_type_name
        model = self._change('create_system', self._systems(cloud).create, **kwargs)
        return system_dict(model)

    def _tag_data(self, tags):
        tag_data_class = self.modules['tag_data'].TagData
        return [tag_data_class(name=tag['name'], value=tag['value']) for tag in tag_list(tags)]

    def _settled(self, system):
        """A system whose status the collection knows: an unknown status is waited out (transitional)."""
        if is_known_status(system):
            return system
        systems = self._systems()
        interval = float(getattr(systems, 'POLL_INTERVAL_S', 5))
        minutes = float(getattr(systems, 'POLL_TIMEOUT_MINUTES', 20))
        deadline = self._monotonic() + 60 * minutes
        while not is_known_status(system):
            if self._monotonic() >= deadline:
                raise WaitTimeoutError('System {0} kept the status {1}, unknown to the collection, for {2:g} minutes'.format(
                    system.get('name'), system.get('status'), minutes), system=system)
            self._sleep(interval)
            system = self._get(system['id'])
        return system

    def _get(self, system_id):
        system = system_dict(self._read(self._systems().get, system_id))
        if system is None:
            raise NotFoundError('System {0} was not found'.format(system_id))
        return system

    def get_system(self, system_id):
        return self._settled(self._get(system_id))

    def find_system_by_name(self, name):
        return self._settled(system_dict(self._read(self._systems().find_by_name, name)))

    def list_systems(self):
        return [system_dict(model) for model in self._read(self._systems().list) or []]

    def _act(self, route, method_name, system_id):
        """An action (the client returns nothing), then the system as it is now.

        Refused because the system already is where the action takes it, the action is done, by someone
        else (this adapter never sends an action twice): recorded in last_adoption as already_done.
        """
        self.last_adoption = None
        try:
            self._change(route, getattr(self._systems(), method_name), system_id)
        except PreconditionFailedError as error:
            system = self.get_system(system_id)
            if system.get('status') in ACTION_EFFECT_STATUSES[route]:
                self.last_adoption = dict(action=ACTION_OF_ROUTE[route], reason=ADOPTED_ALREADY_DONE,
                                          status=system.get('status'))
                return system
            error.system = system  # the system as read after the refusal (other_writers plans from it)
            raise
        return self._after(route, system_id)

    def _after(self, route, system_id):
        """The system after an action Puddle carried out; a failed read says the action was carried out."""
        try:
            return self._get(system_id)
        except PuddleError as error:
            error.carried_out_action = ACTION_OF_ROUTE[route]
            raise

    def start_system(self, system_id):
        return self._act('start_system', 'start', system_id)

    def stop_system(self, system_id):
        return self._act('stop_system', 'stop', system_id)

    def restart_system(self, system_id):
        return self._act('restart_system', 'restart', system_id)

    def fail_system(self, system_id):
        return self._act('fail_system', 'fail', system_id)

    def terminate_system(self, system_id):
        return self._act('terminate_system', 'terminate', system_id)

    def refresh_idle_timeout(self, system_id):
        self.last_adoption = None
        self._change('refresh_idle_timeout', self._systems().refresh_idle_timeout, system_id)
        return self._after('refresh_idle_timeout', system_id)

    def update_config_toml(self, system_id, config_toml):
        self.last_adoption = None
        self._change('update_config_toml', self._systems().update_config_toml, system_id, config_toml)
        return self._after('update_config_toml', system_id)

    def get_config_toml(self, system_id):
        raise UnsupportedOperationError(
            "Puddle's Python client cannot read a system's config.toml back, so the declared config.toml cannot be "
            'compared with the current one: set api_client=builtin, or force=true to upload it without comparing',
            meta={'field': OPTION, 'rule': 'unsupported'})

    # -- waiting: the client's own wait_for_* methods

    # How long one piece of a wait asked to stop on a stable status may last (at least one poll interval).
    STABLE_CHECK_SECONDS = 10.0

    def _wait(self, method_name, system_id, awaited, timeout, poll_interval, stop_on_stable=False):
        """The client's wait_for_* until the system is awaited; the system then.

        With stop_on_stable (as PuddleClient.wait_for_status): a stable status other than the awaited one ends the
        wait with StatusChangedError (.system = the system seen) instead of waiting in vain until the timeout, since
        Puddle never leaves a stable status without a request (someone else moved the system). The client's wait
        cannot be told so: it runs in pieces of at most STABLE_CHECK_SECONDS (or one poll interval), and the status
        read at the end of each piece decides.
        """
        if not stop_on_stable:
            return self._client_wait(method_name, system_id, awaited, timeout, poll_interval)
        deadline = self._monotonic() + max(float(timeout), 0.0)
        while True:
            remaining = max(deadline - self._monotonic(), 0.0)
            piece = min(remaining, max(float(poll_interval), self.STABLE_CHECK_SECONDS))
            try:
                return self._client_wait(method_name, system_id, awaited, piece, poll_interval)
            except WaitTimeoutError as error:
                system = error.system or {}
                if self._monotonic() >= deadline:
                    error.set_message('Timed out after {0:g} s waiting for system {1} to be {2}; its status is still '
                                      '{3}'.format(float(timeout), system_id, awaited, system.get('status')))
                    raise
                status = system.get('status')
                if status in STABLE_STATUSES and status != awaited:
                    raise StatusChangedError(
                        'System {0} became {1} while waiting for it to be {2}'.format(
                            system.get('name') or system_id, status, awaited),
                        meta={'status': status}, system=system)

    def _client_wait(self, method_name, system_id, awaited, timeout, poll_interval):
        systems = self._systems()
        # The client reads its polling settings from these attributes; set on this instance only.
        systems.POLL_INTERVAL_S = poll_interval
        systems.POLL_TIMEOUT_MINUTES = max(float(timeout), 0.0) / 60.0
        self.request_count += 1
        try:
            getattr(systems, method_name)(system_id)
        except TimeoutError:
            system = self._get(system_id)
            raise WaitTimeoutError(
                'Timed out after {0:g} s waiting for system {1} to be {2}; its status is still {3}'.format(
                    float(timeout), system_id, awaited, system.get('status')), awaited=(awaited,), system=system)
        except Exception as error:
            typed = self._typed_error(error)
            if isinstance(typed, PreconditionFailedError):
                # The client refuses to wait on: the system is terminated (or gone). The error carries the system
                # as read now, never the status from before the wait, in the builtin client's words.
                system = self._get(system_id)  # NotFoundError when it is gone, as the builtin client's wait
                if system.get('status') != FINAL_STATUS:
                    typed.system = system
                    raise typed
                raise PreconditionFailedError(
                    'System {0} is terminated and will never be {1}'.format(system.get('name') or system_id, awaited),
                    meta={'status': FINAL_STATUS}, system=system)
            if not isinstance(typed, SystemFailedError):
                raise typed
            system = self._get(system_id)
            raise SystemFailedError(
                'System {0} entered failed while waiting for {1}: {2}'.format(
                    system.get('name') or system_id, awaited, system.get('failure_reason') or 'no reason given'),
                system=system)
        return self._get(system_id)

    def wait_for_system_started(self, system_id, timeout=1200, poll_interval=5, stop_on_stable=False, **kwargs):
        return self._wait('wait_for_system_started', system_id, 'started', timeout, poll_interval, stop_on_stable)

    def wait_for_system_stopped(self, system_id, timeout=1200, poll_interval=5, stop_on_stable=False, **kwargs):
        return self._wait('wait_for_system_stopped', system_id, 'stopped', timeout, poll_interval, stop_on_stable)

    def wait_for_system_terminated(self, system_id, timeout=1200, poll_interval=5, stop_on_stable=False, **kwargs):
        return self._wait('wait_for_system_terminated', system_id, FINAL_STATUS, timeout, poll_interval, stop_on_stable)

    def wait_for_system_failed(self, system_id, timeout=1200, poll_interval=5, stop_on_stable=False, **kwargs):
        return self._wait('wait_for_system_failed', system_id, 'failed', timeout, poll_interval, stop_on_stable)

    # Where each transitional status ends, so wait_until_stable can use the matching wait_for_*.
    WAIT_FOR_END_OF = {
        'provisioning': 'wait_for_system_started',
        'starting': 'wait_for_system_started',
        'restarting': 'wait_for_system_started',
        'stopping': 'wait_for_system_stopped',
        'terminating': 'wait_for_system_terminated',
    }

    def wait_until_stable(self, system_id, timeout=1200, poll_interval=5, **kwargs):
        """Wait for the first non-transitional status (terminated included); never SystemFailedError."""
        started = self._monotonic()
        system = self._get(system_id)
        while system.get('status') not in STABLE_STATUSES + (FINAL_STATUS,):
            remaining = max(float(timeout) - (self._monotonic() - started), 0.0)
            method = self.WAIT_FOR_END_OF.get(system.get('status'))
            if method is None:
                # Unknown to the collection: transitional, waited out by polling the client.
                if remaining <= 0:
                    raise WaitTimeoutError('Timed out after {0:g} s waiting for system {1} to be stable; its status is '
                                           'still {2}'.format(float(timeout), system_id, system.get('status')), system=system)
                self._sleep(min(poll_interval, remaining))
                system = self._get(system_id)
                continue
            try:
                system = self._wait(method, system_id, method[len('wait_for_system_'):], remaining, poll_interval)
            except SystemFailedError as error:
                system = error.system
        return system

    def poll_systems(self, on_listing, timeout=1200, poll_interval=5, first_poll_delay=0.0):
        """List the user's systems once per poll round until on_listing(systems) returns True, as PuddleClient does.

        The first round after first_poll_delay, then one every poll_interval, the last at the deadline. Returns
        the number of listings; WaitTimeoutError (.meta['rounds']) at the deadline.
        """
        started = self._monotonic()
        rounds = 0
        delay = first_poll_delay
        while True:
            if delay > 0:
                self._sleep(delay)
            systems = self.list_systems()
            rounds += 1
            if on_listing(systems):
                return rounds
            remaining = float(timeout) - (self._monotonic() - started)
            if remaining <= 0:
                raise WaitTimeoutError(
                    'Timed out after {0:g} s polling the systems ({1} listings)'.format(float(timeout), rounds),
                    meta={'rounds': rounds})
            delay = min(poll_interval, remaining)

    def wait_for_config_toml_uploaded(self, system_id, timeout=1200, poll_interval=5, **kwargs):
        """The client's wait_for_config_toml_uploaded; returns {'config_toml_status': ...} read from the system."""
        systems = self._systems()
        systems.POLL_INTERVAL_S = poll_interval
        systems.POLL_TIMEOUT_MINUTES = max(float(timeout), 0.0) / 60.0
        self.request_count += 1
        try:
            systems.wait_for_config_toml_uploaded(system_id)
        except TimeoutError:
            status = self._get(system_id).get('config_toml_status')
            raise WaitTimeoutError(
                'Timed out after {0:g} s waiting for the config.toml of system {1} to be uploaded; '
                'its config_toml_status is still {2}'.format(float(timeout), system_id, status),
                meta={'config_toml_status': status})
        except Exception as error:
            typed = self._typed_error(error)
            if isinstance(typed, SystemFailedError):
                raise ConfigTomlUploadFailedError('The config.toml upload to system {0} failed'.format(system_id),
                                                  meta={'config_toml_status': 'failed'})
            raise typed
        system = self._get(system_id)
        # A status the client does not report stays unknown: the key is left out, never filled with null.
        return dict((field, system[field]) for field in ('config_toml_status',) if field in system)


def _parameters(function):
    import inspect  # only for validate_certs=false: not on every task's path
    try:
        return inspect.signature(function).parameters
    except (TypeError, ValueError):
        return {}
