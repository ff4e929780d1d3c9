package dev.qmpkit.qmp;

import java.util.List;

/**
 * The greeting QEMU sends when a client connects: its version, package string and the
 * capabilities it offers (e.g. {@code oob}).
 *
 * @param version QEMU's version; never null
 * @param packageName the distribution's package string, e.g. {@code Debian 1:10.0.2+ds-2}; never null, may be empty
 * @param capabilities capabilities offered; never null, immutable
 */
public record Greeting(QemuVersion version, String packageName, List<String> capabilities) {
    /**
     * Copies the capability list.
     *
     * @param version QEMU's version; never null
     * @param packageName the distribution's package string, e.g. {@code Debian 1:10.0.2+ds-2}; never null, may be empty
     * @param capabilities capabilities offered; never null, immutable
     */
    public Greeting {
        capabilities = List.copyOf(capabilities);
    }

    /**
     * @param capability a capability name, e.g. {@code oob}
     * @return whether QEMU offered it
     */
    public boolean offers(String capability) {
        return capabilities.contains(capability);
    }
}
