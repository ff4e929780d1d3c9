/** The asynchronous QMP client: connection, options, greeting, events, listeners and the exception family. */
package dev.qmpkit.qmp;
