"""bench/run: the performance figures of issues 6 and 13, each with its target beside it (see docs/performance.md)."""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import sys
import tempfile
import time


FIGURES = {
    1: "requests_per_task",
    2: "waiting",
    3: "task_cost",
    4: "fleet",
    5: "throughput",
    6: "client_requests",
    7: "workshop",
}


def parse_arguments(argv):
    parser = argparse.ArgumentParser(prog="bench/run", description=__doc__)
    parser.add_argument("--only", default="1,2,3,4,5,7",
                        help="figures to measure, e.g. 1,3 (default: 1 to 5 and 7; 6 compares the api_client choices)")
    parser.add_argument("--task-count", type=int, default=50, help="figure 3: tasks of each kind (default 50)")
    parser.add_argument("--fleet-size", type=int, default=20, help="figure 4: systems in the fleet (default 20)")
    parser.add_argument("--fleet-provisioning", type=float, default=30.0,
                        help="figures 4 and 7: provisioning time P in seconds (default 30)")
    parser.add_argument("--naive-systems", type=int, default=3,
                        help="figures 4 and 7: systems the naive loop is measured on, then scaled (default 3)")
    parser.add_argument("--workshop-size", type=int, default=200, help="figure 7: systems in the workshop fleet (default 200)")
    parser.add_argument("--memory-systems", type=int, default=1000,
                        help="figure 7: systems declared while the module's peak memory is measured (default 1000)")
    parser.add_argument("--sizes", default="100,1000,5000", help="figure 5: systems in the database (default 100,1000,5000)")
    parser.add_argument("--clients", type=int, default=16, help="figure 5: concurrent clients (default 16)")
    parser.add_argument("--requests-per-client", type=int, default=500, help="figure 5: requests per client (default 500)")
    parser.add_argument("--rounds", type=int, default=4, help="figure 5: rounds visiting every size in turn (default 4)")
    parser.add_argument("--time-limit", type=float, default=60.0, help="figure 5: seconds of load per size at most (default 60)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder (logs, databases, playbooks)")
    options = parser.parse_args(argv)
    options.only = sorted(set(int(item) for item in options.only.split(",") if item.strip()))
    options.sizes = [int(item) for item in options.sizes.split(",") if item.strip()]
    unknown = [number for number in options.only if number not in FIGURES]
    if unknown:
        parser.error("no figure %s (figures: 1 to %d)" % (unknown, len(FIGURES)))
    return options


def main(argv=None):
    options = parse_arguments(sys.argv[1:] if argv is None else argv)
    # Imported after the options: --help needs neither the collection on PYTHONPATH nor the venv.
    from common import Context  # pylint: disable=import-outside-toplevel
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    workdir = tempfile.mkdtemp(prefix="puddle-bench.")
    context = Context(root, workdir, options)
    print("puddle.cloud bench: figures %s; scratch folder %s; load average %s" % (
        ",".join(str(number) for number in options.only), workdir, " ".join("%.2f" % value for value in os.getloadavg())))
    figures = []
    status = 0
    for number in options.only:
        started = time.monotonic()
        module = importlib.import_module(FIGURES[number])
        try:
            figure = module.measure(context)
        except Exception as error:  # pylint: disable=broad-except
            print("\n== %d. FAILED: %s: %s (scratch folder kept: %s)" % (number, type(error).__name__, error, workdir))
            options.keep = True
            status = 1
            continue
        figure.note("(measured in %.0f s)" % (time.monotonic() - started))
        print(figure.render(), flush=True)
        figures.append(figure)
    print("\n== Summary")
    for figure in figures:
        print("  %d. %-62s target %s" % (figure.number, figure.title[:62], "met" if figure.met else "NOT MET"))
    met = sum(1 for figure in figures if figure.met)
    print("bench: %d of %d figures meet their targets%s" % (met, len(options.only), "" if status == 0 else " (some failed to run)"))
    if options.keep:
        print("scratch folder kept: %s" % workdir)
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
