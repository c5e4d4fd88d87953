#!/usr/bin/env bash
# Install Debian packages if their command is missing: bash scripts/apt_install.sh CMD PACKAGE [...]
# (pairs of the command to look for and the package that provides it). A package's own service
# (nginx on :80) is never started: a policy-rc.d forbidding service starts is in place meanwhile.
set -euo pipefail
missing=()
while [ $# -ge 2 ]; do
  if ! command -v "$1" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$1" ]; then missing+=("$2"); fi
  shift 2
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
own_policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo_cmd tee /usr/sbin/policy-rc.d >/dev/null
  $sudo_cmd chmod 755 /usr/sbin/policy-rc.d
  own_policy=1
fi
$sudo_cmd apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
if [ -n "$own_policy" ]; then $sudo_cmd rm -f /usr/sbin/policy-rc.d; fi
