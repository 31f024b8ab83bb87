"""The reliability suite's driver: runs the stages, prints each check, writes the figures.

    python -m reliability --collection .../ansible_collections/puddle/cloud --state DIR
        [--only STAGE[,STAGE]] [--figures FILE]

Run from the folder holding the `reliability` package (scripts/reliability does all of this).
The last line is `reliability: N passed, N failed`; the exit status is non-zero on a failure.
"""

import argparse
import json
import signal
import sys
import time
import traceback

from reliability.suite import Context

STAGES = ("faults", "concurrency", "crash", "simulator-input", "module-input", "secrets")


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
    for simulator in context.simulators:
        observed = simulator.observations()
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


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m reliability", description=__doc__.splitlines()[0])
    parser.add_argument("--collection", required=True, help="the collection copy, .../ansible_collections/puddle/cloud")
    parser.add_argument("--state", required=True, help="folder for simulators, runs and outputs (emptied stage by stage)")
    parser.add_argument("--only", action="append", default=[], help="stages to run (repeatable or comma separated)")
    parser.add_argument("--figures", help="write the figures as JSON here (default: STATE/figures.json)")
    options = parser.parse_args(argv)
    wanted = [name for value in options.only for name in value.split(",") if name] or list(STAGES)
    unknown = [name for name in wanted if name not in STAGES]
    if unknown:
        parser.error("unknown stage(s) %s; stages: %s" % (", ".join(unknown), ", ".join(STAGES)))

    context = Context(options.collection, options.state)
    # A stopped run still stops its simulators and playbooks (the finally below).
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(143))
    started = time.monotonic()
    durations = {}
    try:
        for name in STAGES:
            if name not in wanted:
                continue
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
    finally:
        context.cleanup()
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
