package dev.qmpkit.templating.inspect;

import dev.qmpkit.templating.TemplatingException;
import java.util.Objects;

/**
 * Refusal to enable a migration capability that would break VM templating, raised by
 * {@link MigrationCapabilityGuard} before anything is sent to QEMU. A templating refusal, not a
 * QMP error: QEMU was not asked and would have accepted, so it is a {@link TemplatingException}
 * (catch that to handle every refusal of the templating guards), never a
 * {@link dev.qmpkit.qmp.QmpException}.
 */
public class UnsafeCapabilityException extends TemplatingException {
    private static final long serialVersionUID = 1L;

    /** The refused capability. */
    private final String capability;
    /** The role of the VM it was to be enabled on. */
    private final VmRole role;

    /**
     * @param capability the refused capability, e.g. {@code release-ram}; never null
     * @param role the role of the VM it was to be enabled on; never null
     * @param message why, and the fix; never null
     */
    public UnsafeCapabilityException(String capability, VmRole role, String message) {
        super(message);
        this.capability = Objects.requireNonNull(capability, "capability");
        this.role = Objects.requireNonNull(role, "role");
    }

    /** @return the refused capability; never null */
    public String capability() {
        return capability;
    }

    /** @return the role of the VM; never null */
    public VmRole role() {
        return role;
    }
}
