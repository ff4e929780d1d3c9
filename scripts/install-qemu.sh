#!/usr/bin/env bash
# Installs the QEMU builds the SDK is tested against, when they are missing: QEMU 10.0 from
# bookworm-backports as the system qemu-system-x86_64, and QEMU 7.2 from bookworm's packages,
# unpacked (not installed) into $QMPKIT_CACHE/qemu-7.2, so both versions live side by side.
# With --guest-agent, also the QEMU guest agent (package qemu-guest-agent, /usr/sbin/qemu-ga).
# The steps are scripts/install.sh's (./qmpkit install-qemu runs this).
set -euo pipefail
steps=(qemu10 qemu72)
for arg in "$@"; do
  case "$arg" in
    --guest-agent) steps+=(guest-agent) ;;
    *) printf '[install-qemu] unknown option %s (usage: %s [--guest-agent])\n' "$arg" "$0" >&2; exit 2 ;;
  esac
done
exec "$(dirname "$0")/install.sh" "${steps[@]}"
