/**
 * The built-in test guest: a tiny Multiboot kernel, shipped as bytes in {@link
 * dev.qmpkit.templating.guest.BuiltinGuest}, that fills a known memory pattern and counts timer
 * ticks, and {@link dev.qmpkit.templating.guest.SerialLog}, which reads what it prints.
 */
package dev.qmpkit.templating.guest;
