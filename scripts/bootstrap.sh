#!/usr/bin/env bash
# What `make demo`, `make test` and .ci/run need on a fresh machine: check each
# tool, install what is missing with the machine's own package tools (apt-get
# for PostgreSQL 15, Node/npm, openssl; pip for moto and cargo-lambda; rustup
# for rustfmt/clippy), and say in one line per tool what was found or
# installed. When everything is there it prints one summary line (nothing with
# -q). When a tool cannot be installed here (not root and no sudo, no apt-get,
# no rustup) it names the tool and the command to run, and exits 1.
#
#   scripts/bootstrap.sh [demo|test] [--skip-terraform] [-q]
#
#   demo              what the demo needs (the default is test: demo + rustfmt,
#                     clippy and terraform)
#   --skip-terraform  do not require terraform (make test SKIP_TERRAFORM=1)
#
# Idempotent: a second run finds everything and installs nothing.
set -uo pipefail

PURPOSE=test
QUIET=0
SKIP_TERRAFORM=0
for arg in "$@"; do
    case "$arg" in
        demo|test) PURPOSE="$arg" ;;
        --skip-terraform) SKIP_TERRAFORM=1 ;;
        -q|--quiet) QUIET=1 ;;
        *) echo "usage: $0 [demo|test] [--skip-terraform] [-q]" >&2; exit 2 ;;
    esac
done

PG_MAJOR=15
MOTO_VERSION="${MOTO_VERSION:-5.2.1}"
CARGO_LAMBDA_VERSION="${CARGO_LAMBDA_VERSION:-1.9.2}"
PYTHON="${PYTHON:-python3}"
NODE_MIN=20
# pip as root warns on every install; the warning is not ours to act on.
export PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1

say() { echo "bootstrap: $*"; }
# One aligned line per tool: "bootstrap: <tool>  <what>".
tool_line() { printf 'bootstrap: %-16s %s\n' "$1" "$2"; }

# ------------------------------------------------------------ privileges

IS_ROOT=0
[ "$(id -u)" = 0 ] && IS_ROOT=1
SUDO=""
[ "$IS_ROOT" = 1 ] || SUDO="sudo "

# Why apt-get cannot be used here, or nothing when it can.
apt_blocker() {
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "no apt-get on this machine"
    elif [ "$IS_ROOT" = 0 ] && ! { command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; }; then
        echo "not root and no password-less sudo"
    fi
}

as_root() {
    if [ "$IS_ROOT" = 1 ]; then "$@"; else sudo -n "$@"; fi
}

APT_UPDATED=0
apt_install() {
    [ -z "$(apt_blocker)" ] || return 1
    if [ "$APT_UPDATED" = 0 ]; then
        as_root apt-get update -qq >/dev/null || return 1
        APT_UPDATED=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# --------------------------------------------------------------- the tools
# Each tool has have_<tool> (exit 0 and print what was found, or exit 1),
# install_<tool> (exit 0 when it installed), and how_<tool> (the command a
# person runs when this script cannot install it).

# The PostgreSQL bin directory: the scripts look here when the tools are not
# on PATH (the Makefile and with-services.sh add it to PATH).
pg_bin_dir() {
    local d
    if [ -d "/usr/lib/postgresql/$PG_MAJOR/bin" ]; then echo "/usr/lib/postgresql/$PG_MAJOR/bin"; return; fi
    d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
    [ -n "$d" ] && echo "$d"
}

PG_TOOLS=(initdb pg_ctl postgres psql pgbench pg_dump)
have_postgresql() {
    local dir tool missing=()
    dir="$(pg_bin_dir)"
    for tool in "${PG_TOOLS[@]}"; do
        [ -n "$dir" ] && [ -x "$dir/$tool" ] && continue
        command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
    done
    [ "${#missing[@]}" = 0 ] || return 1
    local postgres_bin="$dir/postgres"
    [ -x "$postgres_bin" ] || postgres_bin="$(command -v postgres)"
    echo "PostgreSQL $("$postgres_bin" --version | awk '{print $3}') (${dir:-on PATH})"
}
install_postgresql() { apt_install "postgresql-$PG_MAJOR" "postgresql-client-$PG_MAJOR"; }
how_postgresql() { echo "${SUDO}apt-get install -y postgresql-$PG_MAJOR postgresql-client-$PG_MAJOR"; }

# The server refuses to run as root: as root the scripts drop to this user.
have_postgres_user() { id postgres >/dev/null 2>&1 && echo "system user postgres (uid $(id -u postgres))"; }
install_postgres_user() { useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres; }
how_postgres_user() { echo "useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres"; }

have_openssl() { command -v openssl >/dev/null 2>&1 && openssl version | cut -d' ' -f1-2; }
install_openssl() { apt_install openssl; }
how_openssl() { echo "${SUDO}apt-get install -y openssl"; }

have_python() {
    command -v "$PYTHON" >/dev/null 2>&1 && "$PYTHON" -m pip --version >/dev/null 2>&1 || return 1
    echo "$("$PYTHON" --version 2>&1) with pip ($(command -v "$PYTHON"))"
}
install_python() {
    if command -v "$PYTHON" >/dev/null 2>&1 && "$PYTHON" -m ensurepip --upgrade >/dev/null 2>&1; then return 0; fi
    apt_install python3 python3-pip python3-venv
}
how_python() { echo "${SUDO}apt-get install -y python3 python3-pip python3-venv"; }

# Debian's own python3 refuses pip installs (PEP 668): a virtualenv is the way.
venv_hint() {
    "$PYTHON" -c 'import os, sys, sysconfig; sys.exit(0 if sys.prefix == sys.base_prefix and os.path.exists(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED")) else 1)' 2>/dev/null \
        && echo " (this python3 is externally managed: first python3 -m venv ~/.venvs/dmsflow && . ~/.venvs/dmsflow/bin/activate)"
}

# moto's server needs its [server] extras (flask); the demo's helpers use boto3.
have_moto() {
    "$PYTHON" -c 'import moto, moto.server, flask, boto3; print("moto", moto.__version__)' 2>/dev/null
}
install_moto() { "$PYTHON" -m pip install -q "moto[server]==$MOTO_VERSION"; }
how_moto() { echo "$PYTHON -m pip install 'moto[server]==$MOTO_VERSION'$(venv_hint)"; }

# `cargo lambda -V` (the subcommand rejects --version).
have_cargo_lambda() { command -v cargo-lambda >/dev/null 2>&1 && cargo-lambda lambda -V 2>/dev/null | head -1; }
install_cargo_lambda() {
    "$PYTHON" -m pip install -q "cargo-lambda==$CARGO_LAMBDA_VERSION" || return 1
    command -v cargo-lambda >/dev/null 2>&1 && return 0
    # pyenv finds new console scripts only after a rehash.
    command -v pyenv >/dev/null 2>&1 && pyenv rehash
    command -v cargo-lambda >/dev/null 2>&1 && return 0
    local scripts
    scripts="$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_path("scripts"))')"
    say "cargo-lambda was installed into $scripts, which is not on PATH: add it (export PATH=\"\$PATH:$scripts\")" >&2
    return 1
}
how_cargo_lambda() { echo "$PYTHON -m pip install 'cargo-lambda==$CARGO_LAMBDA_VERSION'$(venv_hint)"; }

# aws-local-stepfunctions wants Node >= 22; 20 works with the repository's polyfill.
node_major() { node -e 'console.log(process.versions.node.split(".")[0])' 2>/dev/null; }
have_node() {
    command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || return 1
    local major
    major="$(node_major)"
    [ -n "$major" ] && [ "$major" -ge "$NODE_MIN" ] || return 1
    echo "node $(node --version), npm $(npm --version 2>/dev/null)"
}
install_node() {
    if command -v node >/dev/null 2>&1 && [ "$(node_major)" -ge "$NODE_MIN" ] 2>/dev/null; then
        apt_install npm
    else
        apt_install nodejs npm
    fi || return 1
    local major
    major="$(node_major)"
    if [ -z "$major" ] || [ "$major" -lt "$NODE_MIN" ]; then
        say "apt-get installed node $(node --version 2>/dev/null), older than $NODE_MIN" >&2
        return 1
    fi
}
how_node() {
    local found=""
    command -v node >/dev/null 2>&1 && found=" (found $(node --version))"
    echo "${SUDO}apt-get install -y nodejs npm (Node.js >= $NODE_MIN needed$found; where the distribution's nodejs is older, e.g. Debian 12's 18, take Node.js $NODE_MIN+ from the Node.js project's releases)"
}

have_rust_components() {
    cargo fmt --version >/dev/null 2>&1 && cargo clippy --version >/dev/null 2>&1 || return 1
    echo "$(cargo fmt --version | cut -d' ' -f1-2), $(cargo clippy --version | cut -d' ' -f1-2)"
}
install_rust_components() { command -v rustup >/dev/null 2>&1 && rustup component add rustfmt clippy >/dev/null 2>&1; }
how_rust_components() { echo "rustup component add rustfmt clippy"; }

# Terraform is in none of the package registries this machine reaches: it can
# only be reported. CHECKPOINT_DISABLE: no update check over the network.
have_terraform() {
    command -v terraform >/dev/null 2>&1 || return 1
    local version mirror="${TF_PLUGIN_MIRROR-/opt/tf-plugins}"
    version="$(CHECKPOINT_DISABLE=1 terraform version 2>/dev/null | head -1)"
    if [ -n "$mirror" ] && [ -d "$mirror" ]; then
        echo "$version, provider mirror $mirror"
    else
        echo "$version, no provider mirror (terraform init downloads hashicorp/aws)"
    fi
}
install_terraform() { return 1; }
how_terraform() {
    echo "put HashiCorp's Terraform >= 1.11 release on PATH (it is not in Debian's packages or PyPI) and, offline, a hashicorp/aws provider mirror (TF_PLUGIN_MIRROR=DIR, default /opt/tf-plugins); or skip the Terraform checks: make test SKIP_TERRAFORM=1"
}

# ------------------------------------------------------------------ run

TOOLS=(postgresql)
[ "$IS_ROOT" = 1 ] && TOOLS+=(postgres_user)
TOOLS+=(openssl python moto cargo_lambda node)
if [ "$PURPOSE" = test ]; then
    TOOLS+=(rust_components)
    [ "$SKIP_TERRAFORM" = 1 ] || TOOLS+=(terraform)
fi

# First only look: when everything is there, one line and done.
declare -A FOUND=()
MISSING=()
for tool in "${TOOLS[@]}"; do
    if what="$("have_$tool")"; then FOUND[$tool]="$what"; else MISSING+=("$tool"); fi
done
name_of() { echo "${1//_/-}"; }
if [ "${#MISSING[@]}" = 0 ]; then
    [ "$QUIET" = 1 ] || say "all ${#TOOLS[@]} prerequisites for make $PURPOSE present (${FOUND[postgresql]%% (*}, ${FOUND[moto]}, ${FOUND[node]%%,*})"
    exit 0
fi

# Something is missing: one line per tool, installing in order (the moto and
# cargo-lambda installs need python; the postgres user may come with PostgreSQL).
FAILED=()
for tool in "${TOOLS[@]}"; do
    name="$(name_of "$tool")"
    if what="$("have_$tool")"; then
        tool_line "$name" "found $what"
        continue
    fi
    # What stops this script installing it, known before trying.
    blocker=""
    case "$tool" in
        postgresql|openssl|node) blocker="$(apt_blocker)" ;;
        rust_components) command -v rustup >/dev/null 2>&1 || blocker="no rustup" ;;
        terraform) blocker="not in the package registries this machine reaches" ;;
    esac
    if [ -z "$blocker" ]; then
        tool_line "$name" "missing: installing …"
        if "install_$tool" && what="$("have_$tool")"; then
            tool_line "$name" "installed $what"
            continue
        fi
    fi
    tool_line "$name" "MISSING${blocker:+ ($blocker)}; to install: $("how_$tool")"
    FAILED+=("$name")
done
if [ "${#FAILED[@]}" -gt 0 ]; then
    say "missing for make $PURPOSE: ${FAILED[*]} (the commands above install them)" >&2
    exit 1
fi
say "make $PURPOSE prerequisites ready"
