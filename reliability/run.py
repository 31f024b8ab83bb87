"""The reliability suite's driver: runs the stages, prints each check, writes the figures.

    python -m reliability --collection .../ansible_collections/puddle/cloud --state DIR
        [--only STAGE[,STAGE]] [--figures FILE] [--jobs N]

Run from the folder holding the `reliability` package (scripts/reliability does all of this).
The last line is `reliability: N passed, N failed`; the exit status is non-zero on a failure.

The stages run side by side (--jobs, default all of them at once), each in a process of its own
(`--only STAGE --manifest FILE`) with its own state folder DIR/stage-STAGE: its own simulators on
their own free ports, its own playbook runs and ANSIBLE_HOME. Their output is printed stage by
stage in a fixed order once all have ended, each with its time and verdict; their checks and
figures add up, and the secrets scan reads every stage's runs after all of them. --jobs 1 runs
them one after the other in this process, as before.
"""

import argparse
import json
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path

from reliability.suite import Context

STAGES = ("faults", "concurrency", "crash", "simulator-input", "module-input", "secrets")
# Side by side, the faults stage (the longest, about 100 s alone) sets the suite's time: the stages
# that assert nothing about time run at a lower CPU priority, so that on 2 cores faults keeps its
# pace and they take the CPU it leaves. crash and simulator-input keep the normal priority (a kill
# timed by the simulator's request counts, a token that lives 1 s).
LOWER_PRIORITY = ("concurrency", "module-input", "secrets")
NICENESS = 5


def stage_function(name):
    # Imported on use, so that one stage's import error fails that stage only.
    if name == "faults":
        from reliability.stage_faults import FaultsStage
        return lambda context: FaultsStage(context, (context.collection / "roles" / "fleet").is_dir(),
                                           (context.collection / "plugins" / "modules" / "puddle_fleet.py").is_file()).run()
    if name == "concurrency":
        from reliability.stage_concurrency import run
        return run
    if name == "crash":
        from reliability.stage_crash import run
        return run
    if name == "simulator-input":
        from reliability.stage_simulator_input import run
        return run
    if name == "module-input":
        from reliability.stage_module_input import run
        return run
    if name == "secrets":
        from reliability.stage_secrets import run
        return run
    raise ValueError(name)


def figures_of(context, durations, total_seconds):
    requests = {}
    faults = {}
    for observed in context.simulator_observations():
        for route, count in observed["requests"].items():
            requests[route] = requests.get(route, 0) + count
        for knob, count in observed["faults"].items():
            key = knob[:-len("_rate")] if knob.endswith("_rate") else knob
            faults[key] = faults.get(key, 0) + count
    figures = dict(context.figures)
    figures.update(
        requests_made=sum(requests.values()),
        requests_by_method=dict(sorted(requests.items())),
        faults_injected=sum(faults.values()),
        faults_injected_by_kind=dict(sorted(faults.items())),
        checks_passed=context.checks.passed,
        checks_failed=len(context.checks.failed),
        failed_checks=context.checks.failed,
        stage_seconds=durations,
        total_seconds=round(total_seconds, 1),
        finished_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    )
    return figures


def run_stage(context, name, durations):
    """One stage in this process: its checks are counted, an exception is one failed check."""
    print("\n=== reliability stage %s ===" % name, flush=True)
    context.checks.stage = name
    stage_started = time.monotonic()
    try:
        stage_function(name)(context)
    except Exception:  # pylint: disable=broad-except  # a broken stage is one failed check
        traceback.print_exc()
        context.checks.check("the stage ran to its end", False, "exception above")
    durations[name] = round(time.monotonic() - stage_started, 1)
    print("=== stage %s: %.0f s ===" % (name, durations[name]), flush=True)


def run_side_by_side(context, options, names, durations):
    """Each stage in a process of its own, at most options.jobs at once, started in STAGES order;
    prints each stage's output once all have ended, then absorbs their manifests."""
    pending = list(names)
    running = {}
    ended = {}
    collection = str(context.collection)
    while pending or running:
        while pending and len(running) < options.jobs:
            name = pending.pop(0)
            directory = context.state_dir / ("stage-" + name)
            directory.mkdir(parents=True, exist_ok=True)
            manifest = directory / "manifest.json"
            if manifest.exists():
                manifest.unlink()
            command = ["nice", "-n", str(NICENESS)] if name in LOWER_PRIORITY else []
            command += [sys.executable, "-m", "reliability", "--collection", collection, "--state", str(directory),
                        "--only", name, "--jobs", "1", "--manifest", str(manifest)]
            with open(directory / "output.log", "wb") as output:
                process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT)
            context.started_processes.append(process)
            running[name] = (process, time.monotonic(), directory)
            print("  started stage %s (output in %s)" % (name, directory / "output.log"), flush=True)
        time.sleep(0.2)
        for name, (process, started, directory) in list(running.items()):
            if process.poll() is None:
                continue
            del running[name]
            manifest = None
            path = directory / "manifest.json"
            if path.exists():
                manifest = json.loads(path.read_text())
            verdict = "passed" if process.returncode == 0 and manifest and not manifest["failed"] else "FAILED"
            ended[name] = (process.returncode, round(time.monotonic() - started, 1), directory, manifest, verdict)
            print("  stage %s %s after %.0f s" % (name, verdict, ended[name][1]), flush=True)
    for name in names:
        returncode, seconds, directory, manifest, verdict = ended[name]
        print("\n----- reliability stage %s: %s (%.0f s) -----" % (name, verdict, seconds), flush=True)
        sys.stdout.write((directory / "output.log").read_text(errors="replace"))
        sys.stdout.flush()
        if manifest is None:
            context.checks.stage = name
            context.checks.check("the stage ran to its end", False, "its process exited with %s and left no manifest"
                                 % returncode)
            durations[name] = seconds
            continue
        context.absorb(manifest)
        durations[name] = manifest["stage_seconds"].get(name, seconds)
        if returncode != 0 and not manifest["failed"]:
            context.checks.stage = name
            context.checks.check("the stage's process exited with 0", False, returncode)


def run_scan(context):
    """The secrets scan, after every stage, over every stage's runs (reliability/stage_secrets.py)."""
    from reliability.stage_secrets import scan
    print("\n=== reliability: the secrets scan of every stage's runs ===", flush=True)
    context.checks.stage = "secrets"
    try:
        scan(context)
    except Exception:  # pylint: disable=broad-except  # a broken scan is one failed check
        traceback.print_exc()
        context.checks.check("the secrets scan ran to its end", False, "exception above")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m reliability", description=__doc__.splitlines()[0])
    parser.add_argument("--collection", required=True, help="the collection copy, .../ansible_collections/puddle/cloud")
    parser.add_argument("--state", required=True, help="folder for simulators, runs and outputs (emptied stage by stage)")
    parser.add_argument("--only", action="append", default=[], help="stages to run (repeatable or comma separated)")
    parser.add_argument("--figures", help="write the figures as JSON here (default: STATE/figures.json)")
    parser.add_argument("--jobs", type=int, default=len(STAGES),
                        help="stages run side by side, each in a process of its own (default: all; 1: one after the "
                             "other in this process)")
    parser.add_argument("--manifest", help=argparse.SUPPRESS)  # a stage's process, for its driver: see run_side_by_side
    options = parser.parse_args(argv)
    wanted = [name for value in options.only for name in value.split(",") if name] or list(STAGES)
    unknown = [name for name in wanted if name not in STAGES]
    if unknown:
        parser.error("unknown stage(s) %s; stages: %s" % (", ".join(unknown), ", ".join(STAGES)))
    if options.jobs < 1:
        parser.error("--jobs must be at least 1")
    names = [name for name in STAGES if name in wanted]

    context = Context(options.collection, options.state)
    # A stopped run still stops its simulators and playbooks (the finally below).
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(143))
    started = time.monotonic()
    durations = {}
    try:
        if options.manifest or options.jobs == 1 or len(names) == 1:
            for name in names:
                run_stage(context, name, durations)
        else:
            print("running %d stages side by side (%d at once), each with its own simulators and state folder "
                  "under %s; their output follows once all have ended" % (
                      len(names), min(options.jobs, len(names)), context.state_dir), flush=True)
            run_side_by_side(context, options, names, durations)
    finally:
        context.cleanup()
    if options.manifest:
        # A stage's process: its driver scans, adds up and prints the closing line.
        manifest = dict(context.manifest(), stage_seconds=durations)
        Path(options.manifest).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
        return 1 if context.checks.failed else 0
    if "secrets" in names:
        run_scan(context)
    figures = figures_of(context, durations, time.monotonic() - started)
    figures_path = options.figures or str(context.state_dir / "figures.json")
    with open(figures_path, "w") as stream:
        json.dump(figures, stream, indent=2, sort_keys=True)
        stream.write("\n")
    print("\nfigures (%s):" % figures_path)
    for key in ("requests_made", "faults_injected", "faults_injected_by_kind", "tasks_run", "playbook_runs",
                "duplicates_found", "tasks_ok_on_unconverged_system", "secrets_found", "fuzz_cases_run",
                "fuzz_requests", "5xx_found", "stage_seconds", "total_seconds"):
        print("  %s: %s" % (key, json.dumps(figures.get(key))))
    for name in context.checks.failed:
        print("FAILED: %s" % name)
    print("reliability: %d passed, %d failed" % (context.checks.passed, len(context.checks.failed)))
    return 1 if context.checks.failed else 0
