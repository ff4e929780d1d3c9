#!/bin/sh
# Assembles the built-in test guest into a flat Multiboot image.
# Usage: build.sh OUTPUT.bin   (needs GNU binutils: as, ld, objcopy)
# After a change to counter.S, paste `base64 -w0 OUTPUT.bin` into GuestImage.BASE64 (templating/src/main/java/dev/qmpkit/templating/guest);
# BuiltinGuestTest fails until both agree.
set -eu
out=${1:?usage: build.sh OUTPUT.bin}
src=$(dirname "$0")/counter.S
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
as --32 -o "$tmp/counter.o" "$src"
ld -m elf_i386 --build-id=none -Ttext=0x100000 -e _start -o "$tmp/counter.elf" "$tmp/counter.o"
objcopy -O binary -j .text "$tmp/counter.elf" "$out"
