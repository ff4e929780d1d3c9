package dev.qmpkit.qmp.command;

import java.util.Objects;

/**
 * A migration capability and whether it is on ({@code MigrationCapabilityStatus}), as
 * {@code query-migrate-capabilities} returns and {@code migrate-set-capabilities} takes.
 * The name is a string because the set differs by QEMU version; ask
 * {@link dev.qmpkit.qmp.schema.QmpSchema#hasMigrationCapability} whether one exists.
 *
 * @param capability QEMU's name, e.g. {@code x-ignore-shared}; never null
 * @param state whether it is on
 */
public record MigrationCapabilityStatus(String capability, boolean state) {
    /**
     * Validates.
     *
     * @param capability QEMU's name, e.g. {@code x-ignore-shared}; never null
     * @param state whether it is on
     */
    public MigrationCapabilityStatus {
        Objects.requireNonNull(capability, "capability");
    }
}
