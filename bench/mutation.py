"""bench/mutation: the share of mutants of plugins/module_utils and puddle_system that the unit tests kill.

Each file is mutated by cosmic-ray (one small change at a time: an operator, a constant, a
condition...) in a copy of the checkout, and the unit tests that concern that file run against
every mutant. A mutant is killed when a test fails (or runs past the per-mutant timeout); a
survivor is a change that no test notices. The figure of each file is killed / mutants, beside
its target (docs/reliability.md, "Mutation testing").
"""

from __future__ import annotations

import argparse
import hashlib
import concurrent.futures
import os
import shlex
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time


UNITS = "tests/unit/plugins"

# cosmic-ray replaces each arithmetic operator with every other one. The bitwise and shift
# replacements of +, -, *, /, % add nothing the others do not (on the numbers and strings of this
# code they fail the same way as -, * or /), and cost a run each: left out unless --all-operators.
REDUNDANT_OPERATORS = [r"core/ReplaceBinaryOperator_\w+_(BitOr|BitAnd|BitXor|LShift|RShift)$"]

# file -> (target kill rate in %, the unit tests that exercise it), in the order they run
# (quick ones first). A file's tests are those that import it, directly or through the plugins
# built on it.
FILES = {
    "plugins/module_utils/system_transitions.py": (90, [
        UNITS + "/module_utils/test_system_transitions.py",
        UNITS + "/modules/test_puddle_system.py",
        UNITS + "/modules/test_puddle_system_truth.py",
    ]),
    "plugins/module_utils/system_spec.py": (80, [
        UNITS + "/module_utils/test_system_spec.py",
        UNITS + "/module_utils/test_system_spec_rules.py",
        UNITS + "/modules/test_puddle_system.py",
        UNITS + "/modules/test_puddle_system_truth.py",
        UNITS + "/modules/test_puddle_system_waits.py",
        UNITS + "/modules/test_puddle_fleet.py",
    ]),
    "plugins/module_utils/config_toml.py": (80, [
        UNITS + "/module_utils/test_config_toml.py",
        UNITS + "/modules/test_puddle_config_toml.py",
        UNITS + "/action/test_puddle_config_toml.py",
    ]),
    "plugins/module_utils/puddle_info.py": (80, [
        UNITS + "/module_utils/test_puddle_info.py",
        UNITS + "/modules/test_puddle_system_info.py",
        UNITS + "/modules/test_puddle_images_info.py",
        UNITS + "/modules/test_puddle_instance_types_info.py",
        UNITS + "/modules/test_puddle_tags_info.py",
        UNITS + "/inventory/test_puddle.py",
    ]),
    "plugins/module_utils/puddle_module.py": (80, [
        UNITS + "/module_utils/test_puddle_module.py",
        UNITS + "/modules",
    ]),
    "plugins/modules/puddle_system.py": (80, [
        UNITS + "/modules/test_puddle_system.py",
        UNITS + "/modules/test_puddle_system_truth.py",
        UNITS + "/modules/test_puddle_system_waits.py",
    ]),
    "plugins/module_utils/puddle_http.py": (80, [
        UNITS + "/module_utils/test_puddle_http.py",
        UNITS + "/module_utils/test_puddle_client_auth.py",
        UNITS + "/module_utils/test_puddle_client_errors.py",
    ]),
    "plugins/module_utils/puddle_client.py": (80, [
        UNITS + "/module_utils/test_puddle_client_auth.py",
        UNITS + "/module_utils/test_puddle_client_errors.py",
        UNITS + "/module_utils/test_puddle_client_retries.py",
        UNITS + "/module_utils/test_puddle_client_wait.py",
        UNITS + "/module_utils/test_puddle_client_defaults.py",
        UNITS + "/module_utils/test_puddle_module.py",
        UNITS + "/lookup/test_puddle_token.py",
        UNITS + "/inventory/test_puddle.py",
    ]),
    "plugins/module_utils/client_factory.py": (80, [
        UNITS + "/module_utils/test_puddle_pyclient.py",
        UNITS + "/modules/test_null_options.py",
        UNITS + "/modules/test_puddle_login.py",
        UNITS + "/lookup/test_puddle_token.py",
        UNITS + "/inventory/test_puddle.py",
        "tests/unit/extensions/eda/plugins/event_source/test_puddle_systems.py",
    ]),
    "plugins/module_utils/puddle_pyclient.py": (80, [
        UNITS + "/module_utils/test_puddle_pyclient.py",
        UNITS + "/modules/test_null_options.py",
        UNITS + "/modules/test_puddle_config_toml.py",
        UNITS + "/modules/test_puddle_system_info.py",
        UNITS + "/modules/test_puddle_images_info.py",
        UNITS + "/modules/test_puddle_instance_types_info.py",
        UNITS + "/modules/test_puddle_tags_info.py",
        UNITS + "/modules/test_puddle_login.py",
        UNITS + "/lookup/test_puddle_token.py",
        UNITS + "/inventory/test_puddle.py",
        "tests/unit/extensions/eda/plugins/event_source/test_puddle_systems.py",
    ]),
    "plugins/module_utils/system_fleet.py": (80, [
        UNITS + "/modules/test_puddle_fleet.py",
    ]),
}


def parse_arguments(argv):
    parser = argparse.ArgumentParser(prog="bench/mutation", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="",
                        help="files to mutate, comma-separated, by path or name (e.g. system_spec,puddle_http.py); "
                             "default: all of them")
    parser.add_argument("--timeout", type=float, default=0.0,
                        help="seconds one mutant's tests may run before it counts as killed "
                             "(default: 4 times the unmutated run, at least 10)")
    parser.add_argument("--jobs", type=int, default=1,
                        help="files mutated at the same time, each in its own copy (default 1; the machine's cores at most)")
    parser.add_argument("--workers", type=int, default=1,
                        help="mutants of one file tested at the same time, each worker in its own copy (default 1)")
    parser.add_argument("--diffs", action="store_true", help="print the diff of every surviving mutant")
    parser.add_argument("--all-operators", action="store_true",
                        help="also the bitwise and shift replacements of arithmetic operators (left out by default)")
    parser.add_argument("--resume", metavar="FOLDER",
                        help="the kept scratch folder of an earlier run: for each file whose source is unchanged, its "
                             "killed mutants stay killed and only the others are tested again (after adding tests)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the scratch folder (the copy, cosmic-ray's sessions, survivors-*.txt)")
    parser.add_argument("--list", action="store_true", help="list the files, their targets and tests, and stop")
    options = parser.parse_args(argv)
    options.files = []
    for item in (part.strip() for part in options.only.split(",")):
        if not item:
            continue
        matches = [path for path in FILES if path == item or os.path.basename(path) in (item, item + ".py")]
        if not matches:
            parser.error("no file %s (files: %s)" % (item, ", ".join(os.path.basename(path) for path in FILES)))
        options.files.extend(path for path in matches if path not in options.files)
    if not options.files:
        options.files = list(FILES)
    return options


def copy_checkout(root, dest):
    """Copy every file git shows (tracked and untracked-not-ignored, minus deleted) to dest."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=root, check=True, capture_output=True).stdout.split(b"\0")
    deleted = set(subprocess.run(["git", "ls-files", "-z", "--deleted"],
                                 cwd=root, check=True, capture_output=True).stdout.split(b"\0"))
    for name in sorted(set(listed) - deleted):
        if not name:
            continue
        relative = os.fsdecode(name)
        target = os.path.join(dest, relative)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(os.path.join(root, relative), target)


def ansible_test_pytest():
    """(plugin folder, ini file) of the ansible-test beside ansible-core, which runs units this way."""
    import ansible_test  # pylint: disable=import-outside-toplevel
    base = os.path.dirname(ansible_test.__file__)
    return (os.path.join(base, "_util", "target", "pytest", "plugins"),
            os.path.join(base, "_data", "pytest", "config", "default.ini"))


def test_command(tests):
    """pytest as ansible-test runs units: its collection loader plugin, and the tests of modules and
    module_utils apart from those of controller plugins (importing a controller plugin changes how
    modules report warnings); each run stops at the first failure."""
    ini = ansible_test_pytest()[1]
    module_side = [path for path in tests if path.startswith((UNITS + "/module_utils", UNITS + "/modules"))]
    controller_side = [path for path in tests if path not in module_side]
    commands = [" ".join(shlex.quote(part) for part in [
        sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-p", "ansible_pytest_collections",
        "-c", ini, "--rootdir", "."] + paths) for paths in (module_side, controller_side) if paths]
    if len(commands) == 1:
        return commands[0]
    return "sh -c %s" % shlex.quote(" && ".join(commands))


def toml_string(text):
    return '"%s"' % text.replace("\\", "\\\\").replace('"', '\\"')


def write_config(path, module_path, command, timeout, excluded_operators, worker_urls):
    """cosmic-ray's configuration: the local distributor, or the http one when there are workers."""
    if worker_urls:
        distributor = 'name = "http"\n\n[cosmic-ray.distributor.http]\nworker-urls = [%s]\n' % ", ".join(
            toml_string(url) for url in worker_urls)
    else:
        distributor = 'name = "local"\n'
    with open(path, "w", encoding="utf-8") as handle:
        handle.write('[cosmic-ray]\nmodule-path = %s\ntimeout = %.1f\nexcluded-modules = []\ntest-command = %s\n\n'
                     '[cosmic-ray.distributor]\n%s\n'
                     '[cosmic-ray.filters.operators-filter]\nexclude-operators = [%s]\n'
                     % (toml_string(module_path), timeout, toml_string(command), distributor,
                        ", ".join(toml_string(pattern) for pattern in excluded_operators)))


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_workers(root, workdir, name, count, log):
    """count cosmic-ray http workers on loopback, each in a copy of its own; returns (processes, urls)."""
    processes, urls = [], []
    for index in range(count):
        base = os.path.join(workdir, "%s-worker%d" % (name, index))
        copy = os.path.join(base, "ansible_collections", "puddle", "cloud")
        copy_checkout(root, copy)
        port = free_port()
        processes.append(subprocess.Popen(
            [os.path.join(os.path.dirname(sys.executable), "cosmic-ray"), "http-worker", "--port", str(port)],
            cwd=copy, env=collection_environment(base), stdout=log, stderr=subprocess.STDOUT))
        urls.append("http://127.0.0.1:%d" % port)
    for url, process in zip(urls, processes):
        port = int(url.rsplit(":", 1)[1])
        deadline = time.monotonic() + 120
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    stop_workers(processes)
                    raise RuntimeError("cosmic-ray http-worker on port %d did not start" % port)
                time.sleep(0.5)
    return processes, urls


def stop_workers(processes):
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def count_results(session):
    """(mutants, done, killed, survivors [(work_item, result)], not_run); filtered-out mutants do not count."""
    # cosmic-ray is imported here, not at the top: --help and --list run without its venv.
    from cosmic_ray.work_db import WorkDB, use_db  # pylint: disable=import-outside-toplevel
    from cosmic_ray.work_item import TestOutcome, WorkerOutcome  # pylint: disable=import-outside-toplevel
    with use_db(session, WorkDB.Mode.open) as database:
        total = database.num_work_items
        killed, survivors, not_run, done = 0, [], 0, 0
        for work_item, result in database.completed_work_items:
            if result.worker_outcome == WorkerOutcome.SKIPPED:
                total -= 1
                continue
            done += 1
            if result.worker_outcome != WorkerOutcome.NORMAL:
                not_run += 1
            elif result.test_outcome == TestOutcome.KILLED:
                killed += 1
            elif result.test_outcome == TestOutcome.SURVIVED:
                survivors.append((work_item, result))
            else:
                not_run += 1
    return total, done, killed, survivors, not_run


def resume_session(folder, name, digest, session):
    """Copy an earlier session of an unchanged source, forgetting every result but the kills and the
    filtered-out mutants; returns the number of kills kept, or None when there is nothing to resume."""
    if not folder:
        return None
    earlier = os.path.join(folder, name + ".sqlite")
    try:
        with open(os.path.join(folder, name + ".sha256"), encoding="utf-8") as handle:
            same_source = handle.read().strip() == digest
    except OSError:
        same_source = False
    if not same_source or not os.path.exists(earlier):
        return None
    shutil.copy2(earlier, session)
    database = sqlite3.connect(session)
    try:
        with database:
            database.execute("DELETE FROM work_results WHERE NOT (worker_outcome = 'SKIPPED' OR "
                             "(worker_outcome = 'NORMAL' AND test_outcome = 'KILLED'))")
            kept = database.execute("SELECT count(*) FROM work_results WHERE test_outcome = 'KILLED'").fetchone()[0]
    finally:
        database.close()
    return kept


def describe(work_item):
    return "; ".join("line %d %s" % (mutation.start_pos[0], mutation.operator_name.replace("core/", ""))
                     for mutation in work_item.mutations)


def collection_environment(base):
    """What ansible-test sets for its pytest plugin: the folder above ansible_collections, the plugin's folder."""
    pythonpath = [base, ansible_test_pytest()[0]] + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else [])
    return dict(os.environ, ANSIBLE_COLLECTIONS_PATH=base, PYTHONPATH=os.pathsep.join(pythonpath),
                ANSIBLE_CONTROLLER_MIN_PYTHON_VERSION="%d.%d" % sys.version_info[:2],
                PYTHONDONTWRITEBYTECODE="1")


def run_file(root, workdir, module_path, options, say):
    """Mutate one file in its own copy of the checkout; returns a result dict.

    Raises RuntimeError when its tests do not pass unmutated. say(lines) prints a block at once.
    """
    target, tests = FILES[module_path]
    name = os.path.splitext(os.path.basename(module_path))[0]
    # The tests import the collection as ansible_collections.puddle.cloud: the copy sits there,
    # and cosmic-ray changes the copy only, never the checkout.
    base = os.path.join(workdir, name)
    copy = os.path.join(base, "ansible_collections", "puddle", "cloud")
    copy_checkout(root, copy)
    tests = [path for path in tests if os.path.exists(os.path.join(copy, path))]
    command = test_command(tests)
    env = collection_environment(base)
    started = time.monotonic()
    baseline = subprocess.run(shlex.split(command), cwd=copy, env=env, capture_output=True, text=True, check=False)
    baseline_seconds = time.monotonic() - started
    if baseline.returncode != 0:
        raise RuntimeError("the unit tests of %s fail without any mutant:\n%s" % (module_path, baseline.stdout[-3000:]))
    timeout = options.timeout or max(10.0, 4 * baseline_seconds)
    config = os.path.join(workdir, name + ".toml")
    session = os.path.join(workdir, name + ".sqlite")
    write_config(config, module_path, command, timeout, [] if options.all_operators else REDUNDANT_OPERATORS, [])
    tools = os.path.dirname(sys.executable)
    with open(os.path.join(copy, module_path), "rb") as source:
        digest = hashlib.sha256(source.read()).hexdigest()
    with open(os.path.join(workdir, name + ".sha256"), "w", encoding="utf-8") as handle:
        handle.write(digest + "\n")
    resumed = resume_session(options.resume, name, digest, session)
    if resumed is None:
        subprocess.run([os.path.join(tools, "cosmic-ray"), "init", config, session], cwd=copy, env=env, check=True)
        subprocess.run([os.path.join(tools, "cr-filter-operators"), session, config], cwd=copy, env=env, check=True)
    total = count_results(session)[0]
    lines = ["", "== %s: %d mutants, tests %s (%.1f s unmutated, timeout %.0f s)%s" % (
        module_path, total, " ".join(os.path.relpath(path, UNITS) for path in tests), baseline_seconds, timeout,
        "" if resumed is None else "; %d killed earlier, kept from %s" % (resumed, options.resume))]
    say(lines[-1:])
    started = time.monotonic()
    workers = []
    with open(os.path.join(workdir, name + ".log"), "w", encoding="utf-8") as log:
        try:
            if options.workers > 1:
                # The http distributor hands the mutants to workers, each mutating its own copy.
                workers, urls = start_workers(root, workdir, name, options.workers, log)
                write_config(config, module_path, command, timeout,
                             [] if options.all_operators else REDUNDANT_OPERATORS, urls)
            process = subprocess.Popen([os.path.join(tools, "cosmic-ray"), "exec", config, session], cwd=copy,
                                       env=env, stdout=log, stderr=subprocess.STDOUT)
            while True:
                try:
                    process.wait(timeout=60)
                    break
                except subprocess.TimeoutExpired:
                    done = count_results(session)[1]
                    say(["   %s: %d/%d mutants tested (%.0f s)" % (name, done, total, time.monotonic() - started)])
        finally:
            stop_workers(workers)
    if process.returncode != 0:
        raise RuntimeError("cosmic-ray exec failed on %s (log: %s)" % (module_path, log.name))
    total, done, killed, survivors, not_run = count_results(session)
    seconds = time.monotonic() - started
    with open(os.path.join(workdir, "survivors-%s.txt" % name), "w", encoding="utf-8") as report:
        for work_item, result in survivors:
            report.write("[%s] %s\n%s\n" % (work_item.job_id, describe(work_item), result.diff))
    for work_item, result in survivors:
        lines.append("   survivor: %s" % describe(work_item))
        if options.diffs:
            lines.extend("      " + line for line in result.diff.splitlines())
    rate = 100.0 * killed / total if total else 100.0
    lines.append("   %d mutants, %d killed, %d survived, %d not run: %.1f %% killed (target %d %%) in %.0f s" % (
        total, killed, len(survivors), not_run + total - done, rate, target, seconds))
    say(lines)
    return dict(path=module_path, total=total, killed=killed, survivors=len(survivors),
                not_run=not_run + total - done, rate=rate, target=target, seconds=seconds)


def main(argv=None):
    options = parse_arguments(sys.argv[1:] if argv is None else argv)
    if options.list:
        for path, (target, tests) in FILES.items():
            print("%-45s target %d %%  tests: %s" % (path, target, " ".join(os.path.relpath(test, UNITS) for test in tests)))
        return 0
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    workdir = tempfile.mkdtemp(prefix="puddle-mutation.")
    print("puddle.cloud mutation testing with cosmic-ray: %d files, %d at a time; scratch folder %s; load average %s" % (
        len(options.files), options.jobs, workdir, " ".join("%.2f" % value for value in os.getloadavg())), flush=True)
    lock = threading.Lock()

    def say(lines):
        with lock:
            print("\n".join(lines), flush=True)

    def run(module_path):
        try:
            return run_file(root, workdir, module_path, options, say)
        except (RuntimeError, subprocess.CalledProcessError) as error:
            say(["", "== %s: FAILED: %s" % (module_path, error)])
            return None

    with concurrent.futures.ThreadPoolExecutor(max_workers=options.jobs) as pool:
        outcomes = list(pool.map(run, options.files))
    results = [outcome for outcome in outcomes if outcome is not None]
    status = 0 if len(results) == len(outcomes) else 1
    if status:
        options.keep = True
    print("\n== Summary (%s, cosmic-ray)" % time.strftime("%Y-%m-%d", time.gmtime()))
    print("  %-42s %7s %7s %9s %8s %7s  %s" % ("file", "mutants", "killed", "survivors", "rate", "target", ""))
    for result in results:
        print("  %-42s %7d %7d %9d %7.1f%% %6d%%  %s" % (
            result["path"], result["total"], result["killed"], result["survivors"], result["rate"], result["target"],
            "met" if result["rate"] >= result["target"] else "NOT MET"))
    met = sum(1 for result in results if result["rate"] >= result["target"])
    print("mutation: %d of %d files meet their targets%s" % (
        met, len(options.files), "" if status == 0 else " (some failed to run)"))
    if options.keep:
        print("scratch folder kept: %s (survivors-*.txt: the diff of every survivor)" % workdir)
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
