/** A small Linux guest (Debian's cloud kernel + static busybox) built without root, for {@code demo --guest linux}. */
package dev.qmpkit.samples.linux;
