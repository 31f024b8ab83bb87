# Shared by the script targets' runme.sh (they declare needs/target/setup_puddle_script):
# the simulator's connection settings, a per-run id, and helpers to run playbooks with a cleanup
# that always runs. A runme.sh sources this, then sets playbook_args from $config and $run_id.
# shellcheck shell=bash

# ansible-test copies tests/integration/integration_config.yml next to the targets but passes it
# only to role targets: a script target reads it from there.
config="../../integration_config.yml"
[[ -f "$config" ]] || { echo "runme.sh: no $config (written by scripts/test)" >&2; exit 1; }
# In scripts/test's api_client=puddle_client pass, the controller (inventory plugin, lookup) and the
# modules read the option from the environment and import the double of Puddle's Python client.
if grep -q '^puddle_api_client: puddle_client$' "$config"; then
    export PUDDLE_API_CLIENT=puddle_client
    PYTHONPATH="$(sed -n 's/^puddle_client_path: //p' "$config")${PYTHONPATH:+:$PYTHONPATH}"
    export PYTHONPATH
fi
# Used by the sourcing runme.sh (system names and tags of this run).
# shellcheck disable=SC2034
run_id="$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"
playbook_args=()

fail() {
    echo "runme.sh: $*" >&2
    exit 1
}

# cleanup.yml of the target, with the target's playbook_args, whatever happened before.
cleanup() {
    if ! ansible-playbook cleanup.yml "${playbook_args[@]}" >"$OUTPUT_DIR/cleanup.log" 2>&1; then
        tail -n 40 "$OUTPUT_DIR/cleanup.log"
        echo "runme.sh: cleanup.yml failed" >&2
        exit 1
    fi
}
trap cleanup EXIT

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
