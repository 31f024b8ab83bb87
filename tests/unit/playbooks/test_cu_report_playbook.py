# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/cu_report.yml, rendered by Ansible's own templating from a puddle_system_info result: a figure the
client does not report (left out and named in unknown_attributes) is shown as unknown, never 0, and never fails
the play."""

import os

import pytest
import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

COLLECTION_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
SYSTEMS = [dict(id='s1', name='a', status='started', instance_type='m5.xlarge', cu_per_hour=2),
           dict(id='s2', name='b', status='stopped', instance_type='m5.xlarge', cu_per_hour=3)]


def report(cu_consumption, systems=None):
    """The lines the play prints."""
    with open(os.path.join(COLLECTION_ROOT, 'playbooks', 'cu_report.yml')) as handle:
        tasks = dict((task['name'], task) for task in yaml.safe_load(handle)[0]['tasks'])
    variables = dict(cu_report_tags={}, cu_report_info=dict(systems=SYSTEMS if systems is None else systems,
                                                            cu_consumption=cu_consumption))
    facts = tasks['Build the rows']['ansible.builtin.set_fact']
    for name, value in facts.items():
        variables[name] = Templar(loader=DataLoader(), variables=variables).template(
            trust_as_template(value) if isinstance(value, str) else value)
    return Templar(loader=DataLoader(), variables=variables).template(
        trust_as_template(tasks['Show the CU consumption']['ansible.builtin.debug']['msg']))


def consumption(**changes):
    info = dict(available_cu=990, consumed_cu=10, unknown_attributes=[],
                systems_consumption_info=[dict(system_id='s1', cu_per_hour=2, unknown_attributes=[])])
    info.update(changes)
    return info


def row_of(lines, name):
    return [line.split() for line in lines if line.startswith(name + ' ')][0]


def test_known_figures():
    lines = report(consumption())
    assert row_of(lines, 'a')[3:] == ['2', '2'] and row_of(lines, 'b')[3:] == ['0', '3']
    assert 'total now: 2 CU/h for 2 system(s)' in lines
    assert 'CU pool: 10 consumed, 990 available now, 987 once all of them run' in lines


def test_an_unknown_consumption_list_makes_every_now_figure_unknown():
    info = consumption(unknown_attributes=['systems_consumption_info'])
    del info['systems_consumption_info']
    lines = report(info)
    assert row_of(lines, 'a')[3:] == ['unknown', '2'] and row_of(lines, 'b')[3:] == ['unknown', '3']
    assert 'total now: unknown for 2 system(s)' in lines
    assert 'CU pool: 10 consumed, 990 available now, unknown once all of them run' in lines


@pytest.mark.parametrize('entry', [dict(system_id='s1', unknown_attributes=['cu_per_hour']),
                                   dict(cu_per_hour=2, unknown_attributes=['system_id'])])
def test_an_entry_with_an_unknown_figure_or_system_is_unknown_never_zero(entry):
    lines = report(consumption(systems_consumption_info=[entry]))
    assert row_of(lines, 'a')[3] == 'unknown'
    assert 'total now: unknown for 2 system(s)' in lines
    assert 'CU pool: 10 consumed, 990 available now, unknown once all of them run' in lines
