#!/bin/sh
# PgBouncer's start in docker/compose.yaml: the one account it lets through
# (gateway), its password from the compose secret postgres_password (the
# same PostgreSQL checks behind it), then PgBouncer with pgbouncer.ini.
set -eu
secrets="${SECRETS_DIR:-/run/secrets}"
userlist="${USERLIST_FILE:-/etc/pgbouncer/userlist.txt}"
umask 077
# userlist.txt quotes with "; a " inside is written twice.
password="$(sed 's/"/""/g' "$secrets/postgres_password")"
printf '"%s" "%s"\n' "${PGBOUNCER_USER:-gateway}" "$password" > "$userlist"
exec pgbouncer "${PGBOUNCER_INI:-$(dirname "$0")/pgbouncer.ini}"
