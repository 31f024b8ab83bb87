"""Tests of scripts/examples: what it extracts, how it reads the markers, what it runs.

Run by the `examples` stage of scripts/test before the examples themselves.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys
import textwrap

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _load():
    loader = importlib.machinery.SourceFileLoader('puddle_examples', os.path.join(ROOT, 'scripts', 'examples'))
    spec = importlib.util.spec_from_loader('puddle_examples', loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules['puddle_examples'] = module  # dataclasses look their module up there
    loader.exec_module(module)
    return module


examples = _load()


def write(tmp_path, name, text):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding='utf-8')
    return name


def test_rst_blocks_kinds_lines_and_directives(tmp_path):
    name = write(tmp_path, 'guide.rst', """\
        Title
        =====

        .. code-block:: yaml+jinja

            - name: A play
              hosts: localhost
              tasks: []

        A second run changes nothing.

        .. examples: second-run-ok

        .. code-block:: console

            $ ansible-playbook site.yml

        .. code-block:: yaml

            module_defaults:
              group/puddle.cloud.puddle:
                ca_path: /etc/ca.pem

        .. code-block:: yaml

            # Not run by scripts/test: needs a proxy
            - name: A task
              ansible.builtin.debug:
                msg: hi
        """)
    found = examples.extract(str(tmp_path), name)
    assert [(example.kind, example.line) for example in found] == [
        ('play', 6), ('shell', 16), ('snippet', 20), ('tasks', 26)]
    assert [example.second_run_ok for example in found] == [True, False, False, False]
    assert found[3].skip_reason == 'needs a proxy'
    assert found[0].text.startswith('- name: A play\n  hosts: localhost\n')


def test_markdown_markers(tmp_path):
    name = write(tmp_path, 'README.md', """\
        ```sh
        scripts/test
        ```
        <!-- examples: set-up -->

        ```sh
        # For a real Puddle: yours
        export PUDDLE_SERVER_ADDRESS=https://puddle.example.com
        ```

        ```yaml
        - name: A play
          hosts: localhost
        ```

        ```
        not a known language
        ```
        """)
    found = examples.extract(str(tmp_path), name)
    assert [(example.kind, example.line, example.set_up, example.real_puddle) for example in found] == [
        ('shell', 2, True, False), ('shell', 7, False, True), ('play', 12, False, False)]


@pytest.mark.parametrize('text, message', [
    ('.. examples: second-run-ok\n', 'before any code block'),
    ('.. code-block:: yaml\n\n    - name: x\n      hosts: y\n\n.. examples: twice\n', 'unknown examples directive'),
])
def test_bad_directives_fail(tmp_path, text, message):
    name = write(tmp_path, 'bad.rst', text)
    with pytest.raises(ValueError, match=message):
        examples.extract(str(tmp_path), name)


def test_plugin_examples_split_into_documents_with_their_lines(tmp_path):
    name = write(tmp_path, 'plugins/inventory/thing.py', '''\
        DOCUMENTATION = "x"

        EXAMPLES = r"""
        # one.puddle.yml: first
        plugin: puddle.cloud.puddle
        ---
        # two.puddle.yml: second
        plugin: puddle.cloud.puddle
        tags:
          project: x
        """
        ''')
    found = examples.extract(str(tmp_path), name)
    assert [(example.kind, example.line) for example in found] == [('inventory', 4), ('inventory', 7)]
    assert found[1].text == '# two.puddle.yml: second\nplugin: puddle.cloud.puddle\ntags:\n  project: x\n'


@pytest.mark.parametrize('text, kind', [
    ('- name: p\n  hosts: localhost\n', 'play'),
    ('- name: t\n  ansible.builtin.debug:\n', 'tasks'),
    ('plugin: puddle.cloud.puddle\n', 'inventory'),
    ('puddle_fleet_prune: true\n', 'snippet'),
    ('- just\n- strings\n', 'invalid'),
    ('- name: [unclosed\n', 'invalid'),
])
def test_classification(text, kind):
    example = examples.Example('doc', 1, 'yaml', text)
    examples._classify(example)  # pylint: disable=protected-access
    assert example.kind == kind
    assert bool(example.error) == (kind == 'invalid')


def test_wrapped_tasks_keep_their_text_and_reach_the_simulator():
    tasks = '- name: Look\n  puddle.cloud.puddle_system_info:\n    server_address: https://puddle.example.com\n'
    example = examples.Example('plugins/modules/x.py', 3, 'yaml', tasks, kind='tasks')
    play = yaml.safe_load(examples.play_text(example, 'http://127.0.0.1:9'))
    assert play[0]['hosts'] == 'localhost'
    assert play[0]['tasks'] == [{'name': 'Look', 'puddle.cloud.puddle_system_info': {
        'server_address': 'http://127.0.0.1:9'}}]


def test_readme_script_substitutes_only_the_real_puddle_blocks():
    blocks = [
        examples.Example('README.md', 1, 'shell', 'scripts/test\n', kind='shell', set_up=True),
        examples.Example('README.md', 5, 'shell', 'export PUDDLE_SERVER_ADDRESS=https://puddle.example.com\n',
                         kind='shell'),
        examples.Example('README.md', 9, 'shell', '# For a real Puddle\nexport PUDDLE_SERVER_ADDRESS=https://p\n'
                         'export PUDDLE_API_KEY_ID=...\nrun\n', kind='shell'),
        examples.Example('README.md', 15, 'shell', '# Not run by scripts/test: slow\nbench\n', kind='shell',
                         skip_reason='slow'),
    ]
    script, ran, not_run = examples.readme_script(blocks, {'PUDDLE_SERVER_ADDRESS': 'http://sim',
                                                           'PUDDLE_API_KEY_ID': 'demo-key-id'})
    assert [block.line for block in ran] == [5, 9]
    assert [block.line for block in not_run] == [1, 15]
    assert 'export PUDDLE_SERVER_ADDRESS=https://puddle.example.com\n' in script
    assert 'export PUDDLE_SERVER_ADDRESS=http://sim\nexport PUDDLE_API_KEY_ID=demo-key-id\nrun\n' in script
    assert 'scripts/test' not in script and 'bench' not in script


def test_recap_reports_changes_and_failures_only():
    output = ('localhost                  : ok=3    changed=0    unreachable=0    failed=0    skipped=0\n'
              'other                      : ok=3    changed=2    unreachable=0    failed=0    skipped=0\n')
    assert examples.recap_changed(output) == ['other: changed=2 unreachable=0 failed=0']


def test_every_document_of_the_collection_is_read_and_valid():
    found = {relative: examples.extract(ROOT, relative) for relative in examples.documents(ROOT)}
    plugins = [relative for relative in found if relative.startswith('plugins/')]
    assert plugins and all(found[relative] for relative in plugins), 'a plugin without EXAMPLES'
    invalid = [example.where for extracted in found.values() for example in extracted if example.error]
    assert not invalid
    assert any(example.second_run_ok for example in found['docs/docsite/rst/first_steps.rst'])


def test_as_written_examples_get_only_what_the_demo_prints(tmp_path):
    """An as-written example runs unchanged, without extra variables, with the PUDDLE_* of scripts/demo --keep."""
    name = write(tmp_path, 'guide.rst', """\
        .. code-block:: yaml+jinja

            - name: A play
              hosts: localhost
              tasks: []

        .. examples: as-written

        .. code-block:: yaml+jinja

            - name: Another
              hosts: localhost
              tasks: []
        """)
    found = examples.extract(str(tmp_path), name)
    assert [example.as_written for example in found] == [True, False]

    class Stand_in:  # pylint: disable=too-few-public-methods
        url = 'http://127.0.0.1:9'
        control_token = 'control'

    runner = examples.Runner(str(tmp_path), '/venv/bin/python', '/collections', str(tmp_path))
    env = runner.environment('/home', Stand_in(), as_written=True)
    assert sorted(env) == ['ANSIBLE_COLLECTIONS_PATH', 'ANSIBLE_NOCOLOR', 'HOME', 'LANG', 'PATH',
                           'PUDDLE_API_KEY_ID', 'PUDDLE_API_SECRET_KEY', 'PUDDLE_SERVER_ADDRESS', 'TMPDIR']
    assert env['PUDDLE_SERVER_ADDRESS'] == 'http://127.0.0.1:9' and env['PATH'].startswith('/venv/bin:')
    assert 'SIM_CONTROL_TOKEN' in runner.environment('/home', Stand_in())


def test_as_written_run_passes_no_extra_variables(tmp_path, monkeypatch):
    commands = []
    monkeypatch.setattr(examples.Runner, '_command',
                        staticmethod(lambda command, folder, env, label, output: commands.append((command, env)) or ''))

    class Stand_in:  # pylint: disable=too-few-public-methods
        url = 'http://127.0.0.1:9'
        control_token = 'control'

    runner = examples.Runner(str(tmp_path), '/venv/bin/python', '/collections', str(tmp_path))
    text = '- name: A play\n  hosts: localhost\n  tasks: []\n'
    example = examples.Example('guide.rst', 1, 'yaml', text, kind='play', as_written=True)
    env = runner.environment(str(tmp_path), Stand_in())
    assert runner._run_group(str(tmp_path), env, 'vars.yml', [], example, Stand_in(), []) == ''  # pylint: disable=protected-access
    (command, used_env), = commands
    assert command == ['/venv/bin/ansible-playbook', str(tmp_path / 'playbook.yml')]
    assert 'SIM_CONTROL_TOKEN' not in used_env
    assert (tmp_path / 'playbook.yml').read_text(encoding='utf-8') == '---\n' + text


def test_the_first_steps_guide_runs_as_written_and_cleans_up():
    """The guide's playbooks run with only the PUDDLE_* variables; its production variant has the vault form; it ends with state: absent."""
    plays = [example for example in examples.extract(ROOT, 'docs/docsite/rst/first_steps.rst') if example.kind == 'play']
    without_defaults = [example for example in plays if 'module_defaults' not in example.text]
    assert without_defaults and all(example.as_written for example in without_defaults)
    assert any('vault_puddle_api_key_id' in example.text and not example.as_written for example in plays)
    last_task = yaml.safe_load(plays[-1].text)[0]['tasks'][-1]
    assert last_task['puddle.cloud.puddle_system']['state'] == 'absent' and plays[-1].as_written


@pytest.mark.parametrize('line', [
    '/venv/lib/python3.12/site-packages/ansible/_internal/_ssh/_ssh_agent.py:18: CryptographyDeprecationWarning: DSA is'
    ' deprecated and support will be removed in a future release.',
    '/x/y.py:3: DeprecationWarning: datetime.datetime.utcnow() is deprecated',
    '<string>:1: SyntaxWarning: invalid escape sequence',
    'sys:1: ResourceWarning: unclosed file',
    '/x.py:7: UserWarning: something',
    '[WARNING]: Collection puddle.cloud does not support Ansible version',
    '[DEPRECATION WARNING]: a feature is deprecated',
    '[ERROR]: a failure',
])
def test_readme_stage_fails_on_any_warning_line(line):
    assert examples.problem_lines('ok\n%s\nmore\n' % line) == [line]


@pytest.mark.parametrize('line', [
    '[WARNING]: No inventory was parsed, only implicit localhost is available',
    'TASK [Show the Warning: text of a task] ***',
    'ok: [localhost] => {"msg": "no warnings here"}',
    'Warning signs are in docs/reliability.md',
])
def test_readme_stage_accepts_notices_and_ordinary_text(line):
    assert examples.problem_lines(line + '\n') == []
