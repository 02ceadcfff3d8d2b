#!/bin/bash
# Container health check: healthy when Kamailio answers an OPTIONS sent to
# itself with 200 (kamailio.cfg answers probes of the balancer). Bash's
# /dev/udp and coreutils only: nothing to install in the image.
#   healthcheck.sh [port]   (default 5060)
set -u
port="${1:-5060}"
exec 3<>"/dev/udp/127.0.0.1/${port}" || exit 1
printf -v request 'OPTIONS sip:127.0.0.1:%s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;rport;branch=z9hG4bKhealth%s\r\nFrom: <sip:health@localhost>;tag=%s\r\nTo: <sip:127.0.0.1:%s>\r\nCall-ID: health-%s@localhost\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 2\r\nContent-Length: 0\r\n\r\n' \
  "$port" "$$" "$$" "$port" "$$"
# One datagram: printf straight to the socket would send a line per write; cat writes what it read at once.
cat >&3 < <(printf '%s' "$request")
# head reads the whole answer in one read and keeps the status line's start.
answer="$(timeout 2 head -c 12 <&3)"
[ "$answer" = "SIP/2.0 200 " ]
