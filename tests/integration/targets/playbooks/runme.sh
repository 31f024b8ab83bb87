#!/usr/bin/env bash
# playbooks/keepalive.yml, teardown.yml and cu_report.yml run by their collection names
# (ansible-playbook puddle.cloud.<name>), as users run them. setup.yml creates three systems with
# this run's tag (two started, one stopped) and one with another tag; verify.yml checks each
# playbook's effect. cleanup.yml terminates what this run created in any case.
set -eu

# shellcheck source=tests/integration/targets/setup_puddle_script/runme_lib.sh
. ../setup_puddle_script/runme_lib.sh
project_tag="playbooks-$run_id"
python="${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}"
playbook_args=(-i "$INVENTORY_PATH" -e "@$config" -e "run_id=$run_id" -e "output_dir=$OUTPUT_DIR" "$@")
# The collection's playbooks need no inventory; their connection comes from the same extra
# variables (puddle_server_address, ...) or, for keepalive, from the environment.
collection_args=(-i "$INVENTORY_PATH" "$@")

# run LOG COMMAND...: run it, keep its output in $OUTPUT_DIR/LOG.log, show it; its status.
run() {
    local log="$OUTPUT_DIR/$1.log"
    shift
    local status=0
    "$@" >"$log" 2>&1 || status=$?
    cat "$log"
    return "$status"
}

run setup ansible-playbook setup.yml "${playbook_args[@]}" || fail "setup.yml failed"
# Idle deadlines have a resolution of one second: keepalive starts once the clock has moved past
# the second in which setup.yml ended (its last request), so that it moves them.
setup_ended="$(date +%s)"
while (($(date +%s) <= setup_ended)); do
    sleep 0.1
done

# keepalive, configured through the environment only.
# shellcheck disable=SC1091
. "$OUTPUT_DIR/puddle.env"
run keepalive env PUDDLE_SERVER_ADDRESS="$PUDDLE_SERVER_ADDRESS" PUDDLE_API_KEY_ID="$PUDDLE_API_KEY_ID" \
    PUDDLE_API_SECRET_KEY="$PUDDLE_API_SECRET_KEY" \
    ansible-playbook puddle.cloud.keepalive "${collection_args[@]}" -e "{\"keepalive_tags\": {\"project\": \"$project_tag\"}}" ||
    fail "keepalive failed"
grep -q "keepalive: 2 started system(s) tagged" "$OUTPUT_DIR/keepalive.log" || fail "keepalive did not list its 2 systems"
run verify_keepalive ansible-playbook verify.yml "${playbook_args[@]}" -e after=keepalive || fail "keepalive did not refresh as expected"

run cu_report ansible-playbook puddle.cloud.cu_report "${collection_args[@]}" -e "@$config" \
    -e "{\"cu_report_tags\": {\"project\": \"$project_tag\"}}" || fail "cu_report failed"
"$python" check_cu_report.py "$OUTPUT_DIR/cu_report.log" "$run_id" || fail "cu_report printed a wrong table"

teardown_args=(-e "@$config" -e teardown_action=terminate -e "{\"teardown_tags\": {\"project\": \"$project_tag\"}}"
    -e teardown_poll_interval=1)
if run teardown_refused ansible-playbook puddle.cloud.teardown "${collection_args[@]}" "${teardown_args[@]}"; then
    fail "teardown without teardown_confirm=yes succeeded"
fi
grep -q "teardown: refusing to terminate 3 system(s) without a confirmation" "$OUTPUT_DIR/teardown_refused.log" ||
    fail "teardown did not refuse with its message"
run verify_refused ansible-playbook verify.yml "${playbook_args[@]}" -e after=refused || fail "the refused teardown changed something"

run teardown ansible-playbook puddle.cloud.teardown "${collection_args[@]}" "${teardown_args[@]}" -e teardown_confirm=yes ||
    fail "teardown with teardown_confirm=yes failed"
run verify_terminated ansible-playbook verify.yml "${playbook_args[@]}" -e after=terminated || fail "teardown terminated the wrong systems"

run teardown_stop ansible-playbook puddle.cloud.teardown "${collection_args[@]}" -e "@$config" -e teardown_action=stop \
    -e "teardown_name_pattern=^playbooks-$run_id-other\$" -e teardown_confirm=yes -e teardown_poll_interval=1 ||
    fail "teardown (stop) failed"
run verify_stopped ansible-playbook verify.yml "${playbook_args[@]}" -e after=stopped || fail "teardown did not stop the system"
