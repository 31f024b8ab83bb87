#!/usr/bin/env bash
# The puddle.cloud.puddle inventory plugin against the simulator: setup.yml creates systems and
# writes inventory sources, ansible-inventory lists them, verify.yml checks the listings, and
# no listing nor error output holds a secret. cleanup.yml terminates the systems in any case.
set -eu

# shellcheck source=tests/integration/targets/setup_puddle_script/runme_lib.sh
. ../setup_puddle_script/runme_lib.sh
playbook_args=(-i "$INVENTORY_PATH" -e "@$config" "$@" -e "run_id=$run_id" -e "output_dir=$OUTPUT_DIR")

ansible-playbook setup.yml "${playbook_args[@]}"

# Connection settings and secrets that setup.yml wrote (shell variables, not exported).
# shellcheck disable=SC1091
. "$OUTPUT_DIR/puddle.env"
key_credentials=(PUDDLE_SERVER_ADDRESS="$PUDDLE_SERVER_ADDRESS" PUDDLE_API_KEY_ID="$PUDDLE_API_KEY_ID"
    PUDDLE_API_SECRET_KEY="$PUDDLE_API_SECRET_KEY")

# list_inventory SOURCE OUTPUT [VAR=VALUE...] [-- ANSIBLE-INVENTORY OPTIONS...]: --list into OUTPUT.json,
# its error output into OUTPUT.stderr; a source that cannot be parsed fails the command.
list_inventory() {
    local source="$1" output="$2"
    shift 2
    local -a assignments=() options=()
    while (($#)) && [[ "$1" != -- ]]; do
        assignments+=("$1")
        shift
    done
    if (($#)); then
        shift
        options=("$@")
    fi
    env "${assignments[@]}" ANSIBLE_INVENTORY_UNPARSED_FAILED=true \
        ansible-inventory -i "$OUTPUT_DIR/$source.puddle.yml" --list "${options[@]}" \
        >"$OUTPUT_DIR/$output.json" 2>"$OUTPUT_DIR/$output.stderr"
}

list_inventory tagged tagged "${key_credentials[@]}" || { cat "$OUTPUT_DIR/tagged.stderr"; fail "tagged failed"; }
# Once more at -vvv, for the secrets check below (its stdout is no longer plain JSON).
list_inventory tagged tagged_vvv "${key_credentials[@]}" -- -vvv || { cat "$OUTPUT_DIR/tagged_vvv.stderr"; fail "tagged -vvv failed"; }
list_inventory stopped stopped INVENTORY_TEST_SECRET="$PUDDLE_API_SECRET_KEY" || { cat "$OUTPUT_DIR/stopped.stderr"; fail "stopped failed"; }
list_inventory clouds clouds "${key_credentials[@]}" || { cat "$OUTPUT_DIR/clouds.stderr"; fail "clouds failed"; }
token_credentials=(PUDDLE_SERVER_ADDRESS="$PUDDLE_SERVER_ADDRESS" PUDDLE_API_TOKEN="$PUDDLE_TEST_TOKEN")
if [[ "${PUDDLE_API_CLIENT:-}" == puddle_client ]]; then
    # Puddle's own Python client logs in with an API key only: a token is refused, naming the option,
    # and the same source lists the systems with the API key.
    if list_inventory unfiltered unfiltered_token "${token_credentials[@]}"; then
        fail "api_client=puddle_client accepted an api_token"
    fi
    grep -q 'could not list the systems (configuration): api_token cannot be used with api_client=puddle_client' \
        "$OUTPUT_DIR/unfiltered_token.stderr" || { cat "$OUTPUT_DIR/unfiltered_token.stderr"; fail "no error naming api_token"; }
    token_credentials=("${key_credentials[@]}")
fi
list_inventory unfiltered unfiltered "${token_credentials[@]}" || { cat "$OUTPUT_DIR/unfiltered.stderr"; fail "unfiltered failed"; }

# Caching. A parse that cannot send any request (PUDDLE_HTTP_TRANSPORT names no transport, which
# changes nothing of who asks where) lists the systems only from the cache: it succeeds on a hit
# and fails with a configuration error on a miss. The first parse fills the cache as user A.
rm -rf "$OUTPUT_DIR/inventory-cache"
list_inventory cached cached "${key_credentials[@]}" || { cat "$OUTPUT_DIR/cached.stderr"; fail "cached failed"; }
no_request=(PUDDLE_HTTP_TRANSPORT=no-transport-at-all)
if [[ "${PUDDLE_API_CLIENT:-}" == puddle_client ]]; then
    # Puddle's Python client has no transport to take away; the cache does not depend on the client,
    # so the builtin client without a transport is what proves that a parse sends no request.
    no_request+=(PUDDLE_API_CLIENT=builtin)
fi
list_inventory cached cached_again "${key_credentials[@]}" "${no_request[@]}" ||
    { cat "$OUTPUT_DIR/cached_again.stderr"; fail "the cached parse sent a request"; }
if list_inventory cached cached_flushed "${key_credentials[@]}" "${no_request[@]}" -- --flush-cache; then
    fail "a parse with --flush-cache and no usable transport succeeded"
fi
grep -q 'Puddle inventory: could not list the systems (configuration)' "$OUTPUT_DIR/cached_flushed.stderr" ||
    { cat "$OUTPUT_DIR/cached_flushed.stderr"; fail "no configuration error after --flush-cache"; }
list_inventory cached cached "${key_credentials[@]}" || { cat "$OUTPUT_DIR/cached.stderr"; fail "cached failed"; }

# Each other identity misses A's cache: another server, key id, secret or token.
# expect_miss NAME [VAR=VALUE...]: the cached source, unable to send a request, must fail.
expect_miss() {
    local name="$1"
    shift
    if list_inventory cached "miss_$name" "$@" "${no_request[@]}"; then
        fail "the cache of user A was used for $name"
    fi
    grep -q 'could not list the systems (configuration)' "$OUTPUT_DIR/miss_$name.stderr" ||
        { cat "$OUTPUT_DIR/miss_$name.stderr"; fail "$name: no request was attempted"; }
}
user_b=(PUDDLE_SERVER_ADDRESS="$PUDDLE_SERVER_ADDRESS" PUDDLE_API_KEY_ID="$PUDDLE_OTHER_KEY_ID"
    PUDDLE_API_SECRET_KEY="$PUDDLE_OTHER_SECRET_KEY")
expect_miss user_b "${user_b[@]}"
expect_miss other_server PUDDLE_SERVER_ADDRESS="$PUDDLE_SERVER_ADDRESS/another-puddle" \
    PUDDLE_API_KEY_ID="$PUDDLE_API_KEY_ID" PUDDLE_API_SECRET_KEY="$PUDDLE_API_SECRET_KEY"
expect_miss other_secret PUDDLE_SERVER_ADDRESS="$PUDDLE_SERVER_ADDRESS" PUDDLE_API_KEY_ID="$PUDDLE_API_KEY_ID" \
    PUDDLE_API_SECRET_KEY="not-the-secret-$run_id"
expect_miss token_only PUDDLE_SERVER_ADDRESS="$PUDDLE_SERVER_ADDRESS" PUDDLE_API_TOKEN="$PUDDLE_TEST_TOKEN"
# User B, for real: B's systems, never A's (verify.yml), and then B's cache is B's.
list_inventory cached cached_b "${user_b[@]}" || { cat "$OUTPUT_DIR/cached_b.stderr"; fail "cached as user B failed"; }
list_inventory cached cached_b_again "${user_b[@]}" "${no_request[@]}" ||
    { cat "$OUTPUT_DIR/cached_b_again.stderr"; fail "user B's cached parse sent a request"; }
list_inventory cached cached_a_after_b "${key_credentials[@]}" "${no_request[@]}" ||
    { cat "$OUTPUT_DIR/cached_a_after_b.stderr"; fail "user A's cache was lost"; }

# A wrong secret key: the parse fails, saying why.
if list_inventory wrong wrong; then
    fail "an inventory with a wrong secret key was parsed"
fi
grep -q 'Puddle inventory: could not list the systems (unauthenticated)' "$OUTPUT_DIR/wrong.stderr" ||
    { cat "$OUTPUT_DIR/wrong.stderr"; fail "no authentication error for a wrong secret key"; }

ansible-playbook verify.yml "${playbook_args[@]}"

# No listing, cache file or error output holds a secret: neither the API secret key, nor the
# session token, nor the refused secret.
[[ -s "$OUTPUT_DIR/secrets" ]] || fail "setup.yml wrote no secrets file"
outputs=("$OUTPUT_DIR"/*.json "$OUTPUT_DIR"/*.stderr "$OUTPUT_DIR"/inventory-cache/*)
count=0
while IFS= read -r secret; do
    [[ -n "$secret" ]] || continue
    count=$((count + 1))
    if grep -lF -- "$secret" "${outputs[@]}"; then
        fail "secret number $count appears in the files above"
    fi
done <"$OUTPUT_DIR/secrets"
((count == 4)) || fail "expected 4 secrets, got $count"
echo "runme.sh: ${#outputs[@]} listings, cache files and error outputs checked, none holds any of the $count secrets"
