#!/usr/bin/env bash
# puddle_server_info against the simulator (check mode, then a real run: the same report, never
# changed), against a server that is not Puddle's API (not_puddle.py on a free loopback port, and the
# simulator's own address with a wrong base path), and playbooks/check_connection.yml by its collection
# name, as a user runs it: its verdict against both. cleanup.yml terminates what this run created.
set -eu

# shellcheck source=tests/integration/targets/setup_puddle_script/runme_lib.sh
. ../setup_puddle_script/runme_lib.sh
python="${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}"

port_file="$OUTPUT_DIR/not_puddle.port"
rm -f "$port_file"
"$python" not_puddle.py "$port_file" 2>"$OUTPUT_DIR/not_puddle.log" &
not_puddle_pid=$!
trap 'kill "$not_puddle_pid" 2>/dev/null || true; cleanup' EXIT
for _ in $(seq 100); do
    [[ -s "$port_file" ]] && break
    kill -0 "$not_puddle_pid" 2>/dev/null || fail "not_puddle.py did not start: $(cat "$OUTPUT_DIR/not_puddle.log")"
    sleep 0.1
done
[[ -s "$port_file" ]] || fail "not_puddle.py wrote no port"
not_puddle_url="http://127.0.0.1:$(cat "$port_file")"

playbook_args=(-i "$INVENTORY_PATH" -e "@$config" -e "run_id=$run_id" -e "not_puddle_url=$not_puddle_url" "$@")
run_playbook server_info server_info.yml || fail "server_info.yml failed"

# check_connection against the simulator: a verdict of success, and the play succeeds.
run_playbook check_connection puddle.cloud.check_connection -e '{"check_connection_clouds": ["aws"]}' || fail "check_connection failed against the simulator: $(cat "$OUTPUT_DIR/check_connection.log")"
address="$(sed -n 's/^puddle_server_address: //p' "$config")"
log="$OUTPUT_DIR/check_connection.log"
grep -q "\"OK: $address answers Puddle's API (" "$log" || fail "check_connection printed no OK line"
grep -q '"user: demo <demo@example.com> by api_key ' "$log" || fail "check_connection did not name the user"
grep -q '"clouds (images/instance types): aws 5/3; 3 tags; CU pool: ' "$log" || fail "check_connection printed wrong counts"
grep -q '"unknown: nothing"' "$log" || fail "check_connection found unknown attributes in the simulator's answers"
grep -q '"next: run a playbook' "$log" || fail "check_connection said nothing to do next"

# With no cloud asked, images and instance types are not read: the verdict says so, and neither
# calls them attributes the client does not report nor sends the user to the conversion table.
run_playbook check_connection_no_cloud puddle.cloud.check_connection -e '{"check_connection_clouds": []}' ||
    fail "check_connection failed with no cloud: $(cat "$OUTPUT_DIR/check_connection_no_cloud.log")"
log="$OUTPUT_DIR/check_connection_no_cloud.log"
grep -q '"clouds (images/instance types): none asked; 3 tags; CU pool: ' "$log" || fail "check_connection: no 'none asked'"
grep -q '"unknown: image: not read (no cloud asked); instance_type: not read (no cloud asked)"' "$log" ||
    fail "check_connection called the models of what it did not read unknown attributes: $(cat "$log")"
grep -q '"next: run a playbook' "$log" || fail "check_connection sent the user to the conversion table for what it did not read"

# check_connection against addresses that are not Puddle's API: a verdict of failure, and the play fails.
for base in "$not_puddle_url/html" "$not_puddle_url/signin" "$address/dashboard"; do
    log="$OUTPUT_DIR/check_connection_not_api.log"
    # The address last: a later extra variable wins over the configuration's.
    if ansible-playbook puddle.cloud.check_connection "${playbook_args[@]}" -e "puddle_server_address=$base" >"$log" 2>&1; then
        cat "$log"
        fail "check_connection succeeded against $base"
    fi
    cat "$log"
    grep -q "\"FAILED: $base does not answer Puddle's API\"" "$log" || fail "check_connection: no FAILED line for $base"
    grep -q '"why: .*'"$base" "$log" || fail "check_connection: the reason does not name $base"
    grep -q '"next: ' "$log" || fail "check_connection said nothing to do next for $base"
    grep -q 'check_connection: Puddle does not work with the collection yet: see the verdict above' "$log" ||
        fail "check_connection did not fail at its last task for $base"
done
