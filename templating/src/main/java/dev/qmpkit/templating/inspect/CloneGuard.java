package dev.qmpkit.templating.inspect;

import dev.qmpkit.qmp.QmpClient;
import java.util.Objects;

/**
 * The last check of a clone: run after its QEMU started paused ({@code -S}) and loaded the
 * template's state, before {@code cont} lets its vCPUs run. It judges the VM QEMU really runs,
 * not the options it was started with: every device by its QOM type and ancestry (a
 * {@code virtio-balloon-pci-non-transitional}, or a balloon that came through extra arguments,
 * is still a balloon), every memory backend by its properties. Nothing in the guest can discard
 * RAM before this check, because the guest has not run; virtio-mem discards at realize, which
 * is why a virtio-mem on a template file is refused when the template is saved.
 */
public final class CloneGuard {
    private CloneGuard() {
    }

    /**
     * Checks the paused clone with {@link ReadinessChecker} in the {@link VmRole#CLONE} role.
     * Read-only; blocks for a few dozen QMP round trips; do not call on the client's I/O thread.
     *
     * @param client a connected client of the paused clone; never null
     * @param features from {@link QemuFeatures#detect} on the same QEMU binary; never null
     * @return the report (ready; warnings and information only)
     * @throws UnsafeCloneException when the report has an error: do not {@code cont}, stop the clone
     * @throws dev.qmpkit.qmp.QmpException when QEMU cannot be queried
     */
    public static ReadinessReport verifyBeforeResume(QmpClient client, QemuFeatures features) {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(features, "features");
        ReadinessReport report = ReadinessChecker.check(client, VmRole.CLONE, features);
        if (!report.isReady()) {
            throw new UnsafeCloneException(report);
        }
        return report;
    }
}
