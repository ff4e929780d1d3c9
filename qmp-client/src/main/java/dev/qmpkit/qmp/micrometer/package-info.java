/**
 * Micrometer meters for the QMP and guest agent clients ({@link dev.qmpkit.qmp.micrometer.MicrometerQmpMetrics}):
 * usable only with {@code io.micrometer:micrometer-core} on the class path, an optional dependency of qmp-client.
 */
package dev.qmpkit.qmp.micrometer;
