/**
 * Guests to template: the built-in test guest (a tiny Multiboot kernel, shipped as bytes in
 * {@link dev.qmpkit.templating.guest.BuiltinGuest}, that fills a known memory pattern and counts
 * timer ticks), {@link dev.qmpkit.templating.guest.LinuxGuest}, a real Linux with the QEMU guest
 * agent built from Debian's packages, and {@link dev.qmpkit.templating.guest.SerialLog}, which
 * reads the {@code READY} and {@code COUNT} lines both print.
 */
package dev.qmpkit.templating.guest;
