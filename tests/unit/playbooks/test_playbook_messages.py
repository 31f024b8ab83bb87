# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The messages of playbooks/refresh_idle_timeout.yml and demo.yml, rendered by Ansible's own templating from a
module result: an attribute the client does not report (left out, named in unknown_attributes) is shown as
unknown, never as 'none' (which reads as "no idle deadline"), and never fails the play."""

import os

import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

COLLECTION_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))


def message(playbook, task_name, **variables):
    with open(os.path.join(COLLECTION_ROOT, 'playbooks', playbook)) as handle:
        play = yaml.safe_load(handle)[0]
    task = [task for task in play['tasks'] if task['name'] == task_name][0]
    return ' '.join(Templar(loader=DataLoader(), variables=variables).template(
        trust_as_template(task['ansible.builtin.debug']['msg'])).split())


def refreshed(**system):
    return message('refresh_idle_timeout.yml', 'Show the new idle deadline', puddle_system_name='churn',
                   refresh_result=dict(system=dict(system, unknown_attributes=[]) if system else None))


def test_the_idle_deadline_as_reported():
    assert refreshed(status='started', idle_deadline='2026-12-07T12:00:00Z') == (
        'churn: started, idle deadline 2026-12-07T12:00:00Z')


def test_no_idle_deadline_is_none():
    assert refreshed(status='stopped', idle_deadline=None) == 'churn: stopped, idle deadline none'


def test_an_idle_deadline_the_client_does_not_report_is_unknown():
    assert refreshed(status='started') == 'churn: started, idle deadline unknown'


def test_an_absent_system_has_no_idle_deadline():
    text = message('refresh_idle_timeout.yml', 'Show the new idle deadline', puddle_system_name='churn',
                   refresh_result=dict(changed=False))
    assert text == 'churn: absent, idle deadline none'


def test_the_demo_shows_an_unknown_config_toml_status_as_unknown():
    system = dict(name='demo', product='dai', version='1.11.1', url='http://127.0.0.1/product/s1/')
    shown = message('demo.yml', 'Show where it answers', demo=dict(system=system),
                    config=dict(config_toml=dict(unknown_attributes=['status'], changed=True)))
    assert shown == 'demo (dai 1.11.1) runs its config.toml (unknown) at http://127.0.0.1/product/s1/'
    shown = message('demo.yml', 'Show where it answers', demo=dict(system=system),
                    config=dict(config_toml=dict(status='applied', unknown_attributes=[], changed=True)))
    assert shown == 'demo (dai 1.11.1) runs its config.toml (applied) at http://127.0.0.1/product/s1/'
