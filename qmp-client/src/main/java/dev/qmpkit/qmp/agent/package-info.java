/**
 * The QEMU guest agent (qemu-ga) client: reach into a guest to run programs, move files, read
 * and set its clock and query its network, with the QMP client's exception family and I/O core.
 */
package dev.qmpkit.qmp.agent;
