"""What the stages share: the run's context, its checks and figures, and ansible-playbook runs."""

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml

RELIABILITY_DIR = Path(__file__).resolve().parent
PLAYBOOKS_DIR = RELIABILITY_DIR / "playbooks"
# Variables that would change how the modules connect or what they trust.
SCRUBBED_ENVIRONMENT = (
    "PUDDLE_SERVER_ADDRESS", "PUDDLE_API_KEY_ID", "PUDDLE_api_key_id", "PUDDLE_API_SECRET_KEY",
    "PUDDLE_api_secret_key", "PUDDLE_API_TOKEN", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE",
    "ANSIBLE_CONFIG", "ANSIBLE_STDOUT_CALLBACK",
)


class Checks:
    """Named assertions; each prints one line as it is decided."""

    def __init__(self):
        self.passed = 0
        self.failed = []
        self.stage = ""

    def check(self, name, condition, detail=""):
        label = "%s: %s" % (self.stage, name) if self.stage else name
        if condition:
            self.passed += 1
            print("  PASS %s" % label, flush=True)
        else:
            self.failed.append(label)
            print("  FAIL %s%s" % (label, (" -- %s" % (detail,)) if detail else ""), flush=True)
        return bool(condition)


class Context:
    """Paths, credentials and accumulated figures of one suite run."""

    def __init__(self, collection, state_dir):
        self.collection = Path(collection).resolve()
        if self.collection.parts[-3:-2] != ("ansible_collections",):
            raise SystemExit("%s is not .../ansible_collections/puddle/cloud" % self.collection)
        self.collections_root = self.collection.parents[2]
        self.state_dir = Path(state_dir).resolve()
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.runs_dir = self.state_dir / "runs"
        self.runs_dir.mkdir(exist_ok=True)
        self.python = Path(sys.executable)
        self.bin_dir = self.python.parent
        self.control_token = secrets.token_hex(16)
        # Secrets of this run only, so that a scan can tell them from anything else.
        self.credentials = {
            "demo": ("demo-key-id", "demo-secret-" + secrets.token_hex(12)),
            "other": ("other-key-id", "other-secret-" + secrets.token_hex(12)),
        }
        self.users_file = self.state_dir / "users.yml"
        self.users_file.write_text(yaml.safe_dump({"users": [
            {"name": name, "api_key_id": key_id, "api_secret_key": secret}
            for name, (key_id, secret) in self.credentials.items()
        ]}))
        self.started_processes = []
        self.simulators = []
        self.checks = Checks()
        self.figures = {
            "tasks_run": 0,
            "playbook_runs": 0,
            "duplicates_found": 0,
            "tasks_ok_on_unconverged_system": 0,
            "secrets_found": 0,
            "fuzz_cases_run": 0,
            "fuzz_requests": 0,
            "5xx_found": 0,
        }
        # Every file a playbook run printed, logged or returned into: what the secrets scan reads.
        self.scanned_files = []
        # Extra secret values used by a stage (wrong keys, tokens handed to the modules).
        self.extra_secrets = []
        # Session tokens a simulator issued and a stage handed to the modules (the scan's control).
        self.issued_tokens = []
        # What stages run in processes of their own reported (absorb): their simulators' databases
        # and observations.
        self.absorbed_databases = []
        self.absorbed_observations = []

    def secret_values(self):
        return [secret for _key_id, secret in self.credentials.values()] + list(self.extra_secrets)

    def simulator_databases(self):
        return [simulator.db for simulator in self.simulators] + list(self.absorbed_databases)

    def simulator_observations(self):
        return [simulator.observations() for simulator in self.simulators] + list(self.absorbed_observations)

    def manifest(self):
        """What the driver of a run whose stages run side by side needs of this process's stage
        (reliability/run.py): its checks, its figures, and what the secrets scan reads."""
        return {
            "passed": self.checks.passed,
            "failed": list(self.checks.failed),
            "figures": self.figures,
            "secret_values": self.secret_values(),
            "issued_tokens": list(self.issued_tokens),
            "scanned_files": [str(path) for path in self.scanned_files],
            "databases": [str(path) for path in self.simulator_databases()],
            "observations": self.simulator_observations(),
        }

    def absorb(self, manifest):
        """Add a manifest's checks, figures and scan inputs to this context's."""
        self.checks.passed += manifest["passed"]
        self.checks.failed += manifest["failed"]
        for key, value in manifest["figures"].items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                self.figures[key] = self.figures.get(key, 0) + value
            else:
                self.figures[key] = value
        self.extra_secrets += manifest["secret_values"]
        self.issued_tokens += manifest["issued_tokens"]
        self.scanned_files += [Path(path) for path in manifest["scanned_files"]]
        self.absorbed_databases += [Path(path) for path in manifest["databases"]]
        self.absorbed_observations += manifest["observations"]

    def connection_vars(self, simulator, user="demo"):
        key_id, secret = self.credentials[user]
        return {
            "puddle_server_address": simulator.url,
            "puddle_api_key_id": key_id,
            "puddle_api_secret_key": secret,
            "puddle_control_token": self.control_token,
        }

    def cleanup(self):
        for simulator in self.simulators:
            try:
                simulator.stop()
            except Exception:  # pylint: disable=broad-except  # best effort on the way out
                pass
        for process in self.started_processes:
            if process.poll() is None:
                for pid in [process.pid] + descendants(process.pid):
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass


class PlaybookRun:
    """One ansible-playbook process: its files, and its recorded results once it is done."""

    def __init__(self, context, label, process, paths, started):
        self.context = context
        self.label = label
        self.process = process
        self.paths = paths
        self.started = started
        self.seconds = None
        self.rc = None

    def wait(self, timeout=600):
        self.rc = self.process.wait(timeout=timeout)
        self.seconds = time.monotonic() - self.started
        records = self.records()
        self.context.figures["tasks_run"] += len(records)
        return self

    def kill(self):
        """SIGKILL the playbook and every process it started (a controller that loses power).

        ansible-playbook's workers put themselves in sessions of their own (setsid), so the
        process group is not enough: every descendant is found first, then all are killed.
        """
        victims = [self.process.pid] + descendants(self.process.pid)
        for pid in victims:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return self.wait()

    def records(self):
        path = self.paths["record"]
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    def results(self, task=None, action=None):
        """Recorded results (one per module run), filtered by task name and/or action."""
        return [record for record in self.records()
                if (task is None or record["task"] == task) and (action is None or record["action"] == action)]

    def output(self):
        return self.paths["output"].read_text(errors="replace")

    def tail(self, lines=40):
        return "\n".join(self.output().splitlines()[-lines:])


def descendants(pid):
    """Every living descendant of a process, from /proc (Linux)."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as stat:
                # The command may hold spaces and parentheses: the fields after the last ")" are fixed.
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry))
    found, pending = [], [pid]
    while pending:
        for child in children.get(pending.pop(), []):
            found.append(child)
            pending.append(child)
    return found


def write_system_inventory(context, label, systems):
    """An inventory with one host per declared system (named after it, run locally), so that a
    playbook with hosts: all converges the systems in parallel (one fork each)."""
    path = context.runs_dir / ("%s.inventory.yml" % label)
    hosts = {system["name"]: {"ansible_connection": "local", "declared_system": system} for system in systems}
    path.write_text(yaml.safe_dump({"all": {"hosts": hosts}}, sort_keys=True))
    return path


def start_playbook(context, label, playbook, extra_vars, env=None, verbosity=3, extra_args=(), inventory=None):
    """Start ansible-playbook with the suite's recorder (on localhost unless an inventory is given);
    returns a PlaybookRun."""
    paths = {
        "vars": context.runs_dir / ("%s.vars.json" % label),
        "record": context.runs_dir / ("%s.results.jsonl" % label),
        "output": context.runs_dir / ("%s.output.txt" % label),
        "log": context.runs_dir / ("%s.ansible.log" % label),
    }
    for key in ("record", "output", "log"):
        if paths[key].exists():
            paths[key].unlink()
    paths["vars"].write_text(json.dumps(extra_vars))
    environment = {key: value for key, value in os.environ.items() if key not in SCRUBBED_ENVIRONMENT}
    environment.update({
        "ANSIBLE_COLLECTIONS_PATH": str(context.collections_root),
        "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
        "ANSIBLE_CALLBACK_PLUGINS": str(RELIABILITY_DIR / "callback_plugins"),
        "ANSIBLE_CALLBACKS_ENABLED": "reliability_recorder",
        "ANSIBLE_HOME": str(context.state_dir / "ansible-home"),
        "ANSIBLE_LOG_PATH": str(paths["log"]),
        "ANSIBLE_LOCALHOST_WARNING": "false",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
        "ANSIBLE_RETRY_FILES_ENABLED": "false",
        "ANSIBLE_NOCOLOR": "true",
        "ANSIBLE_FORCE_COLOR": "false",
        "RELIABILITY_RECORD": str(paths["record"]),
        "RELIABILITY_LABEL": label,
        "PATH": "%s%s%s" % (context.bin_dir, os.pathsep, os.environ.get("PATH", "")),
    })
    environment.update(env or {})
    command = [
        str(context.bin_dir / "ansible-playbook"), "-i", str(inventory or "localhost,"), "-c", "local", "-f", "10",
        "-e", "@%s" % paths["vars"], "-e", "ansible_python_interpreter=%s" % context.python,
    ]
    if verbosity:
        command.append("-" + "v" * verbosity)
    command += list(extra_args) + [str(playbook)]
    with open(paths["output"], "wb") as output:
        process = subprocess.Popen(command, cwd=str(context.state_dir), env=environment, stdin=subprocess.DEVNULL,
                                   stdout=output, stderr=subprocess.STDOUT)
    context.started_processes.append(process)
    context.figures["playbook_runs"] += 1
    context.scanned_files += [paths["record"], paths["output"], paths["log"]]
    return PlaybookRun(context, label, process, paths, time.monotonic())


def run_playbook(context, label, playbook, extra_vars, **kwargs):
    return start_playbook(context, label, playbook, extra_vars, **kwargs).wait()


def failure_of(record):
    """The structured failure of a failed module result (code, field, status...), or {}."""
    return record["result"].get("failure") or {}
