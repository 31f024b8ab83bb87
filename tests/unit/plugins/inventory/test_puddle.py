# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The puddle.cloud.puddle inventory plugin, parsing real inventory files, with the real client
talking to an in-memory Puddle (FakePuddle in place of the HTTP session)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest
import yaml
from ansible.errors import AnsibleError, AnsibleParserError
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import inventory_loader

from ansible_collections.puddle.cloud.plugins.module_utils import client_factory
from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import PuddleClient
from ansible_collections.puddle.cloud.tests.unit.plugins.module_utils.fake_puddle import SERVER, FakePuddle

SECRET_KEY = 'demo-secret-key'
CONNECTION = dict(server_address=SERVER, api_key_id='demo-key-id', api_secret_key=SECRET_KEY)

# Every field of a system (docs/api.md section 3), as the simulator sends them.
FULL_SYSTEM = dict(
    owner='u-demo', cloud='aws', status='started', vm_status='running', product_status='running',
    config_toml_status='none', product='dai', version='1.11.1', image_id='aws-dai-1.11.1',
    image_name='Driverless AI 1.11.1', instance_type='m5.xlarge', instance_type_id='aws-m5.xlarge', cu_per_hour=2,
    disk_size_gb=256, idle_interval=60, idle_deadline='2026-11-25T13:00:00Z',
    tags=[{'name': 'cost-center', 'value': 'rnd'}, {'name': 'project', 'value': 'churn'}],
    address='10.0.0.7', url='https://puddle.test/product/sys-1/', created='2026-11-25T12:00:00Z',
    updated='2026-11-25T12:01:00Z', can_start=False, can_stop=True, can_restart=True, can_fail=False,
    can_terminate=True, can_refresh_idle_timeout=True, can_update_config_toml=True, failure_reason=None,
)


def add_system(fake, name, **overrides):
    """A system with every field of FULL_SYSTEM, some of them changed."""
    fields = dict(FULL_SYSTEM)
    fields.update(overrides)
    return fake.add_system(name, **fields)


@pytest.fixture
def fake(monkeypatch):
    """A Puddle with four systems of the user; every client the plugin builds talks to it."""
    fake = FakePuddle()
    add_system(fake, 'churn-a')
    add_system(fake, 'churn-b', status='stopped', cloud='gcp', product='h2o3', address='10.0.0.8',
               instance_type='n1-standard-4', tags=[{'name': 'project', 'value': 'churn'}])
    add_system(fake, 'fraud-a', cloud='azure', instance_type='Standard_D4s_v3',
               tags=[{'name': 'cost-center', 'value': 'ops'}, {'name': 'project', 'value': 'fraud'}])
    add_system(fake, 'new-one', status='provisioning', address=None, url=None, tags=[])
    fake.built = []

    def build_client(**options):
        fake.built.append(options)
        return PuddleClient(transport=fake, sleep=fake.clock.sleep, monotonic=fake.clock.monotonic, **options)

    monkeypatch.setitem(client_factory.CLIENT_CLASSES, 'builtin', build_client)
    return fake


def write_source(tmp_path, name='test.puddle.yml', connection=True, **options):
    config = dict(plugin='puddle.cloud.puddle')
    if connection:
        config.update(CONNECTION)
    config.update(options)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(config))
    return str(path)


def parse(path, cache=True):
    """What InventoryManager does with a source: parse, then store the cache if it changed."""
    plugin = inventory_loader.get('puddle.cloud.puddle')
    inventory = InventoryData()
    plugin.parse(inventory, DataLoader(), path, cache=cache)
    if plugin.get_option('cache'):
        plugin.update_cache_if_changed()
    return inventory


def host_names(inventory):
    return sorted(inventory.hosts)


def group_hosts(inventory, group):
    return sorted(host.name for host in inventory.groups[group].get_hosts())


def everything_of(inventory):
    """The whole inventory as text: host names, their variables, group names and group variables."""
    content = dict(
        hosts=dict((name, host.vars) for name, host in inventory.hosts.items()),
        groups=dict((name, dict(group.vars, hosts=[host.name for host in group.get_hosts()]))
                    for name, group in inventory.groups.items()),
    )
    return json.dumps(content, default=str)


# -- the inventory source


@pytest.mark.parametrize('name, accepted', [
    ('test.puddle.yml', True),
    ('puddle.yaml', True),
    ('prod-puddle.yml', True),
    ('puddle.json', False),
    ('test.aws_ec2.yml', False),
])
def test_verify_file_accepts_puddle_yml_and_yaml_only(tmp_path, name, accepted):
    path = tmp_path / name
    path.write_text('plugin: puddle.cloud.puddle\n')
    plugin = inventory_loader.get('puddle.cloud.puddle')
    assert plugin.verify_file(str(path)) is accepted


def test_verify_file_refuses_a_missing_file(tmp_path):
    plugin = inventory_loader.get('puddle.cloud.puddle')
    assert plugin.verify_file(str(tmp_path / 'missing.puddle.yml')) is False


# -- hosts and host variables


def test_every_system_is_a_host_named_by_name_with_two_requests(fake, tmp_path):
    inventory = parse(write_source(tmp_path))
    assert host_names(inventory) == ['churn-a', 'churn-b', 'fraud-a', 'new-one']
    assert fake.methods() == ['Login', 'ListSystems']


def test_host_vars_are_every_field_prefixed_with_tags_as_a_dict(fake, tmp_path):
    inventory = parse(write_source(tmp_path))
    host_vars = inventory.get_host('churn-a').vars
    expected = dict(('puddle_' + field, value) for field, value in FULL_SYSTEM.items())
    expected.update(puddle_id='sys-1', puddle_name='churn-a', puddle_tags={'cost-center': 'rnd', 'project': 'churn'},
                    ansible_host='10.0.0.7', puddle_unknown_attributes=[])
    # InventoryData's own variables (the source is not a file of hosts).
    expected.update(inventory_file=None, inventory_dir=None)
    assert host_vars == expected


def test_a_field_the_answer_lacks_is_unknown_not_empty(fake, tmp_path):
    # issue 19.1, with the builtin client: an answer without a field leaves its host variable out.
    system = add_system(fake, 'partial')
    del system['tags'], system['idle_interval']
    host_vars = parse(write_source(tmp_path)).get_host('partial').vars
    assert 'puddle_tags' not in host_vars and 'puddle_idle_interval' not in host_vars
    assert host_vars['puddle_unknown_attributes'] == ['idle_interval', 'tags']
    # Unknown tags match no tag filter, not even "no value".
    assert 'partial' not in host_names(parse(write_source(tmp_path, tags={'project': None})))


def test_a_system_without_address_has_no_ansible_host(fake, tmp_path):
    host_vars = parse(write_source(tmp_path)).get_host('new-one').vars
    assert 'ansible_host' not in host_vars
    assert host_vars['puddle_address'] is None
    assert host_vars['puddle_tags'] == {}


def test_hostnames_id_names_hosts_by_system_id(fake, tmp_path):
    inventory = parse(write_source(tmp_path, hostnames='id'))
    assert host_names(inventory) == ['sys-1', 'sys-2', 'sys-3', 'sys-4']
    assert inventory.get_host('sys-2').vars['puddle_name'] == 'churn-b'
    assert group_hosts(inventory, 'puddle_status_stopped') == ['sys-2']


def test_hostnames_must_be_name_or_id(fake, tmp_path):
    with pytest.raises(AnsibleError, match='hostnames'):
        parse(write_source(tmp_path, hostnames='address'))


# -- filters


@pytest.mark.parametrize('filters, expected', [
    (dict(statuses=['started']), ['churn-a', 'fraud-a']),
    (dict(statuses=['stopped', 'provisioning']), ['churn-b', 'new-one']),
    (dict(clouds=['gcp', 'azure']), ['churn-b', 'fraud-a']),
    (dict(tags={'project': 'churn'}), ['churn-a', 'churn-b']),
    (dict(tags={'project': 'churn', 'cost-center': 'rnd'}), ['churn-a']),
    # null is "no value", as puddle_system stores it: the systems without a cost-center.
    (dict(tags={'cost-center': None}), ['churn-b', 'new-one']),
    (dict(tags={'cost-center': ''}), ['churn-b', 'new-one']),
    (dict(tags={'project': 'nothing'}), []),
    (dict(clouds=['aws'], statuses=['started'], tags={'project': 'churn'}), ['churn-a']),
    (dict(clouds=[], statuses=[], tags={}), ['churn-a', 'churn-b', 'fraud-a', 'new-one']),
])
def test_filters_keep_the_systems_matching_all_of_them(fake, tmp_path, filters, expected):
    assert host_names(parse(write_source(tmp_path, **filters))) == expected


def test_an_unknown_status_in_the_filter_is_refused(fake, tmp_path):
    with pytest.raises(AnsibleError, match='statuses'):
        parse(write_source(tmp_path, statuses=['started', 'running']))
    assert fake.requests == []


# -- groups


def test_default_groups_by_status_cloud_product_and_sanitized_instance_type(fake, tmp_path):
    inventory = parse(write_source(tmp_path))
    assert group_hosts(inventory, 'puddle_status_started') == ['churn-a', 'fraud-a']
    assert group_hosts(inventory, 'puddle_status_stopped') == ['churn-b']
    assert group_hosts(inventory, 'puddle_status_provisioning') == ['new-one']
    assert group_hosts(inventory, 'puddle_cloud_aws') == ['churn-a', 'new-one']
    assert group_hosts(inventory, 'puddle_cloud_gcp') == ['churn-b']
    assert group_hosts(inventory, 'puddle_cloud_azure') == ['fraud-a']
    assert group_hosts(inventory, 'puddle_product_dai') == ['churn-a', 'fraud-a', 'new-one']
    assert group_hosts(inventory, 'puddle_product_h2o3') == ['churn-b']
    assert group_hosts(inventory, 'puddle_instance_type_m5_xlarge') == ['churn-a', 'new-one']
    assert group_hosts(inventory, 'puddle_instance_type_n1_standard_4') == ['churn-b']
    assert group_hosts(inventory, 'puddle_instance_type_Standard_D4s_v3') == ['fraud-a']


def test_default_groups_false_makes_no_group(fake, tmp_path):
    inventory = parse(write_source(tmp_path, default_groups=False))
    assert host_names(inventory) == ['churn-a', 'churn-b', 'fraud-a', 'new-one']
    assert sorted(inventory.groups) == ['all', 'ungrouped']


def test_compose_groups_and_keyed_groups_use_the_puddle_variables(fake, tmp_path):
    inventory = parse(write_source(
        tmp_path,
        compose={'product_url': 'puddle_url', 'ansible_host': "'puddle-' ~ puddle_name"},
        groups={'gpu_free': "puddle_instance_type != 'p3.2xlarge'", 'churn_started': "puddle_status == 'started' and "
                                                                                     "puddle_tags.project == 'churn'"},
        keyed_groups=[{'key': "puddle_tags['cost-center'] | default('none')", 'prefix': 'cost_center'},
                      {'key': 'puddle_tags', 'prefix': 'tag'}],
    ))
    churn_a = inventory.get_host('churn-a').vars
    assert churn_a['product_url'] == FULL_SYSTEM['url']
    # compose is applied after the plugin's own variables, so it may override ansible_host.
    assert churn_a['ansible_host'] == 'puddle-churn-a'
    assert group_hosts(inventory, 'churn_started') == ['churn-a']
    assert group_hosts(inventory, 'gpu_free') == ['churn-a', 'churn-b', 'fraud-a', 'new-one']
    assert group_hosts(inventory, 'cost_center_rnd') == ['churn-a']
    assert group_hosts(inventory, 'cost_center_ops') == ['fraud-a']
    assert group_hosts(inventory, 'cost_center_none') == ['churn-b', 'new-one']
    assert group_hosts(inventory, 'tag_project_churn') == ['churn-a', 'churn-b']
    assert group_hosts(inventory, 'tag_cost_center_ops') == ['fraud-a']


def test_strict_makes_a_broken_compose_an_error(fake, tmp_path):
    compose = {'owner_email': 'puddle_owner_details.email'}
    inventory = parse(write_source(tmp_path, compose=compose))
    assert 'owner_email' not in inventory.get_host('churn-a').vars
    with pytest.raises(AnsibleError, match='owner_email'):
        parse(write_source(tmp_path, compose=compose, strict=True))


# -- caching


def test_a_cached_parse_sends_no_request(fake, tmp_path):
    cache_dir = tmp_path / 'cache'
    path = write_source(tmp_path, cache=True, cache_plugin='ansible.builtin.jsonfile', cache_connection=str(cache_dir),
                        statuses=['started'])
    first = parse(path)
    assert fake.methods() == ['Login', 'ListSystems']
    assert os.listdir(str(cache_dir))
    add_system(fake, 'late-one')

    second = parse(path)
    assert fake.methods() == ['Login', 'ListSystems']
    assert host_names(second) == host_names(first) == ['churn-a', 'fraud-a']
    assert second.get_host('churn-a').vars == first.get_host('churn-a').vars

    # A refresh (ansible-inventory --flush-cache, meta: refresh_inventory) asks Puddle again.
    refreshed = parse(path, cache=False)
    assert fake.methods() == ['Login', 'ListSystems', 'Login', 'ListSystems']
    assert host_names(refreshed) == ['churn-a', 'fraud-a', 'late-one']


def test_the_cache_is_not_used_unless_enabled(fake, tmp_path):
    path = write_source(tmp_path, cache=False, cache_plugin='ansible.builtin.jsonfile',
                        cache_connection=str(tmp_path / 'cache'))
    parse(path)
    parse(path)
    assert fake.methods() == ['Login', 'ListSystems', 'Login', 'ListSystems']
    assert not (tmp_path / 'cache').exists()


def test_the_cache_holds_no_credential(fake, tmp_path):
    cache_dir = tmp_path / 'cache'
    parse(write_source(tmp_path, cache=True, cache_plugin='ansible.builtin.jsonfile', cache_connection=str(cache_dir)))
    cached = ''.join((cache_dir / name).read_text() for name in os.listdir(str(cache_dir)))
    assert 'churn-a' in cached
    assert SECRET_KEY not in cached
    assert 'token-1-s3cr3t' not in cached


def cached_source(tmp_path, name='test.puddle.yml', **connection):
    """A cached source with its connection options (None leaves one out)."""
    options = dict(CONNECTION, **connection)
    path = tmp_path / name
    config = dict(plugin='puddle.cloud.puddle', cache=True, cache_plugin='ansible.builtin.jsonfile',
                  cache_connection=str(tmp_path / 'cache'))
    config.update((key, value) for key, value in options.items() if value is not None)
    path.write_text(yaml.safe_dump(config))
    return str(path)


def log_in_as_other(fake):
    """A session token of the other user, as puddle_login would give it."""
    client = PuddleClient(SERVER, api_key_id='other-key-id', api_secret_key='other-secret-key', transport=fake)
    client.login()
    return client.token


@pytest.mark.parametrize('change', ['server_address', 'api_key_id', 'api_secret_key', 'api_token'])
def test_the_cache_of_one_identity_is_never_shown_to_another(fake, tmp_path, change):
    # User A fills the cache; the same source then used by another identity must ask Puddle.
    add_system(fake, 'other-a', owner='u-other')
    first = parse(cached_source(tmp_path))
    assert 'other-a' not in host_names(first)
    assert fake.methods() == ['Login', 'ListSystems']
    if change == 'server_address':
        changed = dict(server_address='https://puddle-2.test')
    elif change == 'api_key_id':
        changed = dict(api_key_id='other-key-id', api_secret_key='other-secret-key')
    elif change == 'api_secret_key':
        changed = dict(api_secret_key='a-wrong-secret')
    else:
        changed = dict(api_key_id=None, api_secret_key=None, api_token=log_in_as_other(fake))
    fake.requests[:] = []
    path = cached_source(tmp_path, **changed)
    if change == 'api_secret_key':
        # Another secret misses the cache too: Puddle is asked, and refuses it.
        with pytest.raises(AnsibleParserError, match='unauthenticated'):
            parse(path)
        assert fake.methods() == ['Login']
        return
    second = parse(path)
    assert fake.methods() in (['Login', 'ListSystems'], ['ListSystems'])
    if change in ('api_key_id', 'api_token'):
        assert host_names(second) == ['other-a']
    # And A's cache is still A's.
    fake.requests[:] = []
    assert host_names(parse(cached_source(tmp_path))) == host_names(first)
    assert fake.methods() == []


def test_the_same_identity_hits_the_cache_whatever_the_source_file_says_about_other_things(fake, tmp_path):
    parse(cached_source(tmp_path, server_address=SERVER + '/'))
    parse(cached_source(tmp_path, statuses=['stopped']))
    assert fake.methods() == ['Login', 'ListSystems']


def test_the_cache_key_holds_no_secret_and_is_one_way(fake, tmp_path):
    from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import identity_digest
    digest = identity_digest(SERVER, 'demo-key-id', SECRET_KEY)
    assert len(digest) == 64 and SECRET_KEY not in digest and 'demo-key-id' not in digest
    assert digest == identity_digest(SERVER + '/', 'demo-key-id', SECRET_KEY)
    others = [identity_digest('https://puddle-2.test', 'demo-key-id', SECRET_KEY),
              identity_digest(SERVER, 'other-key-id', SECRET_KEY),
              identity_digest(SERVER, 'demo-key-id', 'another-secret'),
              identity_digest(SERVER, api_token='tok-1'),
              identity_digest(SERVER, api_token='tok-2')]
    assert len(set(others + [digest])) == 6
    parse(cached_source(tmp_path))
    names = os.listdir(str(tmp_path / 'cache'))
    assert any(digest in name for name in names)
    assert not any(SECRET_KEY in name for name in names)


# -- connection options and credentials


def test_connection_options_reach_the_client(fake, tmp_path):
    parse(write_source(tmp_path, validate_certs=False, ca_path='/etc/puddle/ca.pem', request_timeout=7.5))
    assert fake.built == [dict(CONNECTION, api_token=None, validate_certs=False, ca_path='/etc/puddle/ca.pem',
                               request_timeout=7.5)]
    assert [kwargs['timeout'] for name, body, headers, kwargs in fake.requests] == [7.5, 7.5]


def test_ca_path_is_used_to_verify_by_default(fake, tmp_path):
    parse(write_source(tmp_path, ca_path='/etc/puddle/ca.pem'))
    assert fake.built[0]['validate_certs'] is True
    assert fake.built[0]['request_timeout'] == 30
    assert fake.built[0]['ca_path'] == '/etc/puddle/ca.pem'


def test_connection_settings_come_from_the_modules_environment_variables(fake, tmp_path, monkeypatch):
    monkeypatch.setenv('PUDDLE_SERVER_ADDRESS', SERVER)
    monkeypatch.setenv('PUDDLE_api_key_id', 'other-key-id')
    monkeypatch.setenv('PUDDLE_API_KEY_ID', 'demo-key-id')
    monkeypatch.setenv('PUDDLE_api_secret_key', 'other-secret-key')
    monkeypatch.setenv('PUDDLE_API_SECRET_KEY', SECRET_KEY)
    inventory = parse(write_source(tmp_path, connection=False))
    assert host_names(inventory) == ['churn-a', 'churn-b', 'fraud-a', 'new-one']
    # As with the modules, the upper-case variables win over the lower-case ones.
    assert fake.calls('Login') == [{'api_key_id': 'demo-key-id', 'api_secret_key': SECRET_KEY}]


def test_the_lower_case_variables_are_used_alone_too(fake, tmp_path, monkeypatch):
    monkeypatch.setenv('PUDDLE_SERVER_ADDRESS', SERVER)
    monkeypatch.setenv('PUDDLE_api_key_id', 'demo-key-id')
    monkeypatch.setenv('PUDDLE_api_secret_key', SECRET_KEY)
    parse(write_source(tmp_path, connection=False))
    assert fake.calls('Login') == [{'api_key_id': 'demo-key-id', 'api_secret_key': SECRET_KEY}]


def test_an_api_token_from_the_environment_replaces_the_login(fake, tmp_path, monkeypatch):
    fake.tokens['token-given'] = {'user': {'id': 'u-demo', 'name': 'demo'}, 'expired': False}
    monkeypatch.setenv('PUDDLE_API_TOKEN', 'token-given')
    inventory = parse(write_source(tmp_path, connection=False, server_address=SERVER))
    assert host_names(inventory) == ['churn-a', 'churn-b', 'fraud-a', 'new-one']
    assert fake.methods() == ['ListSystems']
    assert fake.requests[0][2]['X-Puddle-Token'] == 'token-given'


def test_options_in_the_file_win_over_the_environment(fake, tmp_path, monkeypatch):
    monkeypatch.setenv('PUDDLE_SERVER_ADDRESS', 'https://elsewhere.test')
    monkeypatch.setenv('PUDDLE_API_KEY_ID', 'other-key-id')
    parse(write_source(tmp_path))
    assert fake.built[0]['server_address'] == SERVER
    assert fake.calls('Login')[0]['api_key_id'] == 'demo-key-id'


def test_credential_options_may_be_templates(fake, tmp_path, monkeypatch):
    monkeypatch.setenv('MY_PUDDLE_SECRET', SECRET_KEY)
    path = write_source(tmp_path, api_key_id="{{ 'demo' ~ '-key-id' }}",
                        api_secret_key="{{ lookup('ansible.builtin.env', 'MY_PUDDLE_SECRET') }}")
    assert host_names(parse(path)) == ['churn-a', 'churn-b', 'fraud-a', 'new-one']
    assert fake.calls('Login') == [{'api_key_id': 'demo-key-id', 'api_secret_key': SECRET_KEY}]


def test_a_template_from_the_environment_is_not_rendered(fake, tmp_path, monkeypatch):
    # Values from the environment are not trusted templates: they are used as they are.
    monkeypatch.setenv('PUDDLE_SERVER_ADDRESS', SERVER)
    monkeypatch.setenv('PUDDLE_API_KEY_ID', 'demo-key-id')
    monkeypatch.setenv('PUDDLE_API_SECRET_KEY', "{{ 'demo-secret-key' }}")
    with pytest.raises(AnsibleParserError, match='unauthenticated'):
        parse(write_source(tmp_path, connection=False))
    assert fake.calls('Login') == [{'api_key_id': 'demo-key-id', 'api_secret_key': "{{ 'demo-secret-key' }}"}]


def test_a_broken_secret_template_fails_without_quoting_it(fake, tmp_path):
    path = write_source(tmp_path, api_secret_key="{{ 'sk-live-9' ~ undefined_secret_part }}")
    with pytest.raises(AnsibleParserError) as raised:
        parse(path)
    assert 'could not template the api_secret_key option' in str(raised.value)
    assert 'sk-live-9' not in str(raised.value)
    assert fake.requests == []


@pytest.mark.parametrize('options, message', [
    (dict(api_key_id='demo-key-id', api_secret_key=SECRET_KEY),
     'No Puddle server address: set the server_address option or the PUDDLE_SERVER_ADDRESS environment variable.'),
    (dict(server_address=SERVER),
     'No Puddle credentials: set api_key_id and api_secret_key (the api_key_id option or the PUDDLE_API_KEY_ID '
     '(or PUDDLE_api_key_id) environment variable'),
    (dict(server_address=SERVER, api_key_id='demo-key-id'),
     'api_key_id is set but api_secret_key is missing: set the api_secret_key option or the PUDDLE_API_SECRET_KEY'),
    (dict(server_address=SERVER, api_secret_key=SECRET_KEY),
     'api_secret_key is set but api_key_id is missing'),
    (dict(server_address='puddle.test', api_key_id='demo-key-id', api_secret_key=SECRET_KEY),
     'must start with http:// or https://'),
])
def test_missing_or_unusable_connection_settings_are_explained(fake, tmp_path, options, message):
    with pytest.raises(AnsibleParserError) as raised:
        parse(write_source(tmp_path, connection=False, **options))
    assert str(raised.value).startswith('Puddle inventory: could not list the systems (configuration): ')
    assert message in str(raised.value)
    assert SECRET_KEY not in str(raised.value)
    assert fake.requests == []


# -- errors and secrets


def test_a_wrong_secret_is_an_authentication_error_that_does_not_hold_it(fake, tmp_path):
    with pytest.raises(AnsibleParserError) as raised:
        parse(write_source(tmp_path, api_secret_key='sk-wrong-4b1d'))
    assert str(raised.value) == ('Puddle inventory: could not list the systems (unauthenticated): AuthService/Login: '
                                 'wrong API key id or secret; check api_key_id and api_secret_key')


def test_a_puddle_error_becomes_a_parser_error_without_secrets(fake, tmp_path):
    # A server that echoes a secret and the session token in its message: both are scrubbed.
    fake.fail_next('ListSystems', 'internal', msg='boom near {0} and token-1-s3cr3t'.format(SECRET_KEY))
    with pytest.raises(AnsibleParserError) as raised:
        parse(write_source(tmp_path))
    message = str(raised.value)
    assert message.startswith('Puddle inventory: could not list the systems (internal): SystemService/ListSystems: boom')
    assert SECRET_KEY not in message
    assert 'token-1-s3cr3t' not in message


def test_unavailable_answers_are_retried_by_the_client(fake, tmp_path):
    fake.fail_next('ListSystems', 'unavailable', times=2)
    inventory = parse(write_source(tmp_path))
    assert host_names(inventory) == ['churn-a', 'churn-b', 'fraud-a', 'new-one']
    assert fake.methods() == ['Login', 'ListSystems', 'ListSystems', 'ListSystems']


def test_no_secret_in_host_vars_or_groups(fake, tmp_path):
    inventory = parse(write_source(tmp_path, keyed_groups=[{'key': 'puddle_tags', 'prefix': 'tag'}]))
    content = everything_of(inventory)
    assert 'churn-a' in content
    assert SECRET_KEY not in content
    assert 'token-1-s3cr3t' not in content
    assert not any(name.startswith(('puddle_api', 'puddle_server')) for host in inventory.hosts.values()
                   for name in host.vars)


def test_the_cache_key_is_a_slow_salted_digest():
    # Not a bare SHA-256 that a lister of the cache folder could test secret guesses against cheaply.
    import hashlib
    import json
    from ansible_collections.puddle.cloud.plugins.module_utils import puddle_client
    digest = puddle_client.identity_digest(SERVER, 'demo-key-id', SECRET_KEY)
    unsalted = hashlib.sha256(json.dumps(['puddle.cloud identity v1', SERVER, 'demo-key-id', SECRET_KEY, ''],
                                         separators=(',', ':')).encode('utf-8')).hexdigest()
    assert digest != unsalted
    assert puddle_client.IDENTITY_DIGEST_ITERATIONS >= 100000
    salt = json.dumps(['puddle.cloud identity v2', SERVER, 'demo-key-id'], separators=(',', ':')).encode('utf-8')
    expected = hashlib.pbkdf2_hmac('sha256', json.dumps([SECRET_KEY, ''], separators=(',', ':')).encode('utf-8'), salt,
                                   puddle_client.IDENTITY_DIGEST_ITERATIONS).hex()
    assert digest == expected
