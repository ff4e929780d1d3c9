/** Implementation: Netty pipeline, transports, framing, id routing, timeouts, event dispatch. Not public API. */
package dev.qmpkit.qmp.internal;
