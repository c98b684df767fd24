#!/usr/bin/env bash
# The integration tests run real peers from Debian packages: sipp (sip-tester), Kamailio with TLS,
# Prometheus, openssl, Redis 7 (redis-server; redis-cli comes with redis-tools). Installs what is
# missing (as root, with apt-get); otherwise says what to install.
set -euo pipefail
need=()
command -v openssl >/dev/null || need+=(openssl)
command -v prometheus >/dev/null || need+=(prometheus)
command -v sipp >/dev/null || need+=(sip-tester)
command -v redis-server >/dev/null || need+=(redis-server)
command -v redis-cli >/dev/null || need+=(redis-tools)
if ! command -v kamailio >/dev/null || [ ! -e /usr/lib/x86_64-linux-gnu/kamailio/modules/tls.so ]; then
  need+=(kamailio kamailio-tls-modules)
fi
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "installing test peers: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  echo "missing test tools; install the Debian packages: ${need[*]}" >&2
  exit 1
fi
