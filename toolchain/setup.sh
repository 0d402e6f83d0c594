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

# make_venv DIR PIP_ARGS...: create DIR if needed and pip install into it, pinned by constraints.txt.
constraints="$PWD/constraints.txt"
make_venv() {
    local dir="$1"; shift
    [[ -x "$dir/bin/python" ]] || "$PYTHON" -m venv "$dir"
    "$dir/bin/python" -m pip install --quiet --disable-pip-version-check -c "$constraints" "$@"
}

if fresh .venv/.installed pyproject.toml sandbox/pyproject.toml constraints.txt; then
    say ".venv is up to date"
else
    say "installing the project, the GitLab sandbox and the test tools into .venv"
    make_venv .venv -e ".[test]" -e ./sandbox
    digest pyproject.toml sandbox/pyproject.toml constraints.txt > .venv/.installed
fi

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
