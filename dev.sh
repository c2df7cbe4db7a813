#!/usr/bin/env bash
# ALO 153 developer entry point: `./dev.sh demo` runs the demo, `./dev.sh test` the whole
# test suite. Each first installs what it needs (idempotently): Debian packages, a
# virtualenv with the project, and — through `cti pbx up` — the Asterisk 22 sandbox root.
# Caches live outside the checkout (ALO153_CACHE, default /var/cache/alo153), so a second run,
# or a fresh clone on the same machine, starts in seconds.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${ALO153_CACHE:-/var/cache/alo153}
venv=$cache/venv
# Debian packages the demo and the tests use on the host (the tests start their own Redis and
# PostgreSQL servers on loopback, in temporary directories). Asterisk itself lives in a Debian
# sid root that `cti pbx up` builds with debootstrap (Debian 12 has no asterisk package). The
# browser tests drive Debian's chromium with Playwright (never a browser download); the fonts
# render Turkish text.
debs=(python3 python3-venv python3-dev debootstrap sip-tester ca-certificates procps redis-server postgresql
      chromium fonts-dejavu-core)

say() { printf 'dev.sh: %s\n' "$*" >&2; }

usage() {
    cat >&2 <<'USAGE'
usage: ./dev.sh demo [cti demo options]   boot the PBX, the CTI, operators and citizens
       ./dev.sh test [pytest options]     lint, type-check and run the whole test suite
       ./dev.sh cti ARGS...               any cti command inside the project's virtualenv
USAGE
    exit 2
}

require_root() {
    if [ "$(id -u)" != 0 ]; then
        say "run as root: the PBX sandbox needs debootstrap, chroot and mount"
        exit 1
    fi
}

install_debs() {
    local missing=() pkg
    for pkg in "${debs[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "installing Debian packages: ${missing[*]}"
    apt-get update -qq
    # Packages such as redis-server and postgresql start a system-wide server when installed;
    # the tests start their own, so a policy-rc.d keeps the packaged ones from starting.
    local policy=/usr/sbin/policy-rc.d own_policy=
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && own_policy=1
    fi
    local status=0
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
        >/dev/null || status=$?
    [ -z "$own_policy" ] || rm -f "$policy"
    [ "$status" -eq 0 ] || { say "apt-get install failed (exit $status)"; exit 1; }
}

pick_python() {
    local py
    for py in ${PYTHON:-} python3.13 python3.12 python3.11 python3; do
        if command -v "$py" >/dev/null && "$py" -c 'import sys, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            command -v "$py"
            return 0
        fi
    done
    say "Python 3.11 or newer is needed"
    exit 1
}

install_venv() {
    local python stamp
    python=$(pick_python)
    # Rebuild the dependencies when pyproject.toml or the interpreter changes; re-point the
    # editable install when this checkout is not the one the venv knows.
    stamp="$(sha256sum "$here/pyproject.toml" | cut -c1-16) $python $here"
    if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.alo153-stamp" 2>/dev/null)" = "$stamp" ]; then
        return 0
    fi
    mkdir -p "$cache"
    if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import sys' 2>/dev/null; then
        say "creating the virtualenv in $venv"
        rm -rf "$venv"
        "$python" -m venv "$venv"
    fi
    say "installing the project and its dependencies"
    local log=$cache/pip-install.log
    if ! { "$venv/bin/python" -m pip install -q --upgrade pip &&
           "$venv/bin/python" -m pip install -q -e "$here[dev]"; } >"$log" 2>&1; then
        tail -n 30 "$log" >&2
        say "pip install failed; the whole log is in $log"
        exit 1
    fi
    echo "$stamp" > "$venv/.alo153-stamp"
}

prepare() {
    require_root
    install_debs
    install_venv
    export PATH="$venv/bin:$PATH"
    # The sandbox's sid root lives in the same cache as the virtualenv.
    export CTI_STATE_DIR=${CTI_STATE_DIR:-$cache}
}

cmd=${1:-}
[ -n "$cmd" ] || usage
shift
case "$cmd" in
    demo)
        prepare
        exec cti demo "$@"
        ;;
    test)
        prepare
        cd "$here"
        say "ruff"
        ruff check .
        say "mypy"
        mypy
        say "pytest"
        exec python -m pytest "$@"
        ;;
    cti)
        prepare
        exec cti "$@"
        ;;
    *)
        usage
        ;;
esac
