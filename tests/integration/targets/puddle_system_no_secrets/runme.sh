#!/usr/bin/env bash
# A full puddle_system run at -vvv, then the proof that its output holds no secret: neither
# the API secret key, nor a session token, nor a wrong secret that made a login fail.
set -eu

# ansible-test copies tests/integration/integration_config.yml two levels up from here.
config="$(cd ../.. && pwd)/integration_config.yml"
[[ -f "$config" ]] || { echo "runme.sh: no integration config at $config" >&2; exit 1; }

log="$OUTPUT_DIR/full-run-vvv.log"
secrets="$OUTPUT_DIR/secrets"
rm -f "$log" "$secrets"

status=0
ansible-playbook -i "$INVENTORY_PATH" full_run.yml -e "@$config" -e "output_dir=$OUTPUT_DIR" -vvv >"$log" 2>&1 || status=$?
if ((status != 0)); then
    tail -n 60 "$log"
    echo "runme.sh: the full run failed (exit $status)" >&2
    exit 1
fi

# full_run.yml wrote the secrets it used (without printing them), one per line.
[[ -s "$secrets" ]] || { echo "runme.sh: no secrets file" >&2; exit 1; }
count=0
while IFS= read -r secret; do
    [[ -n "$secret" ]] || continue
    count=$((count + 1))
    if grep -qF -- "$secret" "$log"; then
        echo "runme.sh: secret number $count appears in the -vvv output ($log)" >&2
        exit 1
    fi
done <"$secrets"
((count == 3)) || { echo "runme.sh: expected 3 secrets, got $count" >&2; exit 1; }
# The run did reach the module: its results are in the log.
grep -q '"actions": \[' "$log" || { echo "runme.sh: no module result in the log" >&2; exit 1; }
echo "runme.sh: $(wc -l <"$log") lines of -vvv output, none holds any of the $count secrets"
