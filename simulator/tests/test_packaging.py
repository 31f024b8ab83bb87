"""The simulator as an installed package: its metadata, its command, and what it imports."""

import ast
import hashlib
import importlib.metadata
import subprocess
import sys
import tomllib
from pathlib import Path

import puddle_simulator
from sim_helpers import SIMULATOR_DIR, console_script

PACKAGE_DIR = SIMULATOR_DIR / "puddle_simulator"
# Import names of the declared dependencies (distribution name -> module).
MODULE_OF = {"fastapi": "fastapi", "uvicorn": "uvicorn", "pydantic": "pydantic", "pyyaml": "yaml",
             "starlette": "starlette", "annotated-types": "annotated_types"}


def pyproject():
    with open(SIMULATOR_DIR / "pyproject.toml", "rb") as stream:
        return tomllib.load(stream)


def requirement_name(line):
    for separator in "<>=!~;[ ":
        line = line.split(separator, 1)[0]
    return line.strip().lower()


def package_files(folder):
    """{relative path: sha256} of the package's files (bytecode caches left out)."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }


def test_requirements_txt_lists_the_declared_dependencies():
    lines = [line.strip() for line in (SIMULATOR_DIR / "requirements.txt").read_text().splitlines()]
    assert [line for line in lines if line and not line.startswith("#")] == pyproject()["project"]["dependencies"]


def test_every_third_party_import_is_a_declared_dependency():
    declared = {MODULE_OF[requirement_name(line)] for line in pyproject()["project"]["dependencies"]}
    imported = set()
    for source in PACKAGE_DIR.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(), str(source))):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                imported.add(node.module.split(".")[0])
    third_party = imported - set(sys.stdlib_module_names) - {"puddle_simulator"}
    # Nothing of the collection (plugins/, ansible_collections) either.
    assert third_party == declared


def test_the_installed_package_is_this_tree():
    """The tests start the installed `puddle-simulator`: it must run the code beside them."""
    installed = Path(puddle_simulator.__file__).resolve().parent
    assert package_files(installed) == package_files(PACKAGE_DIR), (
        "the installed puddle_simulator (%s) differs from %s: reinstall it (pip install %s)"
        % (installed, PACKAGE_DIR, SIMULATOR_DIR))


def test_distribution_metadata_and_console_script():
    distribution = importlib.metadata.distribution("puddle-simulator")
    assert distribution.version == puddle_simulator.__version__
    scripts = {entry.name: entry.value for entry in distribution.entry_points if entry.group == "console_scripts"}
    assert scripts == {"puddle-simulator": "puddle_simulator.cli:main"}
    assert sorted(distribution.requires) == sorted(pyproject()["project"]["dependencies"])


def test_console_script_help():
    result = subprocess.run([console_script(), "--help"], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: puddle-simulator ")
    assert "--port-file" in result.stdout
