/** Runs QEMU as a child process with a private QMP socket, and builds QEMU option strings safely. */
package dev.qmpkit.qmp.launch;
