/** Typed requests and replies (records) for the QMP commands the SDK uses. */
package dev.qmpkit.qmp.command;
