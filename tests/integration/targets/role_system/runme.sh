#!/usr/bin/env bash
# The puddle.cloud.system role against the simulator, the way users run it: a check-mode run
# (--check) that creates nothing, a real run that creates the system, uploads its config.toml and
# waits for its product URL, a second run that changes nothing, then misuse and removal.
# cleanup.yml terminates what this run created in any case.
set -eu

# ansible-test passes integration_config.yml only to role targets: a script target reads it here.
config="../../integration_config.yml"
[[ -f "$config" ]] || { echo "runme.sh: no $config (written by scripts/test)" >&2; exit 1; }
run_id="$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"
playbook_args=(-i "$INVENTORY_PATH" -e "@$config" -e "run_id=$run_id" "$@")

cleanup() {
    if ! ansible-playbook cleanup.yml "${playbook_args[@]}" >"$OUTPUT_DIR/cleanup.log" 2>&1; then
        tail -n 40 "$OUTPUT_DIR/cleanup.log"
        echo "runme.sh: cleanup.yml failed" >&2
        exit 1
    fi
}
trap cleanup EXIT

fail() {
    echo "runme.sh: $*" >&2
    exit 1
}

# run_playbook LOG PLAYBOOK [ARGS...]: run it, keep its output in $OUTPUT_DIR/LOG.log, show it.
run_playbook() {
    local log="$OUTPUT_DIR/$1.log"
    shift
    local status=0
    ansible-playbook "$@" "${playbook_args[@]}" >"$log" 2>&1 || status=$?
    cat "$log"
    return "$status"
}

# recap_changed LOG: the changed= count of the PLAY RECAP line of testhost.
recap_changed() {
    grep -E '^testhost +:' "$OUTPUT_DIR/$1.log" | tail -n 1 | sed -E 's/.*changed=([0-9]+).*/\1/'
}

run_playbook check check.yml --check || fail "check.yml failed"
[[ "$(recap_changed check)" -ge 1 ]] || fail "the check-mode run reported no change"

run_playbook apply converge.yml -e expect_changed=true || fail "the first real run failed"
[[ "$(recap_changed apply)" -ge 1 ]] || fail "the first real run reported no change"

run_playbook apply_again converge.yml -e expect_changed=false || fail "the second real run failed"
[[ "$(recap_changed apply_again)" == 0 ]] || fail "the second real run reported changes"

run_playbook misuse misuse.yml || fail "misuse.yml failed"
run_playbook remove remove.yml || fail "remove.yml failed"
