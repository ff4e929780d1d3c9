#!/bin/sh
# Assembles the entropy fix-up's reseed helper into a static x86-64 ELF executable.
# Usage: build-reseed.sh OUTPUT   (needs GNU binutils: as, ld, strip)
# After a change to reseed.S, paste `base64 -w0 OUTPUT` into ReseedHelper.BASE64
# (templating/src/main/java/dev/qmpkit/templating/fixup/internal); ReseedHelperTest fails until both agree.
set -eu
out=${1:?usage: build-reseed.sh OUTPUT}
src=$(dirname "$0")/reseed.S
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
as --64 -o "$tmp/reseed.o" "$src"
ld -m elf_x86_64 --build-id=none -static -nostdlib -N --no-warn-rwx-segments -e _start -o "$tmp/reseed" "$tmp/reseed.o"
strip -s -R .comment "$tmp/reseed" -o "$out"
