#!/usr/bin/env bash
# The puddle.cloud.system role against the simulator, the way users run it: a check-mode run
# (--check) that creates nothing, a real run that creates the system, uploads its config.toml and
# waits for its product URL, a second run that changes nothing, then misuse and removal.
# cleanup.yml terminates what this run created in any case.
set -eu

# shellcheck source=tests/integration/targets/setup_puddle_script/runme_lib.sh
. ../setup_puddle_script/runme_lib.sh
playbook_args=(-i "$INVENTORY_PATH" -e "@$config" -e "run_id=$run_id" "$@")

run_playbook check check.yml --check || fail "check.yml failed"
[[ "$(recap_changed check)" -ge 1 ]] || fail "the check-mode run reported no change"

run_playbook apply converge.yml -e expect_changed=true || fail "the first real run failed"
[[ "$(recap_changed apply)" -ge 1 ]] || fail "the first real run reported no change"

run_playbook apply_again converge.yml -e expect_changed=false || fail "the second real run failed"
[[ "$(recap_changed apply_again)" == 0 ]] || fail "the second real run reported changes"

run_playbook config_failure config_failure.yml || fail "config_failure.yml failed"
run_playbook misuse misuse.yml || fail "misuse.yml failed"
run_playbook remove remove.yml || fail "remove.yml failed"
