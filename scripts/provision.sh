#!/usr/bin/env bash
# Provision a Debian/Ubuntu machine for the container side of this project:
#   - Docker engine (docker.io) and a running dockerd
#   - a compose tool (`docker compose` v2 if present, else Debian's docker-compose v1.29)
#   - Debian's chromium (for the playwright-core browser test)
#   - the base image node:20-bookworm-slim: pulled if a registry is reachable,
#     otherwise a faithful local stand-in built with debootstrap + this host's node/npm
#   - proxy settings for docker builds/containers, if this host uses an explicit proxy
#
# Idempotent: every step is skipped when its result is already present.
# Progress goes to stderr. No host names are printed or stored here: the Debian
# mirror and any proxy are read from this machine's configuration at run time.
#
# Environment knobs:
#   BASE_IMAGE        (default node:20-bookworm-slim)
#   PULL_TIMEOUT      seconds to try `docker pull` before building the stand-in (default 25)
#   DOCKERD_TIMEOUT   seconds to wait for dockerd (default 60)
#   SKIP_CHROMIUM=1   do not install chromium
#   FORCE_STANDIN=1   rebuild the stand-in base image even if the image exists
set -euo pipefail

BASE_IMAGE="${BASE_IMAGE:-node:20-bookworm-slim}"
PULL_TIMEOUT="${PULL_TIMEOUT:-25}"
DOCKERD_TIMEOUT="${DOCKERD_TIMEOUT:-60}"
DOCKERD_LOG="${DOCKERD_LOG:-/tmp/dockerd.log}"
DEBOOTSTRAP_LOG="${DEBOOTSTRAP_LOG:-/tmp/provision-debootstrap.log}"

log() { printf '[provision] %s\n' "$*" >&2; }
die() { printf '[provision] ERROR: %s\n' "$*" >&2; exit 1; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || die "run as root (or install sudo)"
  SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive

# --------------------------------------------------------------------------
# apt helpers: `apt-get update` at most once per run, and only when needed.
# --------------------------------------------------------------------------
APT_UPDATED=0
pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'; }
apt_install() {
  local missing=() p
  for p in "$@"; do pkg_installed "$p" || missing+=("$p"); done
  if [ "${#missing[@]}" -eq 0 ]; then
    log "packages already installed: $*"
    return 0
  fi
  if [ "$APT_UPDATED" -eq 0 ]; then
    log "apt-get update"
    $SUDO apt-get update -qq >&2
    APT_UPDATED=1
  fi
  log "apt-get install -y ${missing[*]}"
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

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
  $SUDO setsid nohup dockerd >"$DOCKERD_LOG" 2>&1 < /dev/null &
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
  fi
  log "compose: docker-compose (v1) $(docker-compose version --short 2>/dev/null || true) -- use 'docker-compose', not 'docker compose'"
fi

# --------------------------------------------------------------------------
# 3. Chromium (driven by playwright-core via executablePath=/usr/bin/chromium)
# --------------------------------------------------------------------------
if [ "${SKIP_CHROMIUM:-0}" = 1 ]; then
  log "chromium skipped (SKIP_CHROMIUM=1)"
elif command -v chromium >/dev/null 2>&1; then
  log "chromium present: $(command -v chromium)"
else
  apt_install chromium
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

STANDIN_TMP=""
cleanup_standin() {
  [ -n "$STANDIN_TMP" ] && [ -d "$STANDIN_TMP" ] || return 0
  # Unmount anything a failed debootstrap may have left mounted, then delete.
  awk -v p="$STANDIN_TMP/" 'index($2, p) == 1 { print $2 }' /proc/mounts | sort -r \
    | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf --one-file-system "$STANDIN_TMP"
}

# shellcheck disable=SC2120  # false positive: "$1" only appears in a quoted heredoc
build_standin() {
  local codename mirror node_bin npm_dir corepack_dir node_inc tmp rootfs sources_src
  [ "$(id -u)" -eq 0 ] || die "building the $BASE_IMAGE stand-in needs root (debootstrap/chroot)"
  # shellcheck disable=SC1091
  . /etc/os-release
  codename="${VERSION_CODENAME:-}"
  [ -n "$codename" ] || die "VERSION_CODENAME missing in /etc/os-release"
  mirror="$(debian_mirror "$codename" | head -n1)"
  [ -n "$mirror" ] || die "could not find the Debian mirror for '$codename' in apt's sources"
  apt_install debootstrap

  node_bin="$(readlink -f "$(command -v node)")" || die "node not found on this host"
  npm_dir="$(readlink -f "$(npm root -g)/npm")"
  [ -f "$npm_dir/bin/npm-cli.js" ] || die "npm package directory not found ($npm_dir)"
  corepack_dir="$(dirname "$npm_dir")/corepack"
  node_inc="$(dirname "$(dirname "$node_bin")")/include/node"

  tmp="$(mktemp -d /var/tmp/node-standin.XXXXXX)"
  rootfs="$tmp/rootfs"
  STANDIN_TMP="$tmp"
  trap cleanup_standin EXIT

  log "debootstrap --variant=minbase $codename (Debian mirror from apt sources; log: $DEBOOTSTRAP_LOG)"
  if ! $SUDO debootstrap --variant=minbase "$codename" "$rootfs" "$mirror" >"$DEBOOTSTRAP_LOG" 2>&1; then
    # mask URLs so no host name is printed
    tail -n 20 "$DEBOOTSTRAP_LOG" | sed -E 's#[a-z]+://[^ /]+#<mirror>#g' >&2
    die "debootstrap failed"
  fi

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

  # apt sources like the host's (Debian entries only), instead of debootstrap's one-liner.
  sources_src="$(grep -l -E '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1 || true)"
  if [ -n "$sources_src" ]; then
    cp "$sources_src" "$rootfs/etc/apt/sources.list.d/debian.sources"
    rm -f "$rootfs/etc/apt/sources.list"
  fi

  # Slim it down like debian:*-slim (dpkg path excludes + no lists/docs/caches).
  mkdir -p "$rootfs/etc/dpkg/dpkg.cfg.d"
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
EOF
  find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
  find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
  rm -rf "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/locale/* \
         "$rootfs"/usr/share/groff/* "$rootfs"/usr/share/lintian/* \
         "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
         "$rootfs"/var/cache/debconf/*-old "$rootfs"/var/lib/dpkg/*-old \
         "$rootfs"/var/log/* "$rootfs"/tmp/* "$rootfs"/root/.npm \
         "$rootfs"/debootstrap
  : >"$rootfs/etc/resolv.conf"; : >"$rootfs/etc/hostname"; rm -f "$rootfs/etc/machine-id"

  log "docker import -> $BASE_IMAGE"
  tar --numeric-owner -C "$rootfs" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
    --change "ENV NODE_VERSION=$("$node_bin" --version | sed 's/^v//')" \
    --change 'ENTRYPOINT ["docker-entrypoint.sh"]' \
    --change 'CMD ["node"]' \
    --message "local stand-in for $BASE_IMAGE (debootstrap minbase $codename + host node)" \
    - "$BASE_IMAGE" >/dev/null

  cleanup_standin
  trap - EXIT
}

if [ "${FORCE_STANDIN:-0}" != 1 ] && base_image_present; then
  log "image $BASE_IMAGE present locally"
else
  if [ "${FORCE_STANDIN:-0}" != 1 ]; then
    log "trying: docker pull $BASE_IMAGE (timeout ${PULL_TIMEOUT}s)"
  fi
  if [ "${FORCE_STANDIN:-0}" != 1 ] && timeout "$PULL_TIMEOUT" docker pull -q "$BASE_IMAGE" >/dev/null 2>&1; then
    log "pulled $BASE_IMAGE from the registry"
  else
    if [ "${FORCE_STANDIN:-0}" = 1 ]; then log "FORCE_STANDIN=1: rebuilding the local stand-in for $BASE_IMAGE"
    else log "pull not possible: building a local stand-in for $BASE_IMAGE"; fi
    # shellcheck disable=SC2119
    build_standin
  fi
  docker run --rm "$BASE_IMAGE" node -e 'process.stdout.write("")' \
    || die "$BASE_IMAGE does not run node"
  log "image $BASE_IMAGE ready ($(docker image inspect -f '{{.Size}}' "$BASE_IMAGE" | awk '{printf "%.0f MB", $1/1e6}'))"
fi

log "done"
