/** Implementation of the guest agent client: connection state, resynchronisation, one-at-a-time queue. Not public API. */
package dev.qmpkit.qmp.agent.internal;
