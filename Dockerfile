# JWT auth service: multi-stage image.
# Classic-builder compatible (no BuildKit-only syntax: no RUN --mount, no heredocs),
# so it builds with docker.io's legacy builder, `docker-compose` v1 and testcontainers.
#
# Registry access for `npm ci`: if your network needs an explicit proxy, Docker passes
# HTTP_PROXY/HTTPS_PROXY/NO_PROXY through automatically (predefined build args, or
# "proxies" in ~/.docker/config.json); nothing proxy-specific lives in this file.

# ---------------------------------------------------------------------------
# build stage: dev dependencies + TypeScript compile -> dist/
# ---------------------------------------------------------------------------
FROM node:20-bookworm-slim AS build
# ARG (not ENV): only set while building, not in the final image.
ARG NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app

# Lockfile first so the dependency layer is cached across source edits.
# `.npmrc*` is optional (glob), it carries the project's npm settings.
# --ignore-scripts: no dependency runs code at install. None needs to for this build: the
# scripts in the tree are telemetry (@scarf/scarf), binary checks and optional native builds
# of test tools (@swc/core, protobufjs, ssh2, cpu-features, @parcel/watcher); tsc needs none.
COPY package.json package-lock.json .npmrc* ./
RUN npm ci --ignore-scripts --no-audit --no-fund

COPY tsconfig*.json openapi.yaml ./
COPY scripts/copy-build-assets.js ./scripts/
COPY src ./src
RUN npm run build

# ---------------------------------------------------------------------------
# runtime stage: production dependencies + compiled JS only
# ---------------------------------------------------------------------------
FROM node:20-bookworm-slim AS runtime
ARG NPM_CONFIG_UPDATE_NOTIFIER=false
ENV NODE_ENV=production
WORKDIR /app

# The production tree has one install script, @scarf/scarf's telemetry: never run.
COPY package.json package-lock.json .npmrc* ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force \
 && rm -rf /root/.npm /tmp/*

# Everything under /app is owned by root: the node user can read it (files 644,
# directories 755) but not change it, so a compromised process cannot rewrite its own code.
COPY --from=build /app/dist ./dist
COPY openapi.yaml ./

# Signing keys generated at first start with JWT_ALGORITHM EdDSA/ES256/RS256 (and no
# JWT_PRIVATE_KEY_FILE) live here, writable by the node user alone: mount a volume on it
# (docker-compose.yml does) so they survive the container. Rotate with
# `docker compose exec auth node dist/keys.js rotate`.
ENV JWT_KEYS_DIR=/var/lib/jwt-auth/keys
RUN mkdir -p /var/lib/jwt-auth/keys && chown -R node:node /var/lib/jwt-auth && chmod 700 /var/lib/jwt-auth/keys

USER node
# 8000: the API. 9000: the management port (GET /metrics); publish it only to your scraper.
EXPOSE 8000 9000

# Exit 0 only when GET /healthz answers 200 (PORT respected if set).
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "require('http').get({host:'127.0.0.1',port:process.env.PORT||8000,path:'/healthz',timeout:2500},r=>{r.resume();process.exit(r.statusCode===200?0:1)}).on('timeout',function(){this.destroy(new Error('timeout'))}).on('error',()=>process.exit(1))"]

STOPSIGNAL SIGTERM
# node runs as PID 1: the app installs its own SIGTERM/SIGINT handlers (graceful
# shutdown), so no init is required for signals. docker-compose.yml adds `init: true`
# anyway to reap any zombie children; with plain `docker run` use `--init` likewise.
CMD ["node", "dist/main.js"]
