# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: puddle
short_description: Puddle systems as inventory hosts
version_added: 0.1.0
description:
  - Makes every system of the authenticated Puddle user that is not terminated an inventory host
    (one C(SystemService/ListSystems) call, after the login).
  - Each host gets every field of its system as a host variable prefixed with C(puddle_), for example
    C(puddle_status), C(puddle_cloud) or C(puddle_url); C(puddle_tags) is a dictionary tag name -> value.
    C(ansible_host) is the system's C(address) when it has one (from its first start on).
  - A field the client does not report (for example an attribute a model of Puddle's Python client lacks with
    O(api_client=puddle_client)) is unknown, not empty - its host variable is absent rather than null or empty, and
    C(puddle_unknown_attributes) lists such fields (an empty list when every field is known). A system whose tags are
    unknown matches no O(tags) filter.
  - Hosts are put in default groups by status, cloud, product and instance type (see O(default_groups)),
    and in the groups that O(groups) and O(keyed_groups) construct.
  - The inventory source must be a YAML file whose name ends with C(puddle.yml) or C(puddle.yaml)
    and whose O(plugin) is V(puddle.cloud.puddle).
  - The connection options are the ones of the puddle.cloud modules, with the same environment variables.
    In the inventory file, O(server_address), O(api_key_id), O(api_secret_key) and O(api_token) may be
    templates, for example a lookup of an environment variable or a vaulted variable given with C(-e);
    values from the environment variables are used as they are.
author:
  - puddle.cloud contributors (@puddle-cloud)
extends_documentation_fragment:
  - ansible.builtin.constructed
  - ansible.builtin.inventory_cache
requirements:
  - requests (only to reach Puddle through an HTTP proxy, see the modules' notes)
options:
  plugin:
    description: Marks the file as an inventory source of this plugin.
    required: true
    type: str
    choices: [puddle.cloud.puddle]
  server_address:
    description:
      - Address of the Puddle server, with its scheme, for example C(https://puddle.example.com).
      - If not set, the E(PUDDLE_SERVER_ADDRESS) environment variable is used. Required, as an option or through the environment.
    type: str
    env:
      - name: PUDDLE_SERVER_ADDRESS
  api_key_id:
    description:
      - Id of the Puddle API key to log in with. Use it together with O(api_secret_key).
      - If not set, the E(PUDDLE_API_KEY_ID) environment variable is used, then E(PUDDLE_api_key_id),
        the spelling that Puddle's own Python client reads.
      - Either O(api_key_id) and O(api_secret_key), or O(api_token), must be given.
    type: str
    env:
      # When several are set, the last one listed wins: E(PUDDLE_API_KEY_ID), as with the modules.
      - name: PUDDLE_api_key_id
      - name: PUDDLE_API_KEY_ID
  api_secret_key:
    description:
      - Secret of the Puddle API key named by O(api_key_id).
      - If not set, the E(PUDDLE_API_SECRET_KEY) environment variable is used, then E(PUDDLE_api_secret_key),
        the spelling that Puddle's own Python client reads.
      - Never put in host variables, the cache or error messages. Prefer the environment, or a vaulted value or
        lookup, to a clear text secret in the inventory file.
    type: str
    secret: true
    env:
      - name: PUDDLE_api_secret_key
      - name: PUDDLE_API_SECRET_KEY
  api_token:
    description:
      - A token returned by a Puddle login, used instead of logging in with an API key.
      - If not set, the E(PUDDLE_API_TOKEN) environment variable is used.
      - Never put in host variables, the cache or error messages.
    type: str
    secret: true
    env:
      - name: PUDDLE_API_TOKEN
  validate_certs:
    description:
      - Whether to verify the TLS certificate of the Puddle server.
      - Set to V(false) only for a test server with a self-signed certificate.
    type: bool
    default: true
  ca_path:
    description:
      - Path of a PEM file with the CA certificates to verify the Puddle server with, instead of the
        system's trusted CAs. Ignored when O(validate_certs=false).
    type: path
  request_timeout:
    description:
      - Seconds to wait for an answer to a single request before it counts as lost.
      - Lost answers, unavailable servers and rate limiting are retried with a backoff.
      - A finite number greater than 0 and at most 31536000 (365 days); anything else (V(nan), V(inf), 0 or less,
        more than a year) fails before any request.
    type: float
    default: 30
  api_client:
    description:
      - Which client speaks to Puddle, V(builtin) or V(puddle_client) (Puddle's own Python client, installed on the
        controller), as for the puddle.cloud modules; see their O(puddle.cloud.puddle_system#module:api_client) option.
    type: str
    choices: [builtin, puddle_client]
    default: builtin
    env:
      - name: PUDDLE_API_CLIENT
  hostnames:
    description:
      - What names the hosts. V(name) is the system's name, unique among the user's systems that are not
        terminated; V(id) is the id Puddle assigned, never reused.
    type: str
    choices: [name, id]
    default: name
  clouds:
    description: Only the systems on these clouds. Empty means every cloud.
    type: list
    elements: str
    choices: [aws, azure, gcp]
    default: []
  statuses:
    description: Only the systems in one of these statuses. Empty means every status.
    type: list
    elements: str
    choices: [provisioning, starting, started, stopping, stopped, restarting, failed, terminating]
    default: []
  tags:
    description:
      - Only the systems carrying every one of these tags (name -> value) with that value.
      - A V(null) value means "no value", the empty string, as in the O(puddle.cloud.puddle_system#module:tags) of
        M(puddle.cloud.puddle_system), so it matches a system whose tag is empty or that does not carry the tag.
      - The same filter means the same in M(puddle.cloud.puddle_system_info) and O(puddle.cloud.puddle_fleet#module:prune_tags).
        A system whose tags the client does not report (unknown) is not selected when O(tags) is given.
    type: dict
    default: {}
  default_groups:
    description:
      - Whether to add each host to the groups C(puddle_status_<status>), C(puddle_cloud_<cloud>),
        C(puddle_product_<product>) and C(puddle_instance_type_<instance type name>). Group names are
        sanitized like the names that O(keyed_groups) makes, for example C(puddle_instance_type_m5_xlarge).
    type: bool
    default: true
notes:
  - O(cache) stores the listed systems (never a credential), so a cached run sends no request at all;
    the filters and groups are applied again on every run.
  - The cache is kept per server and per credentials. Its key adds to the source's own key a deliberately slow
    one-way digest (PBKDF2-HMAC-SHA256, 400,000 rounds, about 75 ms) of O(api_secret_key) and O(api_token) as used,
    salted with the server address and O(api_key_id), so the same source used with another user's key, another
    secret, another token or against another server misses the cache and asks Puddle; neither a secret nor a token
    can be read back from the key, and guesses of a secret cannot be tested cheaply against it.
"""

EXAMPLES = r"""
# puddle.yml: every system; credentials from PUDDLE_SERVER_ADDRESS, PUDDLE_API_KEY_ID and PUDDLE_API_SECRET_KEY
plugin: puddle.cloud.puddle
---
# prod.puddle.yml: the started systems of one project on AWS or GCP, named by id, with constructed groups
plugin: puddle.cloud.puddle
server_address: https://puddle.example.com
api_key_id: my-key-id
api_secret_key: "{{ lookup('ansible.builtin.env', 'MY_PUDDLE_SECRET') }}"
hostnames: id
clouds: [aws, gcp]
statuses: [started]
tags:
  project: churn
compose:
  ansible_user: "'ubuntu'"
  product_url: puddle_url
groups:
  gpu: puddle_instance_type in ['p3.2xlarge', 'Standard_NC6s_v3', 'n1-standard-8-t4']
keyed_groups:
  - key: puddle_tags['cost-center']
    prefix: cost_center
    default_value: none
---
# cached.puddle.yml: list the systems at most once an hour
plugin: puddle.cloud.puddle
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/puddle-inventory
cache_timeout: 3600
"""

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.module_utils.common.text.converters import to_native
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

from ansible_collections.puddle.cloud.plugins.module_utils.client_factory import make_client
from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import (
    ConfigurationError,
    PuddleError,
    identity_digest,
    scrub_secrets,
)
from ansible_collections.puddle.cloud.plugins.module_utils.puddle_info import select, system_view
from ansible_collections.puddle.cloud.plugins.module_utils import tag_filters
from ansible_collections.puddle.cloud.plugins.module_utils.text_conversions import check_tag_filter
from ansible_collections.puddle.cloud.plugins.module_utils.puddle_module import (
    SECRET_OPTIONS,
    connection_options_problem,
)

HOST_VAR_PREFIX = 'puddle_'
CONNECTION_OPTIONS = ('server_address', 'api_key_id', 'api_secret_key', 'api_token', 'validate_certs', 'ca_path',
                      'request_timeout', 'api_client')
# The options whose value may be a template (a lookup of a vault, of the environment...).
TEMPLATED_OPTIONS = ('server_address', 'api_key_id', 'api_secret_key', 'api_token')
# Default group prefix -> the system field whose value names the group.
DEFAULT_GROUP_FIELDS = (
    ('puddle_status', 'status'),
    ('puddle_cloud', 'cloud'),
    ('puddle_product', 'product'),
    ('puddle_instance_type', 'instance_type'),
)


def host_vars_of(system):
    """Every field of the system prefixed with puddle_ (tags as a dict), and ansible_host from its address."""
    host_vars = dict((HOST_VAR_PREFIX + field, value) for field, value in system_view(system).items())
    if system.get('address'):
        host_vars['ansible_host'] = system['address']
    return host_vars


def select_systems(systems, clouds=None, statuses=None, tags=None):
    """The systems on one of clouds, in one of statuses and carrying every tag (empty filters match all)."""
    return [system for system in select(systems, cloud=clouds, status=statuses) if tag_filters.selects(system, tags)]


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):

    NAME = 'puddle.cloud.puddle'

    def verify_file(self, path):
        return super(InventoryModule, self).verify_file(path) and path.endswith(('puddle.yml', 'puddle.yaml'))

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path, cache)
        config = self._read_config_data(path)
        params = self._connection_params(config)

        cache_key = self.identity_cache_key(path, params)
        use_cache = self.get_option('cache') and cache
        update_cache = self.get_option('cache') and not cache
        systems = None
        if use_cache:
            try:
                systems = self._cache[cache_key]
            except KeyError:
                update_cache = True
        if systems is None:
            systems = self._list_systems(params)
        if update_cache:
            self._cache[cache_key] = systems

        self._populate(systems)

    def identity_cache_key(self, path, params):
        """The cache key of this source for who asks where: the source's own key, then a one-way
        digest of the server address and the credentials (never a secret)."""
        digest = identity_digest(params.get('server_address'), params.get('api_key_id'), params.get('api_secret_key'),
                                 params.get('api_token'))
        return '{0}_{1}'.format(self.get_cache_key(path), digest)

    # -- talking to Puddle

    def _connection_params(self, config):
        params = dict((option, self.get_option(option)) for option in CONNECTION_OPTIONS)
        # Only the file's own values are templates: a secret from the environment is used as it is,
        # even if it happens to hold '{{'.
        for option in TEMPLATED_OPTIONS:
            if option in config:
                params[option] = self._templated(option, params[option])
        return params

    def _templated(self, option, value):
        """The option's value with its template rendered; extra vars (-e) are available to it."""
        if not isinstance(value, str):
            return value
        self.templar.available_variables = self._vars or {}
        try:
            return self.templar.template(value)
        except AnsibleError as error:
            # A failed template of a secret could quote a part of it: then only the kind of error is told.
            detail = type(error).__name__ if option in SECRET_OPTIONS else to_native(error)
            raise AnsibleParserError('Puddle inventory: could not template the {0} option: {1}'.format(option, detail))

    def _list_systems(self, params):
        """The user's systems that are not terminated, as Puddle sends them."""
        secrets = [params.get(option) for option in SECRET_OPTIONS]
        client = None
        try:
            problem = connection_options_problem(params)
            if problem is not None:
                raise ConfigurationError(problem[1], meta={'field': problem[0]})
            client = make_client(**params)
            return client.list_systems()
        except PuddleError as error:
            if client is not None:
                secrets.extend(client.secrets())
            raise AnsibleParserError('Puddle inventory: could not list the systems ({0}): {1}'.format(
                error.code, scrub_secrets(error.message, secrets)))

    # -- filling the inventory

    def _tag_filter(self):
        """The tags option; a value YAML typed is warned about (as text it matches), a mapping or list refused."""
        tags = self.get_option('tags')
        conversions = check_tag_filter('tags', tags)
        if conversions.refusals:
            raise AnsibleParserError('Puddle inventory: ' + conversions.refusals[0][1])
        for message in conversions.warnings:
            self.display.warning('Puddle inventory: ' + message)
        return tags

    def _populate(self, systems):
        selected = select_systems(systems, clouds=self.get_option('clouds'), statuses=self.get_option('statuses'),
                                  tags=self._tag_filter())
        hostname_field = self.get_option('hostnames')
        strict = self.get_option('strict')
        for system in selected:
            host = self.inventory.add_host(system[hostname_field])
            host_vars = host_vars_of(system)
            for name, value in host_vars.items():
                self.inventory.set_variable(host, name, value)
            if self.get_option('default_groups'):
                self._add_to_default_groups(host, system)
            self._set_composite_vars(self.get_option('compose'), host_vars, host, strict=strict)
            self._add_host_to_composed_groups(self.get_option('groups'), host_vars, host, strict=strict)
            self._add_host_to_keyed_groups(self.get_option('keyed_groups'), host_vars, host, strict=strict)

    def _add_to_default_groups(self, host, system):
        for prefix, field in DEFAULT_GROUP_FIELDS:
            if system.get(field):
                group = self.inventory.add_group(self._sanitize_group_name('{0}_{1}'.format(prefix, system[field])))
                self.inventory.add_child(group, host)
