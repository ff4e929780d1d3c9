package dev.qmpkit.templating.inspect;

import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.templating.inspect.internal.MemoryProbe;

/**
 * Reads a running VM's memory backends over QMP: {@code qom-list /objects}, {@code qom-get} of
 * each backend's properties, {@code /machine}'s {@code memory-backend} link,
 * {@code query-memory-devices} (DIMMs, virtio-mem) and {@code query-memory-size-summary}.
 * Works on any QEMU with a QMP monitor, not only ones this SDK started.
 */
public final class MemoryBackendInspector {
    private MemoryBackendInspector() {
    }

    /**
     * Inspects the VM. Blocks for one round trip per backend property; do not call on the
     * client's I/O thread.
     *
     * @param client a connected client; never null
     * @return the memory layout
     * @throws dev.qmpkit.qmp.QmpException when QEMU cannot be queried
     */
    public static MemoryLayout inspect(QmpClient client) {
        return MemoryProbe.inspect(client);
    }
}
