#!/usr/bin/env bash
# Provision a Debian/Ubuntu machine for what the tests drive from outside Node (the jest
# 'smoke' tier, and the Python OAuth 2 client of the integration tier; unit and contract
# tests need none of this):
#   - PostgreSQL server binaries (postgresql: initdb, pg_ctl) for the integration tier's
#     throwaway clusters (no server is left running)
#   - Python 3 with Authlib and requests (python3-authlib, python3-requests): a real OAuth 2
#     client, whose automatic refresh of an expired token the integration tier exercises
#   - for the bench (`npm run bench`; CI runs its quick form): the original FastAPI service's
#     stack for /usr/bin/python3 (python3-fastapi, python3-uvicorn, python3-jose,
#     python3-multipart), so its baseline runs instead of being skipped, and HAProxy, the
#     load balancer of bench/replicas.mjs
#   - Docker engine (docker.io) and a running dockerd
#   - a compose tool (`docker compose` v2 if present, else Debian's docker-compose v1.29)
#   - Debian's chromium at /usr/bin/chromium (for the playwright-core browser test)
#   - the base image node:20-bookworm-slim: pulled if a registry is reachable,
#     otherwise a faithful local stand-in built with debootstrap + this host's node/npm
#   - the database image postgres:15-bookworm (docker-compose.yml's `db` service): pulled if
#     a registry is reachable, otherwise a local stand-in built from
#     scripts/postgres-standin/Dockerfile (Debian bookworm's postgresql-15) on a
#     debian:bookworm-slim base, itself pulled or made with debootstrap like the node base
#   - proxy settings for docker builds/containers, if this host uses an explicit proxy
#
# Usage:
#   bash scripts/provision.sh           provision whatever is missing (as root)
#   bash scripts/provision.sh --check   only report, one line per item; changes nothing,
#                                       needs no root; exit 0 if all present, 1 if not
#
# Idempotent: every step is skipped when its result is already present.
# Progress goes to stderr. No host names are printed or stored here: the Debian
# mirror and any proxy are read from this machine's configuration at run time.
#
# Before changing anything it checks that it can do the job, and otherwise stops at
# once (exit 3) with a message naming what is missing and how to get it:
#   - something is missing and this is not root: re-runs itself via passwordless sudo
#     (`sudo -n`), else stops ("run `sudo bash scripts/provision.sh`");
#   - a package is needed but there is no apt-get (not Debian/Ubuntu): stops, listing
#     what to install by hand;
#   - a package is needed but `apt-get update` cannot reach the package mirror
#     (bounded by APT_UPDATE_TIMEOUT): stops.
# Exit status: 0 done (or, with --check, all present), 1 provisioning failed (or, with
# --check, something is missing), 3 cannot provision on this machine as things are.
#
# Environment knobs:
#   BASE_IMAGE          (default node:20-bookworm-slim)
#   PG_IMAGE            the database image (default postgres:15-bookworm)
#   PG_BASE_IMAGE       base of the database stand-in (default debian:bookworm-slim; a stand-in
#                       of it is debootstrap'd from Debian bookworm when it cannot be pulled)
#   PULL_TIMEOUT        seconds to try `docker pull` before building the stand-in (default 25)
#   DOCKERD_TIMEOUT     seconds to wait for dockerd (default 60)
#   APT_UPDATE_TIMEOUT  seconds `apt-get update` may take before the mirror counts as
#                       unreachable (default 60; apt's own per-connection timeout is set to 15)
#   CHROMIUM_PATH       the browser the check looks for (default /usr/bin/chromium, the
#                       path the browser test uses; change it only to test this script)
#   SKIP_CHROMIUM=1     do not install chromium
#   OAUTH_PYTHON        the Python the OAuth client test runs (default /usr/bin/python3, the
#                       one Debian's python3-authlib installs into)
#   FORCE_STANDIN=1     rebuild the stand-ins (node base, database image and its Debian base)
#                       even if the images exist, without trying to pull
set -euo pipefail

SCRIPT="$(readlink -f "${BASH_SOURCE[0]}")"
BASE_IMAGE="${BASE_IMAGE:-node:20-bookworm-slim}"
PG_IMAGE="${PG_IMAGE:-postgres:15-bookworm}"
PG_BASE_IMAGE="${PG_BASE_IMAGE:-debian:bookworm-slim}"
# The Debian suite of the database stand-in: what its name promises, whatever this host runs.
PG_SUITE=bookworm
PG_STANDIN_DIR="$(dirname "$SCRIPT")/postgres-standin"
PULL_TIMEOUT="${PULL_TIMEOUT:-25}"
DOCKERD_TIMEOUT="${DOCKERD_TIMEOUT:-60}"
DOCKERD_LOG="${DOCKERD_LOG:-/tmp/dockerd.log}"
DEBOOTSTRAP_LOG="${DEBOOTSTRAP_LOG:-/tmp/provision-debootstrap.log}"
PG_BUILD_LOG="${PG_BUILD_LOG:-/tmp/provision-postgres-build.log}"
APT_UPDATE_TIMEOUT="${APT_UPDATE_TIMEOUT:-60}"
CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
# Debian's python3-* packages serve the system Python, not a pyenv/venv python3 on PATH.
OAUTH_PYTHON="${OAUTH_PYTHON:-/usr/bin/python3}"
# The original FastAPI service's stack, for the bench's baseline (same Python as above).
FASTAPI_PKGS=(python3-fastapi python3-uvicorn python3-jose python3-multipart)
FASTAPI_IMPORTS='import fastapi, uvicorn, jose, multipart'

log() { printf '[provision] %s\n' "$*" >&2; }
die() { printf '[provision] ERROR: %s\n' "$*" >&2; exit 1; }

MODE=provision
case "${1:-}" in
  "") ;;
  --check) MODE=check ;;
  -h|--help) sed -n '2,/^set -euo/p' "$SCRIPT" | sed '$d; s/^# \{0,1\}//' >&2; exit 0 ;;
  *) die "unknown argument '$1' (usage: provision.sh [--check])" ;;
esac

export DEBIAN_FRONTEND=noninteractive

# --------------------------------------------------------------------------
# Preflight: what the smoke tier needs, what of it is missing, and which Debian
# packages would provide it. Needs no root and changes nothing.
# --------------------------------------------------------------------------
MISSING=()    # what is missing, in words
NEED_PKGS=()  # Debian packages that provide it
ENGINE_UP=0
ENGINE_NO_PERM=0
report() { printf '[preflight] %-38s %s\n' "$1:" "$2" >&2; }
docker_answers() { command -v docker >/dev/null 2>&1 && timeout 20 docker info >/dev/null 2>&1; }

# The integration tier starts throwaway PostgreSQL clusters (scripts/throwaway-postgres.js):
# it needs the server binaries, on PATH or in Debian's versioned folder; never a running server.
pg_server_bin() {
  local found
  found="$(command -v "$1" 2>/dev/null || true)"
  if [ -z "$found" ]; then
    # The highest version: sort -V orders 9.6 before 15, which the glob's own order does not.
    found="$(printf '%s\n' /usr/lib/postgresql/*/bin/"$1" | sort -V | tail -1)"
    [ -x "$found" ] || found=""
  fi
  printf '%s' "$found"
}
pg_server_present() { [ -n "$(pg_server_bin initdb)" ] && [ -n "$(pg_server_bin pg_ctl)" ]; }

preflight() {
  local quiet="${1:-}" v why
  MISSING=(); NEED_PKGS=(); ENGINE_UP=0; ENGINE_NO_PERM=0
  say() { [ -n "$quiet" ] || report "$@"; }

  if docker_answers; then
    ENGINE_UP=1
    v="$(timeout 20 docker version --format '{{.Server.Version}}' 2>/dev/null || true)"
    say "Docker engine (docker info)" "present (server ${v:-?})"
  else
    if ! command -v docker >/dev/null 2>&1 || ! command -v dockerd >/dev/null 2>&1; then
      why="not installed (no $(command -v docker >/dev/null 2>&1 && echo dockerd || echo 'docker client'))"
      NEED_PKGS+=(docker.io)
    elif [ -z "${DOCKER_HOST:-}" ] && [ -S /var/run/docker.sock ] && [ ! -w /var/run/docker.sock ]; then
      why="no permission on /var/run/docker.sock (add this user to the 'docker' group, or run as root)"
      ENGINE_NO_PERM=1
    else
      why="installed, but dockerd is not running (or does not answer)"
    fi
    MISSING+=("Docker engine")
    say "Docker engine (docker info)" "MISSING: $why"
  fi

  if command -v docker >/dev/null 2>&1 && timeout 20 docker compose version >/dev/null 2>&1; then
    say "compose tool" "present (docker compose $(timeout 20 docker compose version --short 2>/dev/null || true))"
  elif command -v docker-compose >/dev/null 2>&1; then
    say "compose tool" "present (docker-compose $(timeout 20 docker-compose version --short 2>/dev/null || true))"
  else
    MISSING+=("compose tool")
    NEED_PKGS+=(docker-compose)
    say "compose tool" "MISSING: neither \`docker compose\` nor \`docker-compose\`"
  fi

  if [ -x "$CHROMIUM_PATH" ]; then
    say "Chromium ($CHROMIUM_PATH)" "present"
  else
    MISSING+=("Chromium at $CHROMIUM_PATH")
    [ "${SKIP_CHROMIUM:-0}" = 1 ] || NEED_PKGS+=(chromium)
    say "Chromium ($CHROMIUM_PATH)" "MISSING: no executable there"
  fi

  if "$OAUTH_PYTHON" -c 'import authlib.integrations.requests_client' >/dev/null 2>&1; then
    say "Python Authlib (OAuth 2 client)" "present"
  else
    MISSING+=("Python Authlib")
    NEED_PKGS+=(python3-authlib python3-requests)
    say "Python Authlib (OAuth 2 client)" "MISSING: $OAUTH_PYTHON cannot import authlib"
  fi

  if "$OAUTH_PYTHON" -c "$FASTAPI_IMPORTS" >/dev/null 2>&1; then
    say "Python FastAPI stack (bench baseline)" "present"
  else
    MISSING+=("Python FastAPI stack")
    NEED_PKGS+=("${FASTAPI_PKGS[@]}")
    say "Python FastAPI stack (bench baseline)" "MISSING: $OAUTH_PYTHON cannot import fastapi, uvicorn, jose, multipart"
  fi

  if command -v haproxy >/dev/null 2>&1; then
    say "HAProxy (bench/replicas.mjs)" "present"
  else
    MISSING+=("HAProxy")
    NEED_PKGS+=(haproxy)
    say "HAProxy (bench/replicas.mjs)" "MISSING: no haproxy on PATH"
  fi

  if pg_server_present; then
    say "PostgreSQL server (initdb)" "present ($(pg_server_bin initdb))"
  else
    MISSING+=("PostgreSQL server")
    NEED_PKGS+=(postgresql)
    say "PostgreSQL server (initdb)" "MISSING: no initdb on PATH or in /usr/lib/postgresql/*/bin"
  fi

  if [ "$ENGINE_UP" -eq 1 ] && docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
    say "base image $BASE_IMAGE" "present"
  else
    MISSING+=("base image $BASE_IMAGE")
    if [ "$ENGINE_UP" -eq 1 ]; then why="not in the local image store"; else why="cannot tell without a Docker engine"; fi
    say "base image $BASE_IMAGE" "MISSING: $why"
  fi

  if [ "$ENGINE_UP" -eq 1 ] && docker image inspect "$PG_IMAGE" >/dev/null 2>&1; then
    if [ -n "$(docker image inspect -f '{{ index .Config.Labels "jwt-auth-service.standin" }}' "$PG_IMAGE" 2>/dev/null)" ]; then
      say "database image $PG_IMAGE" "present (local stand-in)"
    else
      say "database image $PG_IMAGE" "present"
    fi
  else
    MISSING+=("database image $PG_IMAGE")
    if [ "$ENGINE_UP" -eq 1 ]; then why="not in the local image store"; else why="cannot tell without a Docker engine"; fi
    say "database image $PG_IMAGE" "MISSING: $why"
  fi
  unset -f say
}

join() { local IFS=','; printf '%s' "$*" | sed 's/,/, /g'; }

# Stop before changing anything: $1 = why, then lines saying how to get what is missing.
cannot_provision() {
  local why="$1"; shift
  {
    printf '[provision] CANNOT PROVISION: %s\n' "$why"
    printf '[provision]   missing: %s\n' "$(join "${MISSING[@]}")"
    local arg line
    for arg in "$@"; do
      while IFS= read -r line; do printf '[provision]   %s\n' "$line"; done <<<"$arg"
    done
  } >&2
  exit 3
}

# What to install by hand on a machine this script cannot provision (only what is missing).
manual_steps() {
  local m
  for m in "${MISSING[@]}"; do
    case "$m" in
      "Docker engine") echo "  - Docker Engine, installed and running so that \`docker info\` answers (https://docs.docker.com/engine/install/)" ;;
      "compose tool")  echo "  - a compose tool: the Docker Compose plugin (\`docker compose\`) or \`docker-compose\`" ;;
      Chromium*)       echo "  - Chromium (or Chrome) at $CHROMIUM_PATH (a symlink to it will do)" ;;
      "base image"*)   echo "  - the base image $BASE_IMAGE: \`docker pull $BASE_IMAGE\` (once the engine runs)" ;;
      "database image"*) echo "  - the database image $PG_IMAGE: \`docker pull $PG_IMAGE\` (once the engine runs)" ;;
      "Python Authlib") echo "  - Python 3 with Authlib and requests (\`pip install authlib requests\`, or Debian's python3-authlib python3-requests)" ;;
      "PostgreSQL server") echo "  - the PostgreSQL server binaries (initdb, pg_ctl; Debian: postgresql), or DATABASE_URL naming a throwaway database" ;;
    esac
  done
}

# --------------------------------------------------------------------------
# apt helpers: `apt-get update` at most once per run, and only when needed.
# The first update doubles as the check that the package mirror answers.
# --------------------------------------------------------------------------
APT_UPDATED=0
pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'; }
apt_update() {
  [ "$APT_UPDATED" -eq 0 ] || return 0
  local out said rc=0
  log "apt-get update (checks that the package mirror answers; gives up after ${APT_UPDATE_TIMEOUT}s)"
  # Error-Mode=any: a failed download is an error (plain `apt-get update` exits 0 and
  # only warns when the mirror cannot be reached). The grep covers apt without that option.
  out="$(timeout "$APT_UPDATE_TIMEOUT" apt-get update -q -o APT::Update::Error-Mode=any \
           -o Acquire::Retries=1 -o Acquire::http::Timeout=15 -o Acquire::https::Timeout=15 2>&1)" || rc=$?
  if [ "$rc" -eq 0 ] && grep -qE '^[WE]: (Failed to fetch|Some index files failed)' <<<"$out"; then rc=100; fi
  if [ "$rc" -ne 0 ]; then
    local how="failed (exit $rc)"
    [ "$rc" -ne 124 ] || how="did not finish within ${APT_UPDATE_TIMEOUT}s"
    # apt's errors, with URLs and host names masked as everywhere in this script
    said="$(grep -E '^(E|W|Err):|^  ' <<<"$out" | grep -v 'unsandboxed' | head -n 6 \
      | sed -E "s#[a-z]+://[^ ]+#<url>#g; s#(resolve|connect to) '?[^ ']+'?( \([^)]*\))?#\1 <host>#g; s#\[IP: [^]]*\]#[IP: <masked>]#g; s#^#  #" || true)"
    cannot_provision "the package mirror cannot be reached: \`apt-get update\` $how" \
      "apt said (host names masked):" "${said:-  (nothing)}" \
      "needed from it: $(join "${NEED_PKGS[@]}")" \
      "fix: give this machine access to the Debian mirror in /etc/apt/sources.list.d/ (or set an apt proxy, Acquire::http::Proxy), then run again;" \
      "or install by hand:" "$(manual_steps)"
  fi
  APT_UPDATED=1
}
apt_install() {
  local missing=() p
  for p in "$@"; do pkg_installed "$p" || missing+=("$p"); done
  if [ "${#missing[@]}" -eq 0 ]; then
    log "packages already installed: $*"
    return 0
  fi
  apt_update
  log "apt-get install -y ${missing[*]}"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# --------------------------------------------------------------------------
# --check: report and stop.
# --------------------------------------------------------------------------
if [ "$MODE" = check ]; then
  preflight
  [ "${#MISSING[@]}" -eq 0 ] || exit 1
  exit 0
fi

# --------------------------------------------------------------------------
# Can this run do the job? Decide before changing anything.
# --------------------------------------------------------------------------
preflight quiet
if [ "${#MISSING[@]}" -eq 0 ]; then
  log "nothing missing for the smoke tier (Docker engine, compose, Chromium, $BASE_IMAGE, $PG_IMAGE); checking the rest"
else
  if [ "${#NEED_PKGS[@]}" -gt 0 ] && ! command -v apt-get >/dev/null 2>&1; then
    cannot_provision "no apt-get here: this script installs packages only on Debian/Ubuntu." \
      "install by hand:" "$(manual_steps)"
  fi
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
      log "not root: running again as root via sudo"
      passthrough=()
      for v in BASE_IMAGE PG_IMAGE PG_BASE_IMAGE PG_BUILD_LOG PULL_TIMEOUT DOCKERD_TIMEOUT DOCKERD_LOG DEBOOTSTRAP_LOG APT_UPDATE_TIMEOUT \
               CHROMIUM_PATH SKIP_CHROMIUM FORCE_STANDIN DOCKER_HOST \
               http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY; do
        [ -z "${!v:-}" ] || passthrough+=("$v=${!v}")
      done
      exec sudo -n -- env "${passthrough[@]}" bash "$SCRIPT"
    fi
    fixes=()
    [ "$ENGINE_NO_PERM" -eq 0 ] \
      || fixes+=("fix: dockerd runs, but user '$(id -un)' may not use it: \`sudo usermod -aG docker $(id -un)\` (then log in again), or run the tests as root; and")
    cannot_provision "this needs root, and user '$(id -un)' is not root and has no passwordless sudo." \
      "${fixes[@]}" \
      "fix: run \`sudo bash scripts/provision.sh\` once (as root it installs the missing packages with apt," \
      "     starts dockerd and builds $BASE_IMAGE and $PG_IMAGE), then run the tests again."
  fi
  log "missing: $(join "${MISSING[@]}"); provisioning"
  if [ "${#NEED_PKGS[@]}" -gt 0 ]; then
    log "packages to install: $(join "${NEED_PKGS[@]}")"
    apt_update
  fi
fi

# --------------------------------------------------------------------------
# 1. Docker engine
# --------------------------------------------------------------------------
if command -v dockerd >/dev/null 2>&1; then
  log "docker engine present: $(command -v dockerd)"
else
  apt_install docker.io
fi
command -v docker >/dev/null 2>&1 || die "docker client missing after install"

if docker info >/dev/null 2>&1; then
  log "dockerd already answering"
else
  log "starting dockerd in the background (log: $DOCKERD_LOG)"
  # setsid + nohup: dockerd survives this script and its terminal.
  setsid nohup dockerd >"$DOCKERD_LOG" 2>&1 < /dev/null &
  waited=0
  until docker info >/dev/null 2>&1; do
    if [ "$waited" -ge "$DOCKERD_TIMEOUT" ]; then
      tail -n 20 "$DOCKERD_LOG" >&2 || true
      die "dockerd did not answer within ${DOCKERD_TIMEOUT}s (see $DOCKERD_LOG)"
    fi
    sleep 1; waited=$((waited + 1))
  done
  log "dockerd up after ${waited}s (storage driver: $(docker info --format '{{.Driver}}' 2>/dev/null))"
fi

# --------------------------------------------------------------------------
# 2. Compose tool
# --------------------------------------------------------------------------
if docker compose version >/dev/null 2>&1; then
  log "compose: docker compose (v2) $(docker compose version --short 2>/dev/null || true)"
else
  if ! command -v docker-compose >/dev/null 2>&1; then
    apt_install docker-compose
    command -v docker-compose >/dev/null 2>&1 || die "docker-compose is installed, but not on PATH"
  fi
  log "compose: docker-compose (v1) $(docker-compose version --short 2>/dev/null || true) -- use 'docker-compose', not 'docker compose'"
fi

# --------------------------------------------------------------------------
# 3. Chromium (driven by playwright-core via executablePath=/usr/bin/chromium)
# --------------------------------------------------------------------------
if [ "${SKIP_CHROMIUM:-0}" = 1 ]; then
  log "chromium skipped (SKIP_CHROMIUM=1)"
elif [ -x "$CHROMIUM_PATH" ]; then
  log "chromium present: $CHROMIUM_PATH"
else
  apt_install chromium
  [ -x "$CHROMIUM_PATH" ] || die "chromium is installed, but there is no executable at $CHROMIUM_PATH"
fi

# --------------------------------------------------------------------------
# 3b. Python Authlib, the OAuth 2 client of test/integration/oauth-clients.test.ts
# --------------------------------------------------------------------------
if "$OAUTH_PYTHON" -c 'import authlib.integrations.requests_client' >/dev/null 2>&1; then
  log "python authlib present ($OAUTH_PYTHON)"
else
  apt_install python3 python3-authlib python3-requests
  "$OAUTH_PYTHON" -c 'import authlib.integrations.requests_client' >/dev/null 2>&1 \
    || die "python3-authlib is installed, but $OAUTH_PYTHON cannot import authlib.integrations.requests_client"
fi

# --------------------------------------------------------------------------
# 3b'. The bench's FastAPI baseline (bench/baselines/fastapi.mjs) and HAProxy (bench/replicas.mjs)
# --------------------------------------------------------------------------
if "$OAUTH_PYTHON" -c "$FASTAPI_IMPORTS" >/dev/null 2>&1; then
  log "python FastAPI stack present ($OAUTH_PYTHON)"
else
  apt_install python3 "${FASTAPI_PKGS[@]}"
  "$OAUTH_PYTHON" -c "$FASTAPI_IMPORTS" >/dev/null 2>&1 \
    || die "${FASTAPI_PKGS[*]} are installed, but $OAUTH_PYTHON cannot import them"
fi
if command -v haproxy >/dev/null 2>&1; then
  log "haproxy present"
else
  apt_install haproxy
fi

# --------------------------------------------------------------------------
# 3c. PostgreSQL server binaries, for the throwaway clusters of the integration tier. No
#     cluster of Debian's own: the tests start theirs on free ports and delete them.
# --------------------------------------------------------------------------
if pg_server_present; then
  log "PostgreSQL server binaries present ($(pg_server_bin initdb))"
else
  if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
    mkdir -p /etc/postgresql-common
    printf '# Written by scripts/provision.sh: no default cluster; tests start their own.\ncreate_main_cluster = false\n' \
      > /etc/postgresql-common/createcluster.conf
  fi
  apt_install postgresql
  pg_server_present || die "postgresql is installed, but no initdb/pg_ctl was found in /usr/lib/postgresql/*/bin"
fi

# --------------------------------------------------------------------------
# 4. Proxy for docker builds and containers (only if this host uses one).
#    Docker's client injects ~/.docker/config.json "proxies" as HTTP_PROXY/...
#    build args and container env, so the Dockerfile and testcontainers builds
#    need no change. Values are read at run time and never printed.
# --------------------------------------------------------------------------
proxy_value() {
  # $1 = env var base name (lower/upper case both checked), $2 = npm config key
  local v="" n="$1"
  v="${!n:-}"
  [ -n "$v" ] || { n="${1^^}"; v="${!n:-}"; }
  if [ -z "$v" ] && [ -n "${2:-}" ] && command -v npm >/dev/null 2>&1; then
    v="$(npm config get "$2" 2>/dev/null || true)"
    [ "$v" = "null" ] || [ "$v" = "undefined" ] && v=""
  fi
  printf '%s' "$v"
}
P_HTTP="$(proxy_value http_proxy proxy)"
P_HTTPS="$(proxy_value https_proxy https-proxy)"
P_NO="$(proxy_value no_proxy noproxy)"
if [ -z "$P_HTTP$P_HTTPS" ]; then
  log "no explicit HTTP(S) proxy configured on this host (env/npm): nothing to inject into docker"
else
  cfg_dir="${DOCKER_CONFIG:-$HOME/.docker}"
  mkdir -p "$cfg_dir"
  # Merge into config.json with node (present on this host); idempotent.
  P_HTTP="$P_HTTP" P_HTTPS="$P_HTTPS" P_NO="$P_NO" CFG="$cfg_dir/config.json" node -e '
    const fs = require("fs"); const f = process.env.CFG;
    let c = {}; try { c = JSON.parse(fs.readFileSync(f, "utf8")); } catch {}
    const want = {};
    if (process.env.P_HTTP) want.httpProxy = process.env.P_HTTP;
    if (process.env.P_HTTPS) want.httpsProxy = process.env.P_HTTPS;
    if (process.env.P_NO) want.noProxy = process.env.P_NO;
    c.proxies = c.proxies || {};
    const before = JSON.stringify(c.proxies.default || {});
    c.proxies.default = Object.assign({}, c.proxies.default, want);
    if (JSON.stringify(c.proxies.default) === before) { console.error("[provision] docker proxy config already set"); process.exit(0); }
    fs.writeFileSync(f, JSON.stringify(c, null, 2) + "\n", { mode: 0o600 });
    console.error("[provision] wrote proxy settings (values not shown) to " + f);
  '
fi

# --------------------------------------------------------------------------
# 5. Base image: real one if pullable, else a local stand-in under the same name
# --------------------------------------------------------------------------
base_image_present() { docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; }

# Print the Debian mirror URI apt on this machine uses for the main suite.
# Reads deb822 *.sources and one-line *.list files, as apt does.
debian_mirror() {
  local codename="$1" f
  # deb822 format
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v suite="$codename" '
      function flush() {
        if (types ~ /(^| )deb( |$)/ && enabled != "no" && (" " suites " ") ~ (" " suite " ")) {
          n = split(uris, u, " "); for (i = 1; i <= n; i++) if (u[i] !~ /security/) { print u[i]; found = 1; exit }
        }
        types = uris = suites = ""; enabled = ""
      }
      /^[ \t]*#/ { next }
      /^[ \t]*$/ { flush(); next }
      { key = tolower($1); sub(/:$/, "", key); $1 = ""; sub(/^ +/, "");
        if (key == "types") types = $0; else if (key == "uris") uris = $0;
        else if (key == "suites") suites = $0; else if (key == "enabled") enabled = tolower($0) }
      END { if (!found) flush() }
    ' "$f"
  done
  # one-line format
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk -v suite="$codename" '
      /^[ \t]*deb[ \t]/ {
        i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
        if ($(i+1) == suite && $i !~ /security/) { print $i; exit }
      }' "$f"
  done
}

# Every stand-in starts from one debootstrap'd Debian rootfs per suite and run, kept under
# STANDIN_TMP (deleted on exit) and copied for each image.
STANDIN_TMP=""
cleanup_standin() {
  [ -n "$STANDIN_TMP" ] && [ -d "$STANDIN_TMP" ] || return 0
  # Unmount anything a failed debootstrap may have left mounted, then delete.
  awk -v p="$STANDIN_TMP/" 'index($2, p) == 1 { print $2 }' /proc/mounts | sort -r \
    | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf --one-file-system "$STANDIN_TMP"
}
ensure_standin_tmp() {
  [ "$(id -u)" -eq 0 ] || die "building a stand-in image needs root (debootstrap/chroot)"
  [ -z "$STANDIN_TMP" ] || return 0
  STANDIN_TMP="$(mktemp -d /var/tmp/image-standin.XXXXXX)"
  trap cleanup_standin EXIT
}

host_codename() {
  local codename
  # shellcheck disable=SC1091
  codename="$(. /etc/os-release && printf '%s' "${VERSION_CODENAME:-}")"
  [ -n "$codename" ] || die "VERSION_CODENAME missing in /etc/os-release"
  printf '%s' "$codename"
}

# debian_rootfs SUITE DEST: a minbase Debian SUITE at DEST, slimmed like debian:*-slim, with
# apt sources like this host's. The first call per suite and run debootstraps; later ones copy.
debian_rootfs() {
  local suite="$1" dest="$2" host mirror base sources_src
  ensure_standin_tmp
  base="$STANDIN_TMP/debian-$suite"
  if [ ! -d "$base" ]; then
    host="$(host_codename)"
    # The mirror this host's apt uses (the same archive serves every suite).
    mirror="$(debian_mirror "$host" | head -n1)"
    [ -n "$mirror" ] || die "could not find the Debian mirror for '$host' in apt's sources"
    apt_update  # debootstrap downloads from the same mirror: stop clearly if it does not answer
    apt_install debootstrap

    log "debootstrap --variant=minbase $suite (Debian mirror from apt sources; log: $DEBOOTSTRAP_LOG)"
    if ! debootstrap --variant=minbase "$suite" "$base.partial" "$mirror" >"$DEBOOTSTRAP_LOG" 2>&1; then
      # mask URLs so no host name is printed
      tail -n 20 "$DEBOOTSTRAP_LOG" | sed -E 's#[a-z]+://[^ /]+#<mirror>#g' >&2
      die "debootstrap failed"
    fi
    mv "$base.partial" "$base"

    # apt sources like the host's (Debian entries only), instead of debootstrap's one-liner;
    # suite names follow the rootfs when it is not the host's own suite.
    sources_src="$(grep -l -E '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1 || true)"
    if [ -n "$sources_src" ]; then
      sed -E "/^Suites:/ s/\\<$host\\>/$suite/g" "$sources_src" >"$base/etc/apt/sources.list.d/debian.sources"
      rm -f "$base/etc/apt/sources.list"
    fi

    # Slim it down like debian:*-slim (dpkg path excludes + no lists/docs/caches).
    mkdir -p "$base/etc/dpkg/dpkg.cfg.d"
    cat >"$base/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
EOF
    find "$base/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
    find "$base/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
    rm -rf "$base"/usr/share/man/* "$base"/usr/share/info/* "$base"/usr/share/locale/* \
           "$base"/usr/share/groff/* "$base"/usr/share/lintian/* \
           "$base"/var/lib/apt/lists/* "$base"/var/cache/apt/*.bin "$base"/var/cache/apt/archives/*.deb \
           "$base"/debootstrap
    # Settings of Docker's debian images: no package caches or downloaded .debs left in a
    # layer, compressed indexes, no translations, suggestions never keep packages installed,
    # dpkg skips fsync, and no service starts when its package is installed.
    cat >"$base/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
    printf '%s\n' 'Acquire::GzipIndexes "true";' >"$base/etc/apt/apt.conf.d/docker-gzip-indexes"
    printf '%s\n' 'Acquire::Languages "none";' >"$base/etc/apt/apt.conf.d/docker-no-languages"
    printf '%s\n' 'Apt::AutoRemove::SuggestsImportant "false";' >"$base/etc/apt/apt.conf.d/docker-autoremove-suggests"
    printf '%s\n' 'force-unsafe-io' >"$base/etc/dpkg/dpkg.cfg.d/docker-apt-speedup"
    printf '%s\n' '#!/bin/sh' 'exit 101' >"$base/usr/sbin/policy-rc.d"
    chmod 0755 "$base/usr/sbin/policy-rc.d"
  fi
  rm -rf --one-file-system "$dest"
  cp -a "$base" "$dest"
}

# finish_rootfs DIR: what no image should carry from its making (logs, caches, host identity).
finish_rootfs() {
  local rootfs="$1"
  rm -rf "$rootfs"/var/cache/debconf/*-old "$rootfs"/var/lib/dpkg/*-old \
         "$rootfs"/var/log/* "$rootfs"/tmp/* "$rootfs"/root/.npm
  : >"$rootfs/etc/resolv.conf"; : >"$rootfs/etc/hostname"; rm -f "$rootfs/etc/machine-id"
}

# shellcheck disable=SC2120  # false positive: "$1" only appears in a quoted heredoc
build_standin() {
  local codename node_bin npm_dir corepack_dir node_inc rootfs
  codename="$(host_codename)"
  node_bin="$(readlink -f "$(command -v node)")" || die "node not found on this host"
  npm_dir="$(readlink -f "$(npm root -g)/npm")"
  [ -f "$npm_dir/bin/npm-cli.js" ] || die "npm package directory not found ($npm_dir)"
  corepack_dir="$(dirname "$npm_dir")/corepack"
  node_inc="$(dirname "$(dirname "$node_bin")")/include/node"

  ensure_standin_tmp
  rootfs="$STANDIN_TMP/node-rootfs"
  debian_rootfs "$codename" "$rootfs"

  log "installing node $("$node_bin" --version) and npm $(node "$npm_dir/bin/npm-cli.js" --version 2>/dev/null) into the rootfs"
  install -D -m 0755 "$node_bin" "$rootfs/usr/local/bin/node"
  mkdir -p "$rootfs/usr/local/lib/node_modules" "$rootfs/usr/local/include"
  cp -a "$npm_dir" "$rootfs/usr/local/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  if [ -d "$corepack_dir" ]; then
    cp -a "$corepack_dir" "$rootfs/usr/local/lib/node_modules/corepack"
    ln -sf ../lib/node_modules/corepack/dist/corepack.js "$rootfs/usr/local/bin/corepack"
  fi
  # The official image ships the headers too (node-gyp uses them).
  [ -d "$node_inc" ] && cp -a "$node_inc" "$rootfs/usr/local/include/node"

  # CA bundle of this host (includes the egress proxy's CA, if any), so that
  # `npm ci` inside `docker build` can reach the registry.
  install -D -m 0644 /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"

  # Same entrypoint as the official image (runs `node` for `-e ...`/script args).
  cat >"$rootfs/usr/local/bin/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
set -e

# Run command with node if the first argument contains a "-" or is not a system command.
if [ "${1#-}" != "${1}" ] || [ -z "$(command -v "${1}")" ] || { [ -f "${1}" ] && ! [ -x "${1}" ]; }; then
  set -- node "$@"
fi

exec "$@"
EOF
  chmod 0755 "$rootfs/usr/local/bin/docker-entrypoint.sh"

  # node user/group with uid/gid 1000, as in the official image.
  chroot "$rootfs" groupadd --gid 1000 node
  chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  chroot "$rootfs" node --version >/dev/null || die "node does not run inside the rootfs"
  finish_rootfs "$rootfs"

  log "docker import -> $BASE_IMAGE"
  tar --numeric-owner -C "$rootfs" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
    --change "ENV NODE_VERSION=$("$node_bin" --version | sed 's/^v//')" \
    --change 'ENTRYPOINT ["docker-entrypoint.sh"]' \
    --change 'CMD ["node"]' \
    --message "local stand-in for $BASE_IMAGE (debootstrap minbase $codename + host node)" \
    - "$BASE_IMAGE" >/dev/null
  rm -rf --one-file-system "$rootfs"
}

# try_pull IMAGE: 0 if pulled within PULL_TIMEOUT (never tried under FORCE_STANDIN=1).
try_pull() {
  [ "${FORCE_STANDIN:-0}" != 1 ] || return 1
  log "trying: docker pull $1 (timeout ${PULL_TIMEOUT}s)"
  if timeout "$PULL_TIMEOUT" docker pull -q "$1" >/dev/null 2>&1; then
    log "pulled $1 from the registry"
    return 0
  fi
  return 1
}
standin_reason() {
  if [ "${FORCE_STANDIN:-0}" = 1 ]; then printf 'FORCE_STANDIN=1: rebuilding the local stand-in for %s' "$1"
  else printf 'pull not possible: building a local stand-in for %s' "$1"; fi
}

if [ "${FORCE_STANDIN:-0}" != 1 ] && base_image_present; then
  log "image $BASE_IMAGE present locally"
else
  if ! try_pull "$BASE_IMAGE"; then
    log "$(standin_reason "$BASE_IMAGE")"
    # shellcheck disable=SC2119
    build_standin
  fi
  docker run --rm "$BASE_IMAGE" node -e 'process.stdout.write("")' \
    || die "$BASE_IMAGE does not run node"
  log "image $BASE_IMAGE ready ($(docker image inspect -f '{{.Size}}' "$BASE_IMAGE" | awk '{printf "%.0f MB", $1/1e6}'))"
fi

# --------------------------------------------------------------------------
# 6. Database image (docker-compose.yml's `db`): the real one if pullable, else a local
#    stand-in under the same name, built from scripts/postgres-standin/Dockerfile on a
#    Debian base that is itself pulled or debootstrap'd (plain minbase, like debian:*-slim).
# --------------------------------------------------------------------------
build_pg_base_standin() {
  local rootfs
  ensure_standin_tmp
  rootfs="$STANDIN_TMP/pg-base-rootfs"
  debian_rootfs "$PG_SUITE" "$rootfs"
  finish_rootfs "$rootfs"
  log "docker import -> $PG_BASE_IMAGE"
  tar --numeric-owner -C "$rootfs" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'LABEL jwt-auth-service.standin=true' \
    --change 'CMD ["bash"]' \
    --message "local stand-in for $PG_BASE_IMAGE (debootstrap minbase $PG_SUITE)" \
    - "$PG_BASE_IMAGE" >/dev/null
  rm -rf --one-file-system "$rootfs"
}

build_pg_standin() {
  local started=$SECONDS
  [ -f "$PG_STANDIN_DIR/Dockerfile" ] || die "no $PG_STANDIN_DIR/Dockerfile to build the $PG_IMAGE stand-in from"
  if [ "${FORCE_STANDIN:-0}" != 1 ] && docker image inspect "$PG_BASE_IMAGE" >/dev/null 2>&1; then
    log "image $PG_BASE_IMAGE present locally"
  elif ! try_pull "$PG_BASE_IMAGE"; then
    log "$(standin_reason "$PG_BASE_IMAGE")"
    build_pg_base_standin
  fi
  # apt inside the build fetches Debian's postgresql-15 from the base image's sources.
  log "docker build $PG_STANDIN_DIR -> $PG_IMAGE (log: $PG_BUILD_LOG)"
  if ! docker build --build-arg "BASE_IMAGE=$PG_BASE_IMAGE" -t "$PG_IMAGE" "$PG_STANDIN_DIR" >"$PG_BUILD_LOG" 2>&1; then
    tail -n 25 "$PG_BUILD_LOG" | sed -E 's#[a-z]+://[^ /]+#<mirror>#g' >&2
    die "building the $PG_IMAGE stand-in failed"
  fi
  log "stand-in $PG_IMAGE built in $((SECONDS - started))s"
}

if [ "${FORCE_STANDIN:-0}" != 1 ] && docker image inspect "$PG_IMAGE" >/dev/null 2>&1; then
  log "image $PG_IMAGE present locally"
else
  if ! try_pull "$PG_IMAGE"; then
    log "$(standin_reason "$PG_IMAGE")"
    build_pg_standin
  fi
  docker run --rm --entrypoint sh "$PG_IMAGE" -c 'postgres --version && command -v pg_isready >/dev/null' >/dev/null \
    || die "$PG_IMAGE has no runnable postgres or no pg_isready"
  log "image $PG_IMAGE ready ($(docker image inspect -f '{{.Size}}' "$PG_IMAGE" | awk '{printf "%.0f MB", $1/1e6}'))"
fi

cleanup_standin
trap - EXIT

log "done"
