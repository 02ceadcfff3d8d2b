#!/bin/sh
# Mosquitto's start in docker/compose.yaml: builds its password file from the
# compose secrets, then runs the broker. The sensors' accounts come as a
# mosquitto_passwd file (secret mqtt_sensor_passwords; add a sensor with
# `mosquitto_passwd docker/secrets/mqtt_sensor_passwords <sensor id>`), the
# gateway nodes' account from its password (secret mqtt_gateway_password),
# which the nodes get as sensors.bridge.password.
set -eu
secrets="${SECRETS_DIR:-/run/secrets}"
passwd="${PASSWD_FILE:-/mosquitto/run/passwd}"
mkdir -p "$(dirname "$passwd")"
umask 077
sensors="$secrets/mqtt_sensor_passwords"
[ -r "$sensors" ] || { echo "start.sh: $sensors is missing (docker/make-secrets.sh makes an empty one)" >&2; exit 1; }
# A sensor account named like the gateway's would take its place: dropped (grep's 1 is "no line left").
grep -v '^gateway:' "$sensors" > "$passwd" || [ $? = 1 ]
mosquitto_passwd -b "$passwd" gateway "$(cat "$secrets/mqtt_gateway_password")"
# Mosquitto reads it after dropping root for its own user.
if [ "$(id -u)" = 0 ] && id mosquitto > /dev/null 2>&1; then chown mosquitto "$passwd"; fi
exec mosquitto -c "${MOSQUITTO_CONF:-/mosquitto/config/mosquitto.conf}"
