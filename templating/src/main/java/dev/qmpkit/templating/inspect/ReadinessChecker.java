package dev.qmpkit.templating.inspect;

import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.templating.inspect.internal.ReadinessProbe;

/**
 * Checks a running VM against everything QEMU's VM templating guide
 * ({@code docs/system/vm-templating.rst}) warns about, for the role it is to play:
 * RAM not in shared file backends, vhost-user and multi-process QEMU, virtio-balloon free
 * page reporting or inflation, virtio-mem, {@code release-ram}/{@code postcopy-ram},
 * {@code mapped-ram} with {@code x-ignore-shared}, and identifiers clones would share (NIC
 * MACs, UUID, a missing vmgenid). Read-only: it never changes the VM.
 */
public final class ReadinessChecker {
    private ReadinessChecker() {
    }

    /**
     * Checks the VM. Blocks for a few dozen QMP round trips; do not call on the client's I/O thread.
     *
     * @param client a connected client; never null
     * @param role what the VM is to be; never null
     * @return the report; {@link ReadinessReport#isReady()} is false when any finding is an error
     * @throws dev.qmpkit.qmp.QmpException when QEMU cannot be queried
     */
    public static ReadinessReport check(QmpClient client, VmRole role) {
        return ReadinessProbe.check(client, role, QemuFeatures.detect(client));
    }

    /**
     * Checks the VM with features already detected (saves the schema round trip).
     *
     * @param client a connected client; never null
     * @param role what the VM is to be; never null
     * @param features from {@link QemuFeatures#detect} on the same QEMU; never null
     * @return the report
     */
    public static ReadinessReport check(QmpClient client, VmRole role, QemuFeatures features) {
        return ReadinessProbe.check(client, role, features);
    }
}
