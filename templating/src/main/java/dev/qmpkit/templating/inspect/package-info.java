/** Memory-backend inspection, readiness findings, feature detection and guards for VM templating, on any running QEMU. */
package dev.qmpkit.templating.inspect;
