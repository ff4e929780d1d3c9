/** How {@link dev.qmpkit.templating.guest.LinuxGuest} is built (apt, ELF, cpio, mke2fs); not public API. */
package dev.qmpkit.templating.guest.internal;
