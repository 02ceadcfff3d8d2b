#!/bin/sh
# The gateway image's entrypoint (after tini): each compose secret named like
# an environment variable the gateway reads becomes that variable, so a secret
# is configured like any other setting without being written in the compose
# file, shown by `docker inspect` or baked into the image:
#   /run/secrets/GATEWAY_AUTH__ADMIN_KEY → auth.adminKey
#   /run/secrets/PGPASSWORD              → the password for store.postgres.url
set -eu
dir="${SECRETS_DIR:-/run/secrets}"
for file in "$dir"/GATEWAY_* "$dir"/PGPASSWORD; do
  [ -f "$file" ] || continue # a pattern that matched nothing
  name="${file##*/}"
  case "$name" in
    *[!A-Za-z0-9_]*) echo "secrets-env: $file is not named like an environment variable; not read" >&2; continue ;;
  esac
  value="$(cat "$file")"
  export "$name=$value"
done
exec "$@"
