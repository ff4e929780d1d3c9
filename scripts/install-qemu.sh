#!/usr/bin/env bash
# Installs the QEMU builds the SDK is tested against, when they are missing:
#   - QEMU 10.0 from bookworm-backports, as the system qemu-system-x86_64;
#   - QEMU 7.2 from bookworm's own packages, unpacked (not installed) into
#     $QMPKIT_CACHE/qemu-7.2, so both versions live side by side.
# With --guest-agent, also the QEMU guest agent (Debian package qemu-guest-agent,
# /usr/sbin/qemu-ga), which the agent client's tests run on the host.
# Idempotent: does nothing when everything is already there. Needs root for apt-get;
# as another user it prints the commands to run instead.
set -euo pipefail

CACHE="${QMPKIT_CACHE:-$HOME/.cache/qmpkit}"
Q72="$CACHE/qemu-7.2"
BACKPORTS_FILE=/etc/apt/sources.list.d/qmpkit-bookworm-backports.sources

log() { printf '[install-qemu] %s\n' "$*" >&2; }

need_root() {
  if [ "$(id -u)" -ne 0 ]; then
    log "QEMU is missing and installing it needs root. Run as root:"
    log "  sudo $0"
    log "or install it yourself: apt-get install -t bookworm-backports qemu-system-x86"
    exit 1
  fi
}

apt_updated=0
apt_update() {
  if [ "$apt_updated" -eq 0 ]; then
    log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    apt_updated=1
  fi
}

system_qemu_major() {
  command -v qemu-system-x86_64 >/dev/null 2>&1 || { echo 0; return; }
  qemu-system-x86_64 --version | sed -n 's/^QEMU emulator version \([0-9]*\)\..*/\1/p' | head -n1
}

install_qemu10() {
  local major
  major=$(system_qemu_major)
  if [ "${major:-0}" -ge 8 ]; then
    log "system QEMU $(qemu-system-x86_64 --version | head -n1 | awk '{print $4}') present"
    return
  fi
  need_root
  if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    local uris signed
    uris=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    signed=$(awk '/^Signed-By:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    : "${uris:=http://deb.debian.org/debian}"
    : "${signed:=/usr/share/keyrings/debian-archive-keyring.gpg}"
    log "adding bookworm-backports ($BACKPORTS_FILE)"
    cat > "$BACKPORTS_FILE" <<SRC
Types: deb
URIs: $uris
Suites: bookworm-backports
Components: main
Signed-By: $signed
SRC
    apt_updated=0
  fi
  apt_update
  log "installing qemu-system-x86 from bookworm-backports"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends -t bookworm-backports \
    qemu-system-x86 qemu-utils >&2
}

# The newest 7.2 version bookworm (not backports) offers for a package.
bookworm_version() {
  apt-cache madison "$1" | awk -F'|' '$2 ~ /7\.2|1\.16/ && $3 !~ /backports/ {gsub(/ /,"",$2); print $2; exit}'
}

install_qemu72() {
  if [ -x "$Q72/usr/bin/qemu-system-x86_64" ] && "$Q72/usr/bin/qemu-system-x86_64" \
      -L "$Q72/usr/share/qemu" -L "$Q72/usr/share/seabios" --version >/dev/null 2>&1; then
    log "QEMU 7.2 present in $Q72"
    return
  fi
  apt_update_if_possible
  local tmp pkg ver
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' RETURN
  for pkg in qemu-system-x86 qemu-system-common qemu-system-data seabios; do
    ver=$(bookworm_version "$pkg")
    if [ -z "$ver" ]; then
      log "cannot find a bookworm version of $pkg (apt-cache madison $pkg)"; exit 1
    fi
    log "downloading $pkg=$ver"
    (cd "$tmp" && apt-get download -qq "$pkg=$ver" >&2)
  done
  rm -rf "$Q72.partial"
  mkdir -p "$Q72.partial"
  for deb in "$tmp"/*.deb; do dpkg -x "$deb" "$Q72.partial"; done
  rm -rf "$Q72"
  mv "$Q72.partial" "$Q72"
  log "QEMU 7.2 unpacked into $Q72: $("$Q72/usr/bin/qemu-system-x86_64" -L "$Q72/usr/share/qemu" --version | head -n1)"
}

apt_update_if_possible() {
  # apt-get download works as any user, but the lists must exist.
  if [ "$(id -u)" -eq 0 ]; then apt_update; fi
}

# Never apt's bare exit code: name the package and the fix.
install_qemu_ga() {
  local ga="${QMPKIT_QEMU_GA:-/usr/sbin/qemu-ga}"
  if [ -x "$ga" ]; then
    log "qemu-ga present ($("$ga" -V 2>/dev/null | head -n1))"
    return
  fi
  if [ "$(id -u)" -ne 0 ]; then
    log "the guest agent tests need $ga, from the Debian package qemu-guest-agent, and installing it needs root."
    log "fix: run as root: apt-get install qemu-guest-agent"
    exit 1
  fi
  if ! apt_update; then
    log "cannot install the Debian package qemu-guest-agent: apt-get update failed (see above)."
    log "fix: check the network and /etc/apt/sources.list*, then run: apt-get install qemu-guest-agent"
    exit 1
  fi
  log "installing qemu-guest-agent (the tests run its qemu-ga on the host, by PID; its service needs a VM and stays off)"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-guest-agent >&2; then
    log "cannot install the Debian package qemu-guest-agent: apt-get install failed (see above)."
    log "fix: apt-get update && apt-get install qemu-guest-agent (needs bookworm's main repository)"
    exit 1
  fi
  if [ ! -x "$ga" ]; then
    log "the Debian package qemu-guest-agent is installed but $ga is missing."
    log "fix: apt-get install --reinstall qemu-guest-agent"
    exit 1
  fi
  log "installed $("$ga" -V 2>/dev/null | head -n1)"
}

with_agent=0
for arg in "$@"; do
  case "$arg" in
    --guest-agent) with_agent=1 ;;
    *) log "unknown option $arg (usage: $0 [--guest-agent])"; exit 2 ;;
  esac
done

mkdir -p "$CACHE"
install_qemu10
install_qemu72
if [ "$with_agent" -eq 1 ]; then
  install_qemu_ga
fi
