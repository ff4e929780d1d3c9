#!/usr/bin/env bash
# Installs what qmpkit needs, by named steps, each only when it is missing:
#   java-maven    Java 17 and Maven                       (openjdk-17-jdk-headless, maven)
#   qemu10        QEMU 10.0, the system qemu-system-x86_64 (qemu-system-x86 and qemu-utils from bookworm-backports)
#   qemu72        QEMU 7.2 unpacked, not installed, into $QMPKIT_CACHE/qemu-7.2 (bookworm's qemu-system-x86 and
#                 its firmware packages, fetched with apt-get download)
#   guest-agent   the guest agent qemu-ga                 (qemu-guest-agent)
#   guest-tools   what the Linux guest builder runs: mke2fs, dpkg-deb, apt-get (e2fsprogs, dpkg, apt)
#   qemu-img      qemu-img, for the tests' disk overlays  (qemu-utils)
# Usage: scripts/install.sh STEP...   e.g. scripts/install.sh java-maven qemu10
# apt-get needs root; as another user each missing step prints the command to run as root. When apt
# fails (no network, no such package), the message names the package and the fix, never only apt's
# exit code. ./qmpkit runs this; so does scripts/install-qemu.sh.
set -euo pipefail

CACHE="${QMPKIT_CACHE:-$HOME/.cache/qmpkit}"
Q72="$CACHE/qemu-7.2"
# Where apt's sources are; a test points it at a folder of its own.
APT_SOURCES_DIR="${QMPKIT_APT_SOURCES_DIR:-/etc/apt/sources.list.d}"
BACKPORTS_FILE="$APT_SOURCES_DIR/qmpkit-bookworm-backports.sources"
# Where the tools apt installs may be besides the PATH; a test empties it.
SBIN_DIRS="${QMPKIT_SBIN_DIRS-/usr/sbin /sbin}"
NETWORK_FIX="check the network and the apt sources ($APT_SOURCES_DIR), then run as root"

log() { printf '[install] %s\n' "$*" >&2; }

# fail WHAT FIX: the one way a step gives up.
fail() {
  log "cannot install $1."
  log "fix: $2"
  exit 1
}

is_root() { [ "$(id -u)" -eq 0 ]; }

# need_root WHAT PACKAGES...: as another user, say what to run as root.
need_root() {
  local what=$1; shift
  if ! is_root; then
    fail "$what (Debian package: $*): apt-get needs root" "run as root: apt-get install $*   (or: sudo $0 ${STEPS[*]})"
  fi
}

have() {
  command -v "$1" >/dev/null 2>&1 && return 0
  local d
  for d in $SBIN_DIRS; do [ -x "$d/$1" ] && return 0; done
  return 1
}

apt_updated=0
# apt_update WHAT PACKAGES FIX: once per run; a failure names what it was for and how to fix it.
apt_update() {
  local what=$1 packages=$2 fix=$3
  [ "$apt_updated" -eq 1 ] && return 0
  log "apt-get update"
  local rc=0
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || rc=$?
  if [ "$rc" -ne 0 ]; then
    fail "$what (Debian package: $packages): apt-get update failed with exit code $rc (apt's message is above)" "$fix"
  fi
  apt_updated=1
}

# apt_install WHAT [-t RELEASE] PACKAGES...
apt_install() {
  local what=$1; shift
  local release=()
  if [ "$1" = -t ]; then release=(-t "$2"); shift 2; fi
  need_root "$what" "$@"
  local from="" fix
  if [ "${#release[@]}" -gt 0 ]; then from=" from ${release[1]}"; fi
  fix="$NETWORK_FIX: apt-get update && apt-get install ${release[*]}${release:+ }$*"
  apt_update "$what" "$*$from" "$fix"
  log "installing $*$from ($what)"
  local rc=0
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${release[@]}" "$@" >&2 || rc=$?
  if [ "$rc" -ne 0 ]; then
    fail "$what (Debian package: $*$from): apt-get install failed with exit code $rc (apt's message is above)" "$fix"
  fi
}

step_java_maven() {
  local missing=()
  have java || missing+=(openjdk-17-jdk-headless)
  have mvn || missing+=(maven)
  if [ "${#missing[@]}" -eq 0 ]; then return; fi
  apt_install "Java 17 and Maven, which build qmpkit" "${missing[@]}"
}

system_qemu_major() {
  have qemu-system-x86_64 || { echo 0; return; }
  qemu-system-x86_64 --version 2>/dev/null | sed -n 's/^QEMU emulator version \([0-9]*\)\..*/\1/p' | head -n1
}

step_qemu10() {
  local major
  major=$(system_qemu_major)
  if [ "${major:-0}" -ge 8 ]; then
    log "system QEMU $(qemu-system-x86_64 --version | head -n1 | awk '{print $4}') present"
    return
  fi
  local what="QEMU 10.0, the system qemu-system-x86_64"
  need_root "$what" qemu-system-x86 qemu-utils
  if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list "$APT_SOURCES_DIR"/; then
    local uris signed
    uris=$(awk '/^URIs:/ {print $2; exit}' "$APT_SOURCES_DIR/debian.sources" 2>/dev/null || true)
    signed=$(awk '/^Signed-By:/ {print $2; exit}' "$APT_SOURCES_DIR/debian.sources" 2>/dev/null || true)
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
  apt_install "$what" -t bookworm-backports qemu-system-x86 qemu-utils
}

# The newest 7.2 version bookworm (not backports) offers for a package.
bookworm_version() {
  apt-cache madison "$1" 2>/dev/null | awk -F'|' '$2 ~ /7\.2|1\.16/ && $3 !~ /backports/ {gsub(/ /,"",$2); print $2; exit}' || true
}

step_qemu72() {
  if [ -x "$Q72/usr/bin/qemu-system-x86_64" ] && "$Q72/usr/bin/qemu-system-x86_64" \
      -L "$Q72/usr/share/qemu" -L "$Q72/usr/share/seabios" --version >/dev/null 2>&1; then
    log "QEMU 7.2 present in $Q72"
    return
  fi
  local what="QEMU 7.2, unpacked into $Q72"
  local pkgs=(qemu-system-x86 qemu-system-common qemu-system-data seabios)
  local fix72="$NETWORK_FIX: apt-get update, with bookworm's main repository in the sources; then ./qmpkit install-qemu"
  # apt-get download works as any user, but the package lists must be there.
  if is_root; then apt_update "$what" "${pkgs[*]} 7.2, downloaded, not installed" "$fix72"; fi
  local tmp pkg ver
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' RETURN
  for pkg in "${pkgs[@]}"; do
    ver=$(bookworm_version "$pkg")
    if [ -z "$ver" ]; then
      fail "$what: apt knows no bookworm 7.2 version of the Debian package $pkg (apt-cache madison $pkg)" "$fix72"
    fi
    log "downloading $pkg=$ver"
    local rc=0
    (cd "$tmp" && apt-get download -qq "$pkg=$ver" >&2) || rc=$?
    if [ "$rc" -ne 0 ]; then
      fail "$what: apt-get download $pkg=$ver failed with exit code $rc (apt's message is above)" "$fix72"
    fi
  done
  rm -rf "$Q72.partial"
  mkdir -p "$Q72.partial"
  for deb in "$tmp"/*.deb; do dpkg -x "$deb" "$Q72.partial"; done
  rm -rf "$Q72"
  mv "$Q72.partial" "$Q72"
  log "QEMU 7.2 unpacked into $Q72: $("$Q72/usr/bin/qemu-system-x86_64" -L "$Q72/usr/share/qemu" --version | head -n1)"
}

step_guest_agent() {
  local ga="${QMPKIT_QEMU_GA:-/usr/sbin/qemu-ga}"
  if [ -x "$ga" ]; then
    log "qemu-ga present ($("$ga" -V 2>/dev/null | head -n1))"
    return
  fi
  # The tests run its qemu-ga on the host, by PID; its service needs a VM and stays off.
  apt_install "the guest agent $ga, which the agent tests run on the host" qemu-guest-agent
  if [ ! -x "$ga" ]; then
    fail "the guest agent: the Debian package qemu-guest-agent is installed but $ga is missing" \
      "apt-get install --reinstall qemu-guest-agent"
  fi
  log "installed $("$ga" -V 2>/dev/null | head -n1)"
}

# tools WHAT TOOL:PACKAGE...
tools() {
  local what=$1; shift
  local missing=() t pkg
  for t in "$@"; do
    pkg=${t#*:}; t=${t%%:*}
    have "$t" || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -eq 0 ]; then return; fi
  apt_install "$what" "${missing[@]}"
}

step_guest_tools() {
  tools "the host tools the Linux guest builder runs (mke2fs, dpkg-deb, apt-get)" \
    mke2fs:e2fsprogs dpkg-deb:dpkg apt-get:apt
}

step_qemu_img() {
  tools "qemu-img, for the tests' disk overlays" qemu-img:qemu-utils
}

STEPS=("$@")
if [ "${#STEPS[@]}" -eq 0 ]; then
  log "usage: $0 STEP... (java-maven qemu10 qemu72 guest-agent guest-tools qemu-img)"
  exit 2
fi
for s in "${STEPS[@]}"; do
  case "$s" in
    java-maven|qemu10|qemu72|guest-agent|guest-tools|qemu-img) ;;
    *) log "unknown step $s (usage: $0 STEP..., steps: java-maven qemu10 qemu72 guest-agent guest-tools qemu-img)"
       exit 2 ;;
  esac
done
mkdir -p "$CACHE"
for s in "${STEPS[@]}"; do
  "step_${s//-/_}"
done
