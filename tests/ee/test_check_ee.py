# -*- coding: utf-8 -*-
# Copyright (c) puddle.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""scripts/check-ee on small collections made in tmp_path: each inconsistency it exists for is caught.

Run by `scripts/test --only ee` with the tools venv (pytest, packaging, bindep), before check-ee
judges the real collection.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib.machinery
import importlib.util
import os

import pytest

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, 'scripts', 'check-ee')

EE_YAML = '---\nversion: 3\ndependencies:\n  python: requirements.txt\n  system: bindep.txt\n'
CLIENT = (
    'try:\n'
    '    import requests\n'
    '    from urllib3.exceptions import NewConnectionError\n'
    'except ImportError:\n'
    '    requests = None\n'
)
TOML = (
    'try:\n'
    '    import tomllib as toml\n'
    'except ImportError:\n'
    '    try:\n'
    '        import tomli as toml\n'
    '    except ImportError:\n'
    '        toml = None\n'
)


def load_check_ee():
    loader = importlib.machinery.SourceFileLoader('check_ee', SCRIPT)
    spec = importlib.util.spec_from_loader('check_ee', loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


check_ee = load_check_ee()


def write(root, relative, text):
    path = root.joinpath(*relative.split('/'))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding='utf-8')


@pytest.fixture
def collection(tmp_path):
    """A consistent collection: requests (and urllib3 through it), an optional tomli, an empty bindep."""
    write(tmp_path, 'meta/execution-environment.yml', EE_YAML)
    write(tmp_path, 'requirements.txt', '# what the modules need\nrequests>=2.25\n')
    write(tmp_path, 'bindep.txt', '# nothing\n')
    write(tmp_path, 'plugins/module_utils/client.py', 'import json\nimport os.path\n' + CLIENT)
    write(tmp_path, 'plugins/module_utils/toml_text.py', 'from __future__ import annotations\n' + TOML)
    write(tmp_path, 'plugins/modules/thing.py', 'from ansible.module_utils.basic import AnsibleModule\n'
                                                'from ansible_collections.ns.col.plugins.module_utils import client\n')
    return tmp_path


def problems(root, **kwargs):
    return check_ee.problems_of(str(root), **kwargs)[0]


def test_a_consistent_collection_passes(collection):
    assert problems(collection) == []
    assert check_ee.main([str(collection)]) == 0


def test_an_import_missing_from_requirements_is_reported(collection):
    write(collection, 'plugins/modules/other.py', 'import yaml\n')
    assert problems(collection) == ['requirements.txt does not list PyYAML, imported at plugins/modules/other.py:1']
    assert check_ee.main([str(collection)]) == 1


def test_a_requirement_no_plugin_imports_is_reported(collection):
    write(collection, 'requirements.txt', 'requests\nPyYAML\n')
    assert problems(collection) == ['requirements.txt lists PyYAML, but no plugin imports it']


def test_names_are_compared_normalised(collection):
    write(collection, 'plugins/modules/other.py', 'import yaml\n')
    write(collection, 'requirements.txt', 'requests\npyyaml>=5\n')
    assert problems(collection) == []


def test_an_unknown_third_party_import_is_reported(collection):
    write(collection, 'plugins/modules/other.py', 'import boto3\n')
    found = problems(collection)
    assert len(found) == 1
    assert found[0].startswith('plugins/modules/other.py:1 imports boto3, a third-party module check-ee does not know')


def test_an_optional_import_outside_try_is_reported(collection):
    write(collection, 'plugins/module_utils/toml_text.py', 'import tomli\n')
    assert problems(collection) == [
        'plugins/module_utils/toml_text.py:1 imports tomli, declared optional, outside a try/except ImportError']


def test_a_provided_import_needs_its_provider_listed(collection):
    write(collection, 'plugins/module_utils/client.py', 'from urllib3.exceptions import NewConnectionError\n')
    write(collection, 'requirements.txt', '# nothing\n')
    assert problems(collection) == [
        'plugins/module_utils/client.py:1 imports urllib3, which comes with requests, but requirements.txt does not list requests']


def test_the_ee_file_must_name_both_files(collection):
    write(collection, 'meta/execution-environment.yml', '---\nversion: 3\ndependencies:\n  python: requirements.txt\n')
    assert problems(collection) == ["meta/execution-environment.yml: dependencies.system is None, expected 'bindep.txt'"]


def test_a_file_the_ee_file_names_must_exist(collection):
    os.remove(str(collection / 'bindep.txt'))
    assert problems(collection) == ['bindep.txt (named by meta/execution-environment.yml) is missing']


def test_the_ee_file_format_version_is_3(collection):
    write(collection, 'meta/execution-environment.yml', EE_YAML.replace('version: 3', 'version: 1'))
    assert problems(collection) == ['meta/execution-environment.yml: version is 1, expected 3']


def test_an_invalid_bindep_line_is_reported(collection):
    write(collection, 'bindep.txt', 'gcc [platform:rpm\n')
    found = problems(collection)
    assert len(found) == 1
    assert found[0].startswith('bindep.txt does not parse')


def test_a_valid_bindep_line_passes(collection):
    write(collection, 'bindep.txt', 'gcc [platform:rpm compile]\n')
    assert problems(collection) == []


def test_introspection_that_matches_passes(collection, tmp_path_factory):
    introspected = tmp_path_factory.mktemp('introspected')
    write(introspected, 'pip.txt', 'requests>=2.25  # from collection ns.col\n')
    write(introspected, 'bindep.txt', '')
    assert problems(collection, pip_path=str(introspected / 'pip.txt'), bindep_path=str(introspected / 'bindep.txt')) == []


def test_introspection_that_differs_is_reported(collection, tmp_path_factory):
    introspected = tmp_path_factory.mktemp('introspected')
    write(introspected, 'pip.txt', 'requests>=2.25  # from collection ns.col\nPyYAML  # from collection ns.col\n')
    write(introspected, 'bindep.txt', 'gcc\n')
    assert problems(collection, pip_path=str(introspected / 'pip.txt'), bindep_path=str(introspected / 'bindep.txt')) == [
        "ansible-builder introspect found pip requirements ['PyYAML', 'requests>=2.25'], requirements.txt lists ['requests>=2.25']",
        "ansible-builder introspect found bindep requirements ['gcc'], bindep.txt lists []",
    ]


def test_no_introspection_file_means_no_requirements_found(collection, tmp_path):
    # ansible-builder writes no file when it finds nothing: fine for bindep, wrong for pip here.
    absent = str(tmp_path / 'absent.txt')
    assert problems(collection, pip_path=absent, bindep_path=absent) == [
        "ansible-builder introspect found pip requirements [], requirements.txt lists ['requests>=2.25']"]
