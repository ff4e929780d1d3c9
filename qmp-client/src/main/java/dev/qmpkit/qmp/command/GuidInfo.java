package dev.qmpkit.qmp.command;

import java.util.Objects;

/**
 * The reply of {@code query-vm-generation-id}: the {@code vmgenid} device's GUID.
 *
 * @param guid the GUID, e.g. {@code 5c3ea6e4-59a7-4a07-b2b8-9f1e3d8e6f11}; never null
 */
public record GuidInfo(String guid) {
    /**
     * Validates.
     *
     * @param guid the GUID, e.g. {@code 5c3ea6e4-59a7-4a07-b2b8-9f1e3d8e6f11}; never null
     */
    public GuidInfo {
        Objects.requireNonNull(guid, "guid");
    }
}
