"""Every script's --help answers at once and sets nothing up (issue 22).

Run by the `readme` stage of scripts/test (pytest, in the build copy). Each command of scripts/ and
bench/ (and `python -m reliability`) runs with --help in a shell like a user's after
`. scripts/activate`, with HOME, PUDDLE_VENV_DIR and PUDDLE_BUILD_DIR pointing at empty scratch
folders: it must exit 0 within HELP_SECONDS, print its usage, and leave every folder as it was
(no venv, no ~/.ansible/test, no .build, no new file in the checkout). Python's own __pycache__ is
not the script's doing: PYTHONDONTWRITEBYTECODE keeps it out of the comparison.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# "At once": a Python start with argparse is a fraction of a second; a venv check or a pip run is
# seconds to minutes. Generous for a busy 2-core machine.
HELP_SECONDS = 5.0


def commands():
    found = []
    for folder in ('scripts', 'bench'):
        for name in sorted(os.listdir(os.path.join(ROOT, folder))):
            path = os.path.join(ROOT, folder, name)
            if os.path.isfile(path) and os.access(path, os.X_OK):
                found.append([os.path.join(folder, name)])
    found.append([sys.executable, '-m', 'reliability'])
    return found


def listing(folder):
    """Every path under folder (but .git), relative to it."""
    paths = set()
    for current, directories, files in os.walk(folder):
        directories[:] = [name for name in directories if name != '.git']
        for name in directories + files:
            paths.add(os.path.relpath(os.path.join(current, name), folder))
    return paths


def test_the_scripts_are_found():
    names = [command[0] for command in commands()]
    assert {'scripts/test', 'scripts/demo', 'bench/run', 'bench/mutation', 'scripts/install-java'} <= set(names)


@pytest.mark.parametrize('command', commands(), ids=lambda command: ' '.join(command[-2:]))
def test_help_answers_at_once_and_creates_nothing(command, tmp_path):
    home, venvs, build = tmp_path / 'home', tmp_path / 'venvs', tmp_path / 'build'
    home.mkdir()
    env = {
        'PATH': os.path.dirname(sys.executable) + os.pathsep + os.environ.get('PATH', '/usr/bin:/bin'),
        'HOME': str(home), 'LANG': os.environ.get('LANG', 'C.UTF-8'),
        'PUDDLE_VENV_DIR': str(venvs), 'PUDDLE_BUILD_DIR': str(build), 'PYTHONDONTWRITEBYTECODE': '1',
    }
    before = listing(ROOT)
    started = time.monotonic()
    process = subprocess.run(command + ['--help'], cwd=ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                             text=True, timeout=60, check=False)
    seconds = time.monotonic() - started
    assert process.returncode == 0, process.stdout + process.stderr
    assert process.stdout.strip(), 'no usage printed'
    assert seconds < HELP_SECONDS, '%s --help took %.1f s' % (' '.join(command), seconds)
    assert not venvs.exists() and not build.exists()
    assert not os.listdir(home), 'created in HOME: %s' % sorted(listing(home))
    assert listing(ROOT) == before
