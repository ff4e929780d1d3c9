package dev.qmpkit.templating.inspect;

import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.templating.inspect.internal.CapabilityRules;
import java.util.Map;

/**
 * Sets migration capabilities on a template or clone, refusing combinations that break VM
 * templating: {@code release-ram} on any VM (it discards the source's RAM, which for a template
 * is the template file; the guide lists it as incompatible), {@code postcopy-ram} on a clone (it
 * discards RAM, which a clone's private file mapping cannot do safely), and {@code postcopy-ram} together with
 * {@code x-ignore-shared} on any VM (QEMU: "Postcopy is not compatible with ignore-shared").
 * The refusal happens before anything is sent to QEMU.
 */
public final class MigrationCapabilityGuard {
    private MigrationCapabilityGuard() {
    }

    /**
     * Checks a requested change without talking to QEMU.
     *
     * @param role the VM's role; never null
     * @param current capabilities already on ({@code true}) or off, by name; never null (may be empty)
     * @param requested capabilities to set, by name; never null
     * @throws UnsafeCapabilityException when the resulting set is unsafe for the role
     */
    public static void check(VmRole role, Map<String, Boolean> current, Map<String, Boolean> requested) {
        CapabilityRules.check(role, current, requested);
    }

    /**
     * Reads the current capabilities ({@code query-migrate-capabilities}), checks the change,
     * then sends {@code migrate-set-capabilities}. Blocks; do not call on the client's I/O thread.
     *
     * @param client a connected client; never null
     * @param role the VM's role; never null
     * @param requested capabilities to set, by name; never null
     * @throws UnsafeCapabilityException when refused (nothing was sent)
     * @throws dev.qmpkit.qmp.QmpException when QEMU refuses or cannot be reached
     */
    public static void setCapabilities(QmpClient client, VmRole role, Map<String, Boolean> requested) {
        CapabilityRules.set(client, role, requested);
    }
}
