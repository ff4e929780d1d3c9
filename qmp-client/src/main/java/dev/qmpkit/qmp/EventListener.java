package dev.qmpkit.qmp;

/**
 * Receives QMP events, on the client's event executor (never on the I/O thread), in the
 * order QEMU sent them.
 */
@FunctionalInterface
public interface EventListener {
    /** @param event the event; never null */
    void onEvent(QmpEvent event);
}
