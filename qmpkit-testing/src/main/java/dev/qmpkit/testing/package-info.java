/**
 * A test kit for code that talks QMP: {@link dev.qmpkit.testing.FakeMonitor}, a scriptable QEMU
 * monitor with faults on demand, and {@link dev.qmpkit.testing.RecordedQemu}, conversations
 * recorded from QEMU 10.0 and 7.2.
 */
package dev.qmpkit.testing;
