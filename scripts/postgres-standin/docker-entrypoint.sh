#!/usr/bin/env bash
# Entrypoint of the LOCAL STAND-IN for postgres:15-bookworm (see the Dockerfile next to it).
#
# Same interface as the official image's entrypoint, for what this project relies on:
#   POSTGRES_PASSWORD     superuser password; required to initialise a cluster unless
#                         POSTGRES_HOST_AUTH_METHOD=trust
#   POSTGRES_USER         superuser name (default postgres)
#   POSTGRES_DB           database created at initialisation (default: POSTGRES_USER)
#   POSTGRES_INITDB_ARGS  extra initdb arguments
#   POSTGRES_HOST_AUTH_METHOD  method of the `host all all all` line added to pg_hba.conf
#                         (default: password_encryption, i.e. scram-sha-256)
#   <VAR>_FILE            for the first four: read the value from that file (Docker secrets)
#   PGDATA                the cluster directory (default /var/lib/postgresql/data)
#   /docker-entrypoint-initdb.d/*  *.sh, *.sql, *.sql.gz, *.sql.xz, *.sql.zst run once, after
#                         initdb, in name order, against a socket-only server
# initdb runs only when $PGDATA holds no cluster yet (no PG_VERSION). Started as root it
# prepares the directories, then runs itself again as `postgres` (gosu). The server is
# exec'd, so it is PID 1 and receives the stop signal itself. Any other command runs as is.
# Not supported here (the official image does it): starting with --user as a uid that has
# no passwd entry (nss_wrapper).
set -Eeuo pipefail

say() { printf '%s\n' "$*" >&2; }

# VAR from the environment, or from the file named by VAR_FILE; both set is an error.
from_env_or_file() {
  local var="$1" default="${2:-}" file_var="$1_FILE" value
  if [ -n "${!var:-}" ] && [ -n "${!file_var:-}" ]; then
    say "error: both $var and $file_var are set (use one)"
    exit 1
  fi
  value="$default"
  if [ -n "${!var:-}" ]; then
    value="${!var}"
  elif [ -n "${!file_var:-}" ]; then
    value="$(<"${!file_var}")"
  fi
  export "$var=$value"
  unset "$file_var"
}

# Options that make postgres print something and exit: no set-up for those.
only_asks_postgres() {
  local arg
  for arg in "$@"; do
    case "$arg" in -'?' | --help | --describe-config | -V | --version) return 0 ;; esac
  done
  return 1
}

# psql as the superuser over the local socket, stopping at the first error.
run_sql() {
  PGHOST='' PGHOSTADDR='' psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc "$@"
}

initialise() {
  # $@: the server command line (postgres ...), its options also apply to the set-up server.
  if [ -z "$POSTGRES_PASSWORD" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
    say 'error: the database is not initialised and POSTGRES_PASSWORD is empty.'
    say '       Set POSTGRES_PASSWORD (or POSTGRES_PASSWORD_FILE) to a non-empty value, or'
    say '       POSTGRES_HOST_AUTH_METHOD=trust to allow every connection without a password'
    say '       (not recommended).'
    exit 1
  fi
  [ "$POSTGRES_HOST_AUTH_METHOD" != trust ] \
    || say 'WARNING: POSTGRES_HOST_AUTH_METHOD=trust: any host that reaches port 5432 gets in without a password.'

  local -a initdb_args=()
  # Word-split like a shell would (quotes allowed), as the official image does.
  eval "initdb_args=($POSTGRES_INITDB_ARGS)"
  # --pwfile wants a non-empty file, hence the newline.
  initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") "${initdb_args[@]}"

  shift # "postgres"
  local method="$POSTGRES_HOST_AUTH_METHOD"
  [ -n "$method" ] || method="$(postgres -C password_encryption "$@")"
  printf '\n# added by docker-entrypoint.sh: every TCP client authenticates with %s\nhost all all all %s\n' \
    "$method" "$method" >>"$PGDATA/pg_hba.conf"

  export PGPASSWORD="${PGPASSWORD:-$POSTGRES_PASSWORD}"
  # Socket only while setting up: nothing outside sees a half-made database.
  pg_ctl -D "$PGDATA" -w -o "$(printf '%q ' "$@" -c listen_addresses='' -p "${PGPORT:-5432}")" start

  if [ -z "$(run_sql --dbname postgres --tuples-only --set db="$POSTGRES_DB" <<<"SELECT 1 FROM pg_database WHERE datname = :'db';")" ]; then
    run_sql --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
  fi

  local f
  for f in /docker-entrypoint-initdb.d/*; do
    [ -e "$f" ] || continue
    case "$f" in
      *.sh)
        # shellcheck disable=SC1090  # the init scripts are the user's, known only at run time
        if [ -x "$f" ]; then say "$0: running $f"; "$f"; else say "$0: sourcing $f"; . "$f"; fi ;;
      *.sql) say "$0: running $f"; run_sql --dbname "$POSTGRES_DB" -f "$f" ;;
      *.sql.gz) say "$0: running $f"; gunzip -c "$f" | run_sql --dbname "$POSTGRES_DB" ;;
      *.sql.xz) say "$0: running $f"; xzcat "$f" | run_sql --dbname "$POSTGRES_DB" ;;
      *.sql.zst) say "$0: running $f"; zstd -dc "$f" | run_sql --dbname "$POSTGRES_DB" ;;
      *) say "$0: ignoring $f" ;;
    esac
  done

  pg_ctl -D "$PGDATA" -m fast -w stop
  unset PGPASSWORD
  say ''
  say 'PostgreSQL init process complete; ready for start up.'
  say ''
}

main() {
  # `docker run IMAGE -c foo=bar` means: the server, with these options.
  if [ "$#" -eq 0 ] || [ "${1:0:1}" = '-' ]; then set -- postgres "$@"; fi
  if [ "$1" != postgres ] || only_asks_postgres "$@"; then exec "$@"; fi

  from_env_or_file POSTGRES_PASSWORD
  from_env_or_file POSTGRES_USER postgres
  from_env_or_file POSTGRES_DB "$POSTGRES_USER"
  from_env_or_file POSTGRES_INITDB_ARGS
  export POSTGRES_HOST_AUTH_METHOD="${POSTGRES_HOST_AUTH_METHOD:-}"
  export PGDATA="${PGDATA:-/var/lib/postgresql/data}"

  if [ "$(id -u)" = 0 ]; then
    mkdir -p "$PGDATA" /var/run/postgresql
    chmod 0700 "$PGDATA" || :
    chmod 3775 /var/run/postgresql || :
    find "$PGDATA" /var/run/postgresql \! -user postgres -exec chown postgres '{}' +
    exec gosu postgres "${BASH_SOURCE[0]}" "$@"
  fi

  if [ -s "$PGDATA/PG_VERSION" ]; then
    say ''
    say 'PostgreSQL Database directory appears to contain a database; Skipping initialization'
    say ''
  else
    # Fails clearly if PGDATA is not writable by this user (rather than half-initialising).
    mkdir -p "$PGDATA"
    chmod 0700 "$PGDATA" || :
    ls /docker-entrypoint-initdb.d/ >/dev/null
    initialise "$@"
  fi

  exec "$@"
}

main "$@"
