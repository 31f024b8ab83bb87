#!/usr/bin/env bash
# The puddle.cloud.fleet role against the simulator: five systems converged together (faster
# than half of one-after-another) with its summary line; pruning in check
# mode (lists, keeps) and for real (terminates only the undeclared system with the fleet's tag);
# a re-run that changes nothing; a fleet whose systems fail, reported by name; and a wait of
# more than 2,000 poll rounds that completes normally.
# cleanup.yml terminates what this run created in any case.
set -eu

# shellcheck source=tests/integration/targets/setup_puddle_script/runme_lib.sh
. ../setup_puddle_script/runme_lib.sh
playbook_args=(-i "$INVENTORY_PATH" -e "@$config" -e "run_id=$run_id" "$@")

run_playbook converge converge.yml || fail "converge.yml failed"
# The summary: every system converged and changed, after some poll rounds.
# It ends with the CU figures: what the fleet takes per hour once converged, and the pool before and
# after (read by the module); the five new systems took exactly their CU from the pool.
summary_re='"msg": "fleet: 5/5 converged, 5 changed, 0 failed, 0 pruned \([1-9][0-9]* poll rounds\); CU: ([0-9]+) CU/h once converged, pool ([0-9]+) available before, ([0-9]+) after"'
summary_line="$(grep -Eo "$summary_re" "$OUTPUT_DIR/converge.log")" || fail "no summary line with the whole fleet converged"
read -r fleet_cu pool_before pool_after <<<"$(sed -E "s|$summary_re|\1 \2 \3|" <<<"$summary_line")"
[[ "$fleet_cu" -gt 0 && $((pool_before - pool_after)) == "$fleet_cu" ]] ||
    fail "the summary's CU figures do not add up: $summary_line"

run_playbook prune_check prune.yml --check -e prune_run=check || fail "prune.yml --check failed"
# The debug line as the default callback prints it (JSON string: the tag filter's quotes escaped).
would_go='fleet prune: would terminate 1 system(s) not in the declaration among those tagged {\"project\": \"'"role-fleet-$run_id"'\"}: '"role-fleet-$run_id-extra"
grep -qF "\"msg\": \"$would_go\"" "$OUTPUT_DIR/prune_check.log" || fail "check mode did not list the system that pruning would terminate"

run_playbook prune prune.yml -e prune_run=real || fail "prune.yml failed"
grep -q "fleet prune: terminates 1 system(s) not in the declaration" "$OUTPUT_DIR/prune.log" ||
    fail "pruning did not list the system it terminates"

run_playbook prune_again prune.yml -e prune_run=again || fail "prune.yml (again) failed"
[[ "$(recap_changed prune_again)" == 0 ]] || fail "the re-run reported changes"

run_playbook failing failing.yml || fail "failing.yml failed"

run_playbook long_wait long_wait.yml || fail "long_wait.yml failed"
