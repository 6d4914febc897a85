#!/usr/bin/env bash
# Start a throwaway PostgreSQL server for the state-backend tests and print its
# connection URL on stdout (everything else goes to stderr):
#
#   export HSQB_TEST_DATABASE_URL="$(.ci/postgres.sh)"
#
# Idempotent and fast when already done: installs Debian's `postgresql` package
# only when no server binaries are found, creates the data directory only once,
# and starts the server only when nothing answers on the port. The server is
# private to the tests: its own data directory, loopback only, its own port,
# fsync off (the data is disposable). Override with HSQB_PG_PORT / HSQB_PG_DATA.
set -euo pipefail

PORT="${HSQB_PG_PORT:-54329}"
DATA="${HSQB_PG_DATA:-/tmp/hsqb-test-postgres}"
DB=hsqb_test
ROLE=hsqb
PASSWORD=hsqb-test-password

log() { echo "postgres.sh: $*" >&2; }

find_bindir() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
  done
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v initdb)"; return 0
  fi
  return 1
}

if ! BIN="$(find_bindir)"; then
  if [ "$(id -u)" -ne 0 ]; then
    log "PostgreSQL is not installed; install it (Debian: apt-get install postgresql) or run as root"
    exit 1
  fi
  log "installing PostgreSQL (apt-get install postgresql)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
  BIN="$(find_bindir)"
fi

# The server refuses to run as root: run it as `postgres` when we are root.
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  as_pg() { runuser -u postgres -- "$@"; }
  SUPERUSER=postgres
else
  as_pg() { "$@"; }
  SUPERUSER="$(id -un)"
fi

if [ ! -f "$DATA/PG_VERSION" ]; then
  log "creating a test cluster in $DATA"
  mkdir -p "$DATA"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$DATA"
  chmod 700 "$DATA"
  as_pg "$BIN/initdb" -D "$DATA" -U "$SUPERUSER" --auth-local=trust --auth-host=scram-sha-256 \
    -E UTF8 --no-locale >&2
fi

if ! "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; then
  log "starting the test server on 127.0.0.1:$PORT"
  as_pg "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 60 \
    -o "-p $PORT -k $DATA -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >&2
fi

psql_su() { as_pg "$BIN/psql" -h "$DATA" -p "$PORT" -U "$SUPERUSER" -d postgres -v ON_ERROR_STOP=1 -qtA "$@"; }
if [ "$(psql_su -c "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'")" != "1" ]; then
  psql_su -c "CREATE ROLE $ROLE LOGIN PASSWORD '$PASSWORD'" >&2
fi
if [ "$(psql_su -c "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != "1" ]; then
  psql_su -c "CREATE DATABASE $DB OWNER $ROLE" >&2
fi

echo "postgres://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DB?sslmode=disable"
