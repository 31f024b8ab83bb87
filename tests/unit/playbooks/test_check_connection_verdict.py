# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/check_connection.yml: its verdict, rendered by Ansible's own templating from a report of
puddle_server_info, says "unknown" for what is unknown (never None, never a value) and tells what was not read."""

import os

import pytest
import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

COLLECTION_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))


def verdict(info):
    with open(os.path.join(COLLECTION_ROOT, 'playbooks', 'check_connection.yml')) as handle:
        play = yaml.safe_load(handle)[0]
    task = [task for task in play['tasks'] if task['name'] == 'Show the verdict'][0]
    variables = dict((name, trust_as_template(value)) for name, value in task['vars'].items())
    variables['check_connection_info'] = info
    templar = Templar(loader=DataLoader(), variables=variables)
    return templar.template(trust_as_template(task['ansible.builtin.debug']['msg']))


def model(examined=1, unknown=(), source='read'):
    return dict(examined=examined, reported=[], unknown=list(unknown), partly=[], source=source)


def report(**changes):
    info = dict(
        api=dict(answers=True, round_trip_ms=1.0),
        server=dict(address='https://puddle.example.com'),
        client=dict(name='builtin', version=None),
        requests=dict(count=10),
        auth=dict(user=dict(name='demo', email='demo@example.com'), method='api_key', api_key_id='demo-key-id'),
        clouds=[dict(cloud='aws', images=5, instance_types=3)],
        tags=dict(count=3),
        cu_pool=dict(available_cu=990, consumed_cu=10, size=1000, consuming_systems=2, unknown_attributes=[]),
        models=dict(image=model(), instance_type=model(), system=model()),
    )
    info.update(changes)
    return info


def test_a_known_pool_is_shown_with_its_figures():
    assert 'CU pool: 10 of 1000 consumed' in verdict(report())[2]


@pytest.mark.parametrize('unknown, shown', [
    (['available_cu'], 'CU pool: 10 of unknown consumed'),
    (['consumed_cu'], 'CU pool: unknown of unknown consumed'),
])
def test_an_unknown_cu_figure_is_unknown_never_none(unknown, shown):
    """cu_pool.size is null when either figure is unknown (puddle_server_info's RETURN): the verdict says unknown."""
    pool = dict(available_cu=990, consumed_cu=10, size=None, consuming_systems=2, unknown_attributes=unknown)
    for name in unknown:
        del pool[name]
    lines = verdict(report(cu_pool=pool))
    assert shown in lines[2]
    assert 'None' not in ' '.join(lines)


def test_a_pool_not_read_is_said_so():
    assert verdict(report(cu_pool=None))[2].endswith('; 3 tags; CU pool: not read')


def test_with_no_cloud_asked_images_and_instance_types_are_not_read_not_unknown():
    lines = verdict(report(clouds=[], models=dict(image=model(0, ['id', 'name'], None),
                                                  instance_type=model(0, ['id'], None), system=model())))
    assert lines[2].startswith('clouds (images/instance types): none asked; ')
    assert lines[3] == 'unknown: image: not read (no cloud asked); instance_type: not read (no cloud asked)'
    assert lines[4].startswith('next: run a playbook')


def test_an_attribute_the_client_does_not_report_sends_the_user_to_the_conversion_table():
    lines = verdict(report(models=dict(image=model(unknown=['status']), instance_type=model(), system=model())))
    assert lines[3] == 'unknown: image: status'
    assert 'conversion table' in lines[4]
