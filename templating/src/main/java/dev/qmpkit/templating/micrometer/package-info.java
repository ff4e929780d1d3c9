/**
 * Micrometer meters for the templating workflows
 * ({@link dev.qmpkit.templating.micrometer.MicrometerTemplatingMetrics}): usable only with
 * {@code io.micrometer:micrometer-core} on the class path, an optional dependency of templating.
 */
package dev.qmpkit.templating.micrometer;
