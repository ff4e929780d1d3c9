/**
 * Post-clone fix-ups: what a clone of a running guest must change before it is handed out
 * (clock, entropy, hostname, machine id, network) and hooks of the user's, each with a failure
 * policy and reported in the clone's {@link dev.qmpkit.templating.CloneReport}.
 */
package dev.qmpkit.templating.fixup;
