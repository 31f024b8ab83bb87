# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The thin Ansible layer shared by the puddle.cloud modules.

Common options (with environment fallbacks), the lazy client, error -> fail_json with a
structured ``failure``, and the before/after bookkeeping for check and diff modes.
"""

import copy

from ansible.module_utils.basic import AnsibleModule, env_fallback

from ansible_collections.puddle.cloud.plugins.module_utils.client_factory import (
    API_CLIENT_CHOICES,
    API_CLIENT_ENV,
    BUILTIN,
    PYTHON_CLIENT,
    make_client,
)
from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import (
    ADOPTED_ANSWER_LOST,
    ConfigurationError,
    PuddleError,
    ValidationFailedError,
    scrub_secrets,
    take_carried_out,
    take_unconfirmed,
)
from ansible_collections.puddle.cloud.plugins.module_utils.text_conversions import check_parameters

SERVER_ADDRESS_ENV = ('PUDDLE_SERVER_ADDRESS',)
API_KEY_ID_ENV = ('PUDDLE_API_KEY_ID', 'PUDDLE_api_key_id')
API_SECRET_KEY_ENV = ('PUDDLE_API_SECRET_KEY', 'PUDDLE_api_secret_key')
API_TOKEN_ENV = ('PUDDLE_API_TOKEN',)

PUDDLE_COMMON_ARGUMENT_SPEC = dict(
    server_address=dict(type='str', fallback=(env_fallback, list(SERVER_ADDRESS_ENV))),
    api_key_id=dict(type='str', no_log=False, fallback=(env_fallback, list(API_KEY_ID_ENV))),
    api_secret_key=dict(type='str', no_log=True, fallback=(env_fallback, list(API_SECRET_KEY_ENV))),
    api_token=dict(type='str', no_log=True, fallback=(env_fallback, list(API_TOKEN_ENV))),
    validate_certs=dict(type='bool', default=True),
    ca_path=dict(type='path'),
    request_timeout=dict(type='float', default=30),
    retry_timeout=dict(type='float', default=90),
    api_client=dict(type='str', default=BUILTIN, choices=list(API_CLIENT_CHOICES), fallback=(env_fallback, [API_CLIENT_ENV])),
)

SECRET_OPTIONS = ('api_secret_key', 'api_token')


def common_argument_spec():
    """A fresh copy of the common options, safe to extend."""
    return copy.deepcopy(PUDDLE_COMMON_ARGUMENT_SPEC)


def _option_hint(option):
    """'the X option or the A (or B) environment variable' from the spec's own fallback list."""
    names = PUDDLE_COMMON_ARGUMENT_SPEC[option]['fallback'][1]
    variables = names[0] if len(names) == 1 else '{0} (or {1})'.format(names[0], ', '.join(names[1:]))
    return 'the {0} option or the {1} environment variable'.format(option, variables)


def connection_options_problem(params):
    """Why the connection options are unusable, as (option, message), or None when they are fine."""
    if not params.get('server_address'):
        return 'server_address', 'No Puddle server address: set {0}.'.format(_option_hint('server_address'))
    key_id, secret = params.get('api_key_id'), params.get('api_secret_key')
    if key_id and not secret:
        return 'api_secret_key', 'api_key_id is set but api_secret_key is missing: set {0}.'.format(
            _option_hint('api_secret_key'))
    if secret and not key_id:
        return 'api_key_id', 'api_secret_key is set but api_key_id is missing: set {0}.'.format(
            _option_hint('api_key_id'))
    if params.get('api_client') == PYTHON_CLIENT:
        if params.get('api_token'):
            return 'api_token', ("api_token cannot be used with api_client=puddle_client (Puddle's Python client logs in "
                                 'with an API key only): give api_key_id and api_secret_key, or set api_client=builtin.')
        # Without a key, Puddle's Python client reads its own environment variables.
        return None
    if not key_id and not params.get('api_token'):
        return 'api_key_id', (
            'No Puddle credentials: set api_key_id and api_secret_key ({0}; {1}), or api_token ({2}).'.format(
                _option_hint('api_key_id'), _option_hint('api_secret_key'), _option_hint('api_token')))
    return None


def failure_from_error(error, system=None):
    """The structured ``failure`` of a failed task."""
    if isinstance(error, PuddleError):
        status = (system or {}).get('status') or error.status
        return dict(code=error.code, message=error.message, field=error.field, rule=error.rule, status=status)
    return dict(code='module', message=str(error), field=None, rule=None, status=(system or {}).get('status'))


def _scrub_value(value, secrets):
    if isinstance(value, str):
        return scrub_secrets(value, secrets)
    if isinstance(value, dict):
        return dict((key, _scrub_value(item, secrets)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [_scrub_value(item, secrets) for item in value]
    return value


class ChangeRecord(object):
    """What the requests of one task did so far, for its result on success and on failure.

    ``actions`` lists the requests Puddle carried out for this task, in order (in check mode, the
    requests that would be sent); ``adopted`` lists the actions the task found already done by
    someone else and therefore did not count ({action, reason, status}, reason ``already_exists``
    or ``already_done``); ``unconfirmed`` lists the actions of a failed request whose answer was lost,
    which Puddle may have carried out ({action, reason: answer_lost}). ``changed`` is true as soon as
    one action is recorded, confirmed or not (as Ansible's command module reports changed when it
    cannot know), so a task that fails half-way still says that it changed, or may have changed,
    something. Any face that sends several requests (puddle_system, puddle_config_toml) keeps one and
    hands it to PuddleModule.fail.
    """

    def __init__(self):
        self.actions = []
        self.adopted = []
        self.unconfirmed = []

    @property
    def changed(self):
        return bool(self.actions or self.unconfirmed)

    def sent(self, action):
        """Record an action Puddle carried out for this task (or would, in check mode)."""
        self.actions.append(action)

    def found_done(self, adoption):
        """Record an action found already done ({action, reason, status}); it is not this task's change."""
        self.adopted.append(dict(adoption))

    def note(self, action, adoption):
        """Record the outcome of a request from the client's last_adoption; True when it was this task's.

        A lost answer whose effect was found counts as this task's: its request was carried out
        as far as anyone can tell (the caller may reclassify it, see found_done).
        """
        if adoption and adoption.get('reason') != ADOPTED_ANSWER_LOST:
            self.found_done(adoption)
            return False
        self.sent(action)
        return True

    def failed_with(self, error):
        """Move the action that error's request may have carried out (its answer was lost) into unconfirmed.

        An action Puddle carried out before the error (the read that follows it failed, see
        puddle_client.take_carried_out) goes into actions.
        """
        carried_out = take_carried_out(error)
        if carried_out is not None:
            self.sent(carried_out)
        unconfirmed = take_unconfirmed(error)
        if unconfirmed is not None:
            self.unconfirmed.append(unconfirmed)

    def as_result(self):
        return dict(changed=self.changed, actions=list(self.actions), adopted=[dict(item) for item in self.adopted],
                    unconfirmed=[dict(item) for item in self.unconfirmed])


def without_null_options(params, argument_spec):
    """params without the options of argument_spec given as null (None): an option given as null is not given.

    Only the spec's own options are dropped (an unknown option stays, so that Ansible still reports it as
    unsupported); Ansible's internal ``_ansible_*`` parameters are kept as they are. The same holds inside an
    option with sub-options (puddle_fleet's ``systems[]`` and ``defaults``): ``systems: [{cloud: null}]`` is a
    declaration without cloud, not one failing ``choices``. A dict option without sub-options (``tags``) is a
    value and is kept whole.
    """
    kept = {}
    for name, value in params.items():
        spec = argument_spec.get(name)
        if value is None and spec is not None:
            continue
        sub_spec = (spec or {}).get('options')
        if sub_spec and isinstance(value, dict):
            value = without_null_options(value, sub_spec)
        elif sub_spec and isinstance(value, list):
            value = [without_null_options(item, sub_spec) if isinstance(item, dict) else item for item in value]
        kept[name] = value
    return kept


class NullIsNotGivenModule(AnsibleModule):
    """AnsibleModule for which an option given as null is an option not given (docs/reliability.md, rule 3).

    Ansible's own checks count an option that is present, whatever its value: ``image: null`` next to
    ``product`` fails mutually_exclusive, ``cloud: null`` fails choices, ``version: null`` alone fails
    required_together. The null options are dropped as the parameters are loaded, before
    AnsibleModule validates them (defaults, environment fallbacks and every check then apply as if the
    option had not been written). ``_load_params`` is AnsibleModule's hook for loading the parameters,
    called by its constructor right before validation in ansible-core 2.19 to 2.21.
    """

    def _load_params(self):
        super(NullIsNotGivenModule, self)._load_params()
        self.params = without_null_options(self.params, self.argument_spec)
        # The values YAML typed where text is expected, seen before ansible-core converts them silently.
        self.text_conversions = check_parameters(self.params, self.argument_spec)


class PuddleModule(object):
    """AnsibleModule with the common Puddle options, a lazy client and uniform failures.

    An option given as null is an option not given (NullIsNotGivenModule).
    """

    def __init__(self, argument_spec=None, **ansible_module_kwargs):
        spec = common_argument_spec()
        spec.update(argument_spec or {})
        self.module = NullIsNotGivenModule(argument_spec=spec, **ansible_module_kwargs)
        self.params = self.module.params
        self._client = None
        # The ChangeRecord of a module that documents changed/actions/adopted/unconfirmed as always returned:
        # a failure given no record of its own (the connection options, checked when the client is built) uses it.
        self.record = None
        self._report_conversions(self.module.text_conversions)

    def _report_conversions(self, conversions):
        """A warning for each value converted to text; a mapping or list where text is expected fails the task."""
        for message in conversions.warnings:
            self.warn(message)
        if conversions.refusals:
            path, message = conversions.refusals[0]
            self.fail(ValidationFailedError(message, meta={'field': path, 'rule': 'type'}))

    @property
    def check_mode(self):
        return self.module.check_mode

    @property
    def client(self):
        """The PuddleClient, built on first use; fails the task if the options are unusable."""
        if self._client is None:
            self._client = self._build_client()
        return self._client

    @client.setter
    def client(self, client):
        self._client = client

    def _build_client(self):
        """The client for the task's options, or a failed task before any request.

        make_client checks the common options that are a number of seconds (request_timeout, retry_timeout: finite,
        in their range, option_ranges) as it does for every face; its ValidationFailedError names the option and
        the rule (failure.field, failure.rule = range). A module checks its own wait_timeout and poll_interval with
        the same rule where it checks its other options, so its failure has its usual shape.
        """
        problem = connection_options_problem(self.params)
        if problem is not None:
            option, message = problem
            self.fail(ConfigurationError(message, meta={'field': option}))
        client = None
        try:
            client = make_client(
                api_client=self.params['api_client'],
                server_address=self.params['server_address'],
                api_key_id=self.params['api_key_id'],
                api_secret_key=self.params['api_secret_key'],
                api_token=self.params['api_token'],
                validate_certs=self.params['validate_certs'],
                ca_path=self.params['ca_path'],
                request_timeout=self.params['request_timeout'],
                retry_timeout=self.params['retry_timeout'],
            )
        except PuddleError as error:
            self.fail(error)
        return client

    def bound_requests_by(self, deadline, option):
        """No request of this task retries past deadline (monotonic), which the option named sets (wait_timeout)."""
        set_task_deadline = getattr(self.client, 'set_task_deadline', None)
        if set_task_deadline is not None:
            set_task_deadline(deadline, (option, self.params[option]))

    def secrets(self):
        """Every secret this task knows: the secret options and the client's session token."""
        values = [self.params.get(option) for option in SECRET_OPTIONS]
        if self._client is not None and hasattr(self._client, 'secrets'):
            values.extend(self._client.secrets())
        return [value for value in values if value]

    def _protect_secrets(self):
        # AnsibleModule masks no_log values in every result; the session token is one too.
        secrets = self.secrets()
        self.module.no_log_values.update(secrets)
        return secrets

    def fail(self, error_or_msg, system=None, record=None, **extra):
        """fail_json with msg and failure={code, message, field, rule, status}; never a secret.

        With a ChangeRecord (given, or else the module's ``record``), the failure also carries changed, actions, adopted and unconfirmed (the
        record's values win over extra's): what the task's requests had done, or may have done, before
        it failed. The action error's request may have carried out (its answer was lost) moves into the record.
        """
        secrets = self._protect_secrets()
        failure = _scrub_value(failure_from_error(error_or_msg, system), secrets)
        if record is None:
            record = self.record
        if record is not None:
            record.failed_with(error_or_msg)
            extra.update(record.as_result())
        if system is not None and 'system' not in extra:
            extra['system'] = system
        self.module.fail_json(msg=failure['message'], failure=failure, **_scrub_value(extra, secrets))

    def exit_json(self, **result):
        self._protect_secrets()
        self.module.exit_json(**result)

    def warn(self, message):
        self.module.warn(scrub_secrets(message, self.secrets()))

    def run(self, action, *args, **kwargs):
        """Call action; a PuddleError becomes a clean task failure instead of a traceback."""
        result = None
        try:
            result = action(*args, **kwargs)
        except PuddleError as error:
            self.fail(error)
        return result


class DifferenceTracker(object):
    """Before/after values of the things a task compares.

    An inactive item is shown in the diff but never counts as a change (e.g. a value only reported).
    """

    def __init__(self):
        self._items = []

    def add(self, name, before, after, active=True):
        self._items = [item for item in self._items if item[0] != name]
        self._items.append((name, before, after, active))

    def changes(self):
        """Names of the active items whose value differs, in the order they were added."""
        return [name for name, before, after, active in self._items if active and before != after]

    def has_difference(self):
        return bool(self.changes())

    def diff(self):
        return {
            'before': dict((item[0], item[1]) for item in self._items),
            'after': dict((item[0], item[2]) for item in self._items),
        }
