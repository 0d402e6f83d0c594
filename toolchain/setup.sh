#!/usr/bin/env bash
# `make setup`: everything the tests, the demo and the policy pack need, idempotent.
#   .venv/           the project (editable) with its test extras, pinned by constraints.txt,
#                    and the GitLab sandbox's own distribution (sandbox/, editable)
#   .venv/bin/pulumi the pinned Pulumi toolchain (toolchain/install-pulumi.sh)
#   .venv/bin/pulumi-language-yaml  the YAML language host (toolchain/install-pulumi-yaml.sh)
#   policies/venv/   the policy pack's own virtualenv (PulumiPolicy.yaml points at it)
#   PostgreSQL       server binaries for the engine tests' shared backend (toolchain/install-postgres.sh)
# Each part is skipped when its inputs have not changed since it was last made.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON="${PYTHON:-python3}"
say() { printf '[setup] %s\n' "$*" >&2; }

"$PYTHON" - <<'EOF' || { say "error: Python 3.10 or newer is required (found $("$PYTHON" --version 2>&1)); set PYTHON=/path/to/python3.x"; exit 1; }
import sys
sys.exit(0 if sys.version_info >= (3, 10) else 1)
EOF

# stamp FILE INPUTS...: true when FILE records the same digest of INPUTS as now.
digest() { cat "$@" | sha256sum | cut -d' ' -f1; }
fresh() { local stamp="$1"; shift; [[ -f "$stamp" && "$(cat "$stamp")" == "$(digest "$@")" ]]; }

# Both virtualenvs install from a wheelhouse in the cache: every distribution they need, at the
# versions constraints.txt pins, downloaded once per set of inputs and this Python. An install
# from it reads no index: pip spends most of an online install (20 of its 25 seconds) reading the
# index's pages, not installing.
constraints="$PWD/constraints.txt"
cache_root="${PULUMI_GITLAB_TOKENS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-gitlab-tokens}"
wheel_inputs=(pyproject.toml sandbox/pyproject.toml constraints.txt policies/requirements.txt)
# setuptools: what the two editable projects build with (pyproject.toml's build-system);
# pip: what the next virtualenvs get (new_venv); with wheel, what a program's virtualenv
# gets first when the language host makes it (the engine tests install there from here).
wheel_tools=("setuptools>=77" pip wheel)
wheels="$cache_root/wheels-$({ "$PYTHON" -VV; uname -m; cat "${wheel_inputs[@]}"; echo "${wheel_tools[*]}"; } \
    | sha256sum | cut -c1-16)"
pip_quietly() { "$1/bin/python" -m pip --disable-pip-version-check --quiet "${@:2}"; }

# fill_wheelhouse VENV: download the wheelhouse with VENV's pip unless it is there; a download
# goes to a directory of its own and is renamed into place whole, so a run stopped half-way
# or another setup at the same time leaves no half-filled wheelhouse behind.
fill_wheelhouse() {
    [[ -d "$wheels" ]] && return
    say "downloading the pinned distributions into the cache (once for these inputs): $wheels"
    mkdir -p "$cache_root"
    local partial
    partial="$(mktemp -d "$wheels.partial.XXXXXX")"
    pip_quietly "$1" download -d "$partial" -c "$constraints" \
        ".[test]" ./sandbox -r policies/requirements.txt "${wheel_tools[@]}"
    mv -T "$partial" "$wheels" 2>/dev/null || rm -rf "$partial"
}

# new_venv DIR: a virtualenv with pip. Once the wheelhouse is there, pip comes from it, run from
# its own wheel, as ensurepip does with the one it bundles (which also compiles every module of
# pip and setuptools: four of the five seconds `python -m venv` takes).
new_venv() {
    local pip_wheel=("$wheels"/pip-*.whl)
    if [[ -f "${pip_wheel[0]}" ]]; then
        "$PYTHON" -m venv --without-pip "$1"
        "$1/bin/python" "${pip_wheel[0]}/pip" --disable-pip-version-check --quiet \
            install --no-index --no-compile "${pip_wheel[0]}"
    else
        "$PYTHON" -m venv "$1"
    fi
}

# make_venv DIR REQUIREMENTS...: create DIR if needed and install into it from the wheelhouse.
# The installer is uv, one of the pinned test tools, put into .venv first: it installs all of
# .venv in about two seconds where pip took eleven, most of them building the two editable
# projects, each in an environment of its own. Like pip with --no-compile it writes no
# bytecode: the suite's processes compile what they import, once, into the caches they share
# (the Makefile lets them), instead of every module of every package.
make_venv() {
    local dir="$1"; shift
    [[ -x "$dir/bin/python" ]] || new_venv "$dir"
    fill_wheelhouse .venv
    [[ -x .venv/bin/uv ]] \
        || pip_quietly .venv install --no-index --find-links "$wheels" --no-compile -c "$constraints" uv
    .venv/bin/uv pip install --quiet --python "$dir/bin/python" --no-index --find-links "$wheels" \
        -c "$constraints" "$@"
}

if fresh .venv/.installed pyproject.toml sandbox/pyproject.toml constraints.txt; then
    say ".venv is up to date"
else
    say "installing the project, the GitLab sandbox and the test tools into .venv"
    make_venv .venv pip -e ".[test]" -e ./sandbox  # pip too: an older .venv gets the pinned one
    digest pyproject.toml sandbox/pyproject.toml constraints.txt > .venv/.installed
fi

# The tests that build and install wheels read the wheelhouse through this link (tests/support).
fill_wheelhouse .venv
ln -sfn "$wheels" .venv/wheelhouse

bash toolchain/install-pulumi.sh .venv
bash toolchain/install-pulumi-yaml.sh .venv
bash toolchain/install-postgres.sh

if fresh policies/venv/.installed constraints.txt policies/requirements.txt; then
    say "policies/venv is up to date"
else
    say "preparing the policy pack's virtualenv (policies/venv) from its own requirements.txt"
    # Made afresh: the pack must run with what its requirements.txt installs and nothing
    # left over from an older venv (which installed this project too).
    rm -rf policies/venv
    make_venv policies/venv -r policies/requirements.txt
    digest constraints.txt policies/requirements.txt > policies/venv/.installed
fi
say "done: run tests with 'make test', the demo with 'make demo'"
