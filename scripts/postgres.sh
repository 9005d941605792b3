#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the tests (teams.md 3).
#
#   scripts/postgres.sh start   install Debian's postgresql when missing, start the cluster
#                               (idempotent), print `export TICKET_TEST_POSTGRES=postgres://…`
#   scripts/postgres.sh env     print that line for a running cluster
#   scripts/postgres.sh stop    stop the cluster and remove its directory (idempotent)
#
# Use: eval "$(scripts/postgres.sh start)"; trap 'scripts/postgres.sh stop' EXIT
#
# The cluster lives in $TICKET_PG_DIR (default: a directory under /tmp, or $TMPDIR when not
# root), runs as the unprivileged `postgres` user when started by root, listens on
# 127.0.0.1:$TICKET_PG_PORT (default 54329) and on a socket in its directory, holds the
# database `ticket_test`, and asks for a password over TCP (user `postgres`, password
# `ticket`), so that tests can also see a wrong one refused. Its default collation is ICU's root locale, a natural-language order like
# a typical team database's (not code-point order), so that a column missing its COLLATE "C"
# shows in the dialect tests; its LC_CTYPE is C.UTF-8. Durability is off (fsync,
# synchronous_commit): it is thrown away.
# TLS: the cluster has a self-signed certificate for 127.0.0.1 (made with openssl, which
# Debian's postgresql brings), printed as TICKET_TEST_POSTGRES_CA; the role `ticket_tls`
# (password `ticket`) may connect over TLS only, so a test can tell that TLS was used.
# Only the export lines go to stdout; progress goes to stderr.
set -euo pipefail

PORT="${TICKET_PG_PORT:-54329}"
SHARED_BUFFERS="${TICKET_PG_SHARED_BUFFERS:-128MB}"
# as root the cluster runs as `postgres`, who may not reach into root's $TMPDIR: use /tmp
BASE="${TMPDIR:-/tmp}"
if [ "$(id -u)" -eq 0 ]; then BASE=/tmp; fi
DIR="${TICKET_PG_DIR:-$BASE/ticket-pg-$(id -u)-$PORT}"
DATA="$DIR/data"
DB=ticket_test
PASSWORD=ticket
URL="postgres://postgres:$PASSWORD@127.0.0.1:$PORT/$DB"
CA="$DIR/ca.crt"

say() { echo "postgres.sh: $*" >&2; }

bin_dir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$d" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; fi
}

install() {
  if [ -n "$(bin_dir)" ]; then return; fi
  say "PostgreSQL is missing: installing Debian's postgresql"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
  "${sudo[@]}" apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends postgresql >&2
  if [ -z "$(bin_dir)" ]; then
    say "installing postgresql gave no pg_ctl under /usr/lib/postgresql"
    exit 1
  fi
}

# Runs a command as the cluster's owner: `postgres` when we are root, else ourselves.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

exports() {
  echo "export TICKET_TEST_POSTGRES=$URL"
  if [ -f "$CA" ]; then echo "export TICKET_TEST_POSTGRES_CA=$CA"; fi
}

# A self-signed certificate for 127.0.0.1 and the TLS-only role's rules (before initdb's).
tls_setup() {
  if ! command -v openssl >/dev/null; then
    say "no openssl: the cluster runs without TLS"
    return
  fi
  # an authority (printed as TICKET_TEST_POSTGRES_CA) and the server's certificate it signs
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=ticket test authority" \
    -keyout "$DIR/ca.key" -out "$CA" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$DIR/server.key" -out "$DIR/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >"$DIR/server.ext"
  openssl x509 -req -in "$DIR/server.csr" -CA "$CA" -CAkey "$DIR/ca.key" -CAcreateserial \
    -days 30 -extfile "$DIR/server.ext" -out "$DIR/server.crt" 2>/dev/null
  chmod 600 "$DIR/server.key"
  chmod 644 "$CA" "$DIR/server.crt"
  if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$DIR/server.key" "$DIR/server.crt"; fi
  sed -i '1i hostnossl all ticket_tls 127.0.0.1/32 reject\nhostssl all ticket_tls 127.0.0.1/32 scram-sha-256' \
    "$DATA/pg_hba.conf"
  SSL_OPTS="-c ssl=on -c ssl_cert_file=$DIR/server.crt -c ssl_key_file=$DIR/server.key"
}

running() {
  local b
  b=$(bin_dir)
  [ -n "$b" ] && [ -f "$DATA/PG_VERSION" ] && as_owner "$b/pg_ctl" status -D "$DATA" >/dev/null 2>&1
}

start() {
  install
  local b
  b=$(bin_dir)
  if running; then
    say "already running in $DIR"
    exports
    return
  fi
  rm -rf "$DIR"
  mkdir -p "$DIR"
  echo "$PASSWORD" >"$DIR/pwfile"
  if [ "$(id -u)" -eq 0 ]; then chown -R postgres:postgres "$DIR"; fi
  chmod 700 "$DIR"
  as_owner "$b/initdb" -D "$DATA" --no-sync --username=postgres --pwfile="$DIR/pwfile" \
    --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 \
    --locale-provider=icu --icu-locale=und >"$DIR/initdb.log" 2>&1 ||
    { cat "$DIR/initdb.log" >&2; exit 1; }
  SSL_OPTS=""
  tls_setup
  as_owner "$b/pg_ctl" start -D "$DATA" -w -t 30 -l "$DIR/server.log" \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100 -c shared_buffers=$SHARED_BUFFERS $SSL_OPTS" \
    >/dev/null || { cat "$DIR/server.log" >&2; exit 1; }
  as_owner "$b/createdb" -h "$DIR" -p "$PORT" -U postgres "$DB"
  if [ -n "$SSL_OPTS" ]; then
    as_owner "$b/psql" -q -h "$DIR" -p "$PORT" -U postgres -d "$DB" \
      -c "CREATE ROLE ticket_tls LOGIN SUPERUSER PASSWORD '$PASSWORD'" >/dev/null
  fi
  say "running in $DIR on 127.0.0.1:$PORT"
  exports
}

stop() {
  local b
  b=$(bin_dir)
  if running; then
    as_owner "$b/pg_ctl" stop -D "$DATA" -m fast -w >/dev/null
    say "stopped"
  fi
  rm -rf "$DIR"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env)
    if running; then exports; else say "not running"; exit 1; fi
    ;;
  *)
    echo "usage: $0 start|stop|env" >&2
    exit 2
    ;;
esac
