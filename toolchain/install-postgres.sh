#!/usr/bin/env bash
# PostgreSQL server binaries for the engine tests' shared state backend (a DIY `postgres://` backend).
# The tests start their own server in a temporary directory; this only makes sure initdb and pg_ctl exist.
# Idempotent: nothing happens when they are already installed.
set -euo pipefail
say() { printf '[setup] %s\n' "$*" >&2; }

have_postgres() {
    compgen -G "/usr/lib/postgresql/*/bin/initdb" > /dev/null || command -v initdb > /dev/null
}

if have_postgres; then
    say "PostgreSQL server binaries are installed"
    exit 0
fi
if ! command -v apt-get > /dev/null; then
    say "error: PostgreSQL's initdb and pg_ctl are missing and this is not a Debian-like system; install the"
    say "PostgreSQL server package (version 13 or newer) with your package manager, then run 'make setup' again"
    exit 1
fi
sudo=""
if [[ "$(id -u)" != 0 ]]; then
    command -v sudo > /dev/null || { say "error: installing PostgreSQL needs root (or sudo)"; exit 1; }
    sudo="sudo"
fi
say "installing PostgreSQL from the distribution's packages (for the engine tests' state backend)"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends postgresql > /dev/null
have_postgres || { say "error: the postgresql package installed no initdb"; exit 1; }
