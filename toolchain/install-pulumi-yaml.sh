#!/usr/bin/env bash
# Make the YAML language host, pulumi-language-yaml, available in a virtualenv's bin directory,
# beside the CLI (toolchain/install-pulumi.sh): YAML programs use the native provider through its schema.
#
# Usage: toolchain/install-pulumi-yaml.sh VENV_DIR
#
# Where it comes from, in order:
#   1. a pulumi-language-yaml already on PATH (an official CLI install ships one);
#   2. the cache, ~/.cache/pulumi-gitlab-tokens/pulumi-language-yaml-<version>/ (or $PULUMI_GITLAB_TOKENS_CACHE);
#   3. a build from the Go module github.com/pulumi/pulumi-yaml through the Go module proxy, cached for next time.
set -euo pipefail

PULUMI_YAML_VERSION="${PULUMI_YAML_VERSION:-1.25.0}"
MODULE="github.com/pulumi/pulumi-yaml"

venv="${1:?usage: $0 VENV_DIR}"
venv="$(cd "$venv" && pwd)"
cache_root="${PULUMI_GITLAB_TOKENS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-gitlab-tokens}"
host_dir="$cache_root/pulumi-language-yaml-$PULUMI_YAML_VERSION"

say() { printf '[pulumi yaml] %s\n' "$*" >&2; }
fail() { printf '[pulumi yaml] error: %s\n' "$*" >&2; exit 1; }

ambient="$(PATH="$(printf '%s' "$PATH" | tr ':' '\n' | grep -vx "$venv/bin" | paste -sd:)" command -v pulumi-language-yaml || true)"
if [[ -n "$ambient" ]]; then
    say "using the pulumi-language-yaml already installed at $ambient"
    ln -sf "$ambient" "$venv/bin/pulumi-language-yaml"
    exit 0
fi

if [[ -x "$host_dir/bin/pulumi-language-yaml" ]]; then
    say "pulumi-language-yaml $PULUMI_YAML_VERSION: cached in $host_dir"
else
    command -v go >/dev/null || fail "pulumi-language-yaml is not installed and Go is not on PATH; install Go (it builds the YAML host from $MODULE) or an official Pulumi CLI, which ships it"
    say "building pulumi-language-yaml $PULUMI_YAML_VERSION from $MODULE (first time only; a few minutes)"
    build="$host_dir.build"
    rm -rf "$build"; mkdir -p "$build/bin"
    if ! GOBIN="$build/bin" GOFLAGS=-mod=mod go install -trimpath \
            -ldflags "-s -w -X $MODULE/pkg/version.Version=v$PULUMI_YAML_VERSION" \
            "$MODULE/cmd/pulumi-language-yaml@v$PULUMI_YAML_VERSION" > "$build/build.log" 2>&1; then
        tail -20 "$build/build.log" >&2
        fail "could not obtain pulumi-language-yaml: this command failed: go install $MODULE/cmd/pulumi-language-yaml@v$PULUMI_YAML_VERSION (log: $build/build.log)"
    fi
    rm -rf "$host_dir"; mv "$build" "$host_dir"
    say "built pulumi-language-yaml $PULUMI_YAML_VERSION"
fi
install -m 0755 "$host_dir/bin/pulumi-language-yaml" "$venv/bin/pulumi-language-yaml"
say "ready: pulumi-language-yaml $PULUMI_YAML_VERSION in $venv/bin"
