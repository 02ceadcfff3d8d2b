#!/bin/sh
# Makes the secrets docker/compose.yaml reads: one file each under
# docker/secrets/ (git ignores it), random, made once and then kept.
#   docker/make-secrets.sh [dir]
# The folder is the owner's only; the files stay readable inside it, because
# compose mounts them into containers that run as their own users (postgres,
# node, grafana…) and keeps the host's file modes.
set -eu
dir="${1:-$(dirname "$0")/secrets}"
mkdir -p "$dir"
chmod 700 "$dir"
random() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }
made() { chmod 644 "$dir/$1"; echo "made $dir/$1"; }
secret() { # name, random bytes
  [ -s "$dir/$1" ] && return 0
  random "$2" > "$dir/$1"
  made "$1"
}
secret admin_key 24             # the first admin API key of every node (auth.adminKey)
secret postgres_password 16     # PostgreSQL's gateway account (PostgreSQL, PgBouncer, the nodes)
secret influx_password 16       # InfluxDB's admin user
secret influx_token 32          # InfluxDB's operator token (the nodes write readings with it)
secret grafana_password 12      # Grafana's admin user
secret mqtt_gateway_password 16 # the nodes' Mosquitto account (sensors.bridge)
# The sensors' Mosquitto accounts, one per sensor, named like its id in its
# topic: mosquitto_passwd docker/secrets/mqtt_sensor_passwords <sensor id>
if [ ! -e "$dir/mqtt_sensor_passwords" ]; then
  : > "$dir/mqtt_sensor_passwords"
  made mqtt_sensor_passwords
fi
