#!/usr/bin/env bash
# Make one pinned Pulumi toolchain available in a virtualenv's bin directory:
#   pulumi                         the upstream CLI
#   pulumi-language-python         the Python language host, built from toolchain/languagehost (+ python_environment.py, its rules)
#   pulumi-language-python-exec    upstream script the host runs programs with
#   pulumi-resource-pulumi-python  upstream launcher of Python dynamic providers
#
# Usage: toolchain/install-pulumi.sh VENV_DIR
#
# Where the CLI comes from, in order:
#   1. a `pulumi` of the pinned version already on PATH (with its own language host);
#   2. the cache, ~/.cache/pulumi-gitlab-tokens/pulumi-<version>/ (or $PULUMI_GITLAB_TOKENS_CACHE);
#   3. a build from the upstream Go modules through the Go module proxy, cached for next time.
# Nothing upstream is stored in this repository.
set -euo pipefail

# The newest CLI whose Go module (github.com/pulumi/pulumi/pkg/v3) the module proxy serves.
PULUMI_CLI_VERSION="${PULUMI_CLI_VERSION:-3.276.0}"
# The CLI's go.mod replace directives; Go ignores replaces in dependencies, so the wrapper repeats them.
CLIPBOARD_REPLACE="github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e"
MIN_GO="1.26.6"

venv="${1:?usage: $0 VENV_DIR}"
venv="$(cd "$venv" && pwd)"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache_root="${PULUMI_GITLAB_TOKENS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-gitlab-tokens}"

say() { printf '[pulumi toolchain] %s\n' "$*" >&2; }
fail() { printf '[pulumi toolchain] error: %s\n' "$*" >&2; exit 1; }

# run PIECE COMMAND...: run a step, naming the piece and the command if it fails.
run() {
    local piece="$1"; shift
    if ! "$@"; then
        fail "could not obtain ${piece}: this command failed: $*"
    fi
}

python_sdk_version="$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("pulumi"))')" \
    || fail "the pulumi Python SDK is not installed in $venv (run make setup)"

cli_dir="$cache_root/pulumi-$PULUMI_CLI_VERSION"
scripts_dir="$cache_root/python-sdk-$python_sdk_version"

# Its own PULUMI_HOME: even `pulumi version` writes a log under it, and the user's stays untouched.
version_of() { PULUMI_HOME="$cache_root/home" PULUMI_SKIP_UPDATE_CHECK=true "$1" version 2>/dev/null | sed 's/^v//'; }

# 1. A matching pulumi already installed (not our own link) brings its own language host.
ambient="$(PATH="$(printf '%s' "$PATH" | tr ':' '\n' | grep -vx "$venv/bin" | paste -sd:)" command -v pulumi || true)"
if [[ -n "$ambient" && "$(version_of "$ambient")" == "$PULUMI_CLI_VERSION" ]]; then
    say "using the pulumi $PULUMI_CLI_VERSION already installed at $ambient"
    ambient_dir="$(dirname "$(readlink -f "$ambient")")"
    for tool in pulumi pulumi-language-python pulumi-language-python-exec pulumi-resource-pulumi-python; do
        [[ -e "$ambient_dir/$tool" ]] && ln -sf "$ambient_dir/$tool" "$venv/bin/$tool"
    done
    exit 0
fi

# 2./3. The CLI, from the cache or built from the Go modules.
if [[ -x "$cli_dir/bin/pulumi" && "$(version_of "$cli_dir/bin/pulumi")" == "$PULUMI_CLI_VERSION" ]]; then
    say "pulumi $PULUMI_CLI_VERSION: cached in $cli_dir"
else
    command -v go >/dev/null || fail "pulumi $PULUMI_CLI_VERSION is not installed and Go is not on PATH; install Go $MIN_GO or newer (it builds the CLI from its Go modules) or the Pulumi CLI $PULUMI_CLI_VERSION"
    go_version="$(go env GOVERSION | sed 's/^go//')"
    if [[ "$(printf '%s\n%s\n' "$MIN_GO" "$go_version" | sort -V | head -1)" != "$MIN_GO" ]]; then
        fail "Go $go_version is too old to build pulumi $PULUMI_CLI_VERSION; it needs Go $MIN_GO or newer"
    fi
    say "building pulumi $PULUMI_CLI_VERSION from its Go modules (first time only; a few minutes)"
    build="$cli_dir.build"
    rm -rf "$build"; mkdir -p "$build/src"
    cat > "$build/src/go.mod" <<EOF
module pulumi-gitlab-tokens/pulumi-cli-build

go $MIN_GO

require (
	github.com/pulumi/pulumi/pkg/v3 v$PULUMI_CLI_VERSION
	github.com/pulumi/pulumi/sdk/v3 v$PULUMI_CLI_VERSION
)

replace github.com/atotto/clipboard => $CLIPBOARD_REPLACE
EOF
    export GOFLAGS=-mod=mod
    say "step 1/2: downloading the Go modules"
    (cd "$build/src" && run "the pulumi CLI's Go modules (github.com/pulumi/pulumi/pkg/v3@v$PULUMI_CLI_VERSION)" \
        go mod download github.com/pulumi/pulumi/pkg/v3 github.com/pulumi/pulumi/sdk/v3)
    say "step 2/2: compiling the CLI (progress every 100 packages)"
    # -v lists each package as it is compiled: the only progress signal go build gives.
    set +e
    (cd "$build/src" && go build -v -trimpath -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_CLI_VERSION" \
        -o "$build/bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi 2>&1) \
        | tee "$build/build.log" | awk '/^[^ \t]+$/ { n++; if (n % 100 == 0) { printf "[pulumi toolchain]   %d packages compiled\n", n > "/dev/stderr" } }'
    status="${PIPESTATUS[0]}"
    set -e
    if [[ "$status" != 0 ]]; then
        tail -20 "$build/build.log" >&2
        fail "could not obtain the pulumi CLI: this command failed: go build github.com/pulumi/pulumi/pkg/v3/cmd/pulumi (log: $build/build.log)"
    fi
    rm -rf "$cli_dir"; mv "$build" "$cli_dir"
    say "built v$(version_of "$cli_dir/bin/pulumi")"
fi

# The two upstream scripts ship in the Go SDK module of the same version as the Python SDK.
if [[ ! -x "$scripts_dir/pulumi-language-python-exec" || ! -x "$scripts_dir/pulumi-resource-pulumi-python" ]]; then
    say "fetching the Python SDK $python_sdk_version scripts from github.com/pulumi/pulumi/sdk/v3"
    mod_dir="$(cd "$here" && GOFLAGS=-mod=mod run "github.com/pulumi/pulumi/sdk/v3@v$python_sdk_version" \
        go mod download -json "github.com/pulumi/pulumi/sdk/v3@v$python_sdk_version" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')"
    [[ -d "$mod_dir" ]] || fail "could not obtain github.com/pulumi/pulumi/sdk/v3@v$python_sdk_version: go mod download returned no directory"
    mkdir -p "$scripts_dir"
    install -m 0755 "$mod_dir/python/cmd/pulumi-language-python-exec" "$scripts_dir/"
    install -m 0755 "$mod_dir/python/dist/pulumi-resource-pulumi-python" "$scripts_dir/"
fi

# A hard link (or copy), not a symlink: the CLI looks for its bundled plugins beside its own resolved
# path, and finding them there rather than only on PATH keeps it from warning on every command.
ln -f "$cli_dir/bin/pulumi" "$venv/bin/pulumi" 2>/dev/null || cp -f "$cli_dir/bin/pulumi" "$venv/bin/pulumi"
install -m 0755 "$scripts_dir/pulumi-language-python-exec" "$venv/bin/"
install -m 0755 "$scripts_dir/pulumi-resource-pulumi-python" "$venv/bin/"
# Our language host, a Go program built once per version of its sources (and the CLI's version it
# reports), runs its rules for the program's Python environment, python_environment.py, on the
# virtualenv's python beside it.
host_sources=("$here/languagehost/go.mod" "$here/languagehost/go.sum" "$here"/languagehost/*.go)
host_digest="$( { cat "${host_sources[@]}"; echo "$PULUMI_CLI_VERSION"; } | sha256sum | cut -c1-16)"
host_dir="$cache_root/language-host-$host_digest"
if [[ ! -x "$host_dir/pulumi-language-python" ]]; then
    command -v go >/dev/null || fail "building the Python language host needs Go $MIN_GO or newer on PATH"
    say "building the Python language host (toolchain/languagehost)"
    rm -rf "$host_dir.build"; mkdir -p "$host_dir.build"
    (cd "$here/languagehost" && run "the Python language host's Go modules and build (toolchain/languagehost)" \
        go build -trimpath -ldflags "-s -w -X main.version=$PULUMI_CLI_VERSION" -o "$host_dir.build/pulumi-language-python" .)
    rm -rf "$host_dir"; mv "$host_dir.build" "$host_dir"
fi
install -m 0755 "$host_dir/pulumi-language-python" "$venv/bin/pulumi-language-python"
install -m 0644 "$here/python_environment.py" "$venv/bin/python_environment.py"
say "ready: v$(version_of "$venv/bin/pulumi") with the Python $python_sdk_version language tools in $venv/bin"
