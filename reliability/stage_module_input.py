"""5. Hostile input to the modules: each invalid option value fails naming the option, and the
simulator's counters show that no request that changes something was sent."""

import re

from reliability.simulator import MUTATING_METHODS, Simulator
from reliability.suite import PLAYBOOKS_DIR, failure_of, run_playbook

TARGET = "hostile-target"
# The config.toml cases of playbooks/module_input.yml: task name -> the option the message must name.
CONFIG_TOML_CASES = {
    "Config.toml content that is not TOML": "content",
    "Config.toml content over 1 MiB": "content",
    "Config.toml src that is not TOML": "src",
    "Config.toml src over 1 MiB": "src",
    "Config.toml src that is not UTF-8": "src",
    "Config.toml with both content and src": "content",
    "Config.toml with neither content nor src": "content",
}
SYSTEM_TASK = "Converge a system with one invalid option"


def write_files(directory):
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "invalid.toml").write_text("[section\nkey = \n")
    (directory / "oversize.toml").write_text("enable_gpu = false\n" + "#" * (1024 * 1024) + "\n")
    (directory / "latin1.toml").write_bytes("# r\xe9sum\xe9\nenable_gpu = false\n".encode("latin-1"))


def names_option(message, option):
    """True when the message names the option as a word (tags.project counts for tags.project)."""
    return re.search(r"(?<![\w.])%s(?![\w])" % re.escape(option), message or "") is not None


def run(context):
    check = context.checks.check
    sim = Simulator(context, "module-input", speed=50.0)
    context.simulators.append(sim)
    sim.start()
    token = sim.login()
    created = sim.call("SystemService/CreateSystem", {
        "name": TARGET, "cloud": "aws", "product": "dai", "version": "1.11.1", "instance_type_name": "m5.xlarge",
        "tags": [{"name": "project", "value": "hostile"}]}, token)
    created.raise_for_status()
    sim.control("ForceSystemStatus", {"system_id": created.json()["system"]["id"], "status": "started"})
    files = context.state_dir / "module-input-files"
    write_files(files)
    before = sim.all_systems()
    sim.control("ResetRequestCounts")
    extra = dict(context.connection_vars(sim), cases_target=TARGET, files_dir=str(files))
    run_ = run_playbook(context, "module-input", PLAYBOOKS_DIR / "module_input.yml", extra)
    counts = sim.request_counts()["counts"]
    after = sim.all_systems()

    table = []
    for record in run_.results(task=SYSTEM_TASK):
        item = record["result"]["item"]
        table.append((item["case"], item["option"], record))
    for task, option in CONFIG_TOML_CASES.items():
        for record in run_.results(task=task):
            table.append((task, option, record))
    wrong = []
    for case, option, record in table:
        message = record["result"].get("msg", "")
        if record["outcome"] != "failed" or not names_option(message, option):
            wrong.append((case, option, record["outcome"], message[:200]))
    expected_cases = len(CONFIG_TOML_CASES) + len(
        [line for line in (PLAYBOOKS_DIR / "module_input.yml").read_text().splitlines() if line.lstrip().startswith("- {case:")
         or line.lstrip().startswith("- case:")])
    check("each of the %d invalid option values failed with a message naming the option" % len(table),
          not wrong and len(table) == expected_cases, wrong or (len(table), expected_cases))
    structured = [(case, failure_of(record).get("field")) for case, option, record in table
                  if failure_of(record) and not str(failure_of(record).get("field") or "").startswith(option.split(".")[0])]
    check("where a structured failure is returned, its field is the option", not structured, structured)
    mutating = {method: count for method, count in counts.items() if method in MUTATING_METHODS}
    check("the simulator's counters show no mutating request (%d requests, all read-only: %s)" % (
        sum(counts.values()), ", ".join("%s %d" % item for item in sorted(counts.items()))), not mutating, mutating)
    check("the stored systems are unchanged", before == after)
    context.figures["module_input"] = {"cases": len(table), "requests": sum(counts.values()), "mutating_requests": sum(
        mutating.values())}
    sim.stop()
