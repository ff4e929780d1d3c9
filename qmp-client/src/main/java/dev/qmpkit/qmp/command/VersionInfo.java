package dev.qmpkit.qmp.command;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.qmpkit.qmp.QemuVersion;
import java.util.Objects;

/**
 * The reply of {@code query-version}.
 *
 * @param qemu the version; never null
 * @param packageName the distribution's package string ({@code package}), e.g.
 *                    {@code Debian 1:10.0.2+ds-2}; never null, may be empty
 */
public record VersionInfo(QemuVersion qemu, @JsonProperty("package") String packageName) {
    /**
     * Validates.
     *
     * @param qemu the version; never null
     * @param packageName the distribution's package string ({@code package}), e.g.
     *     {@code Debian 1:10.0.2+ds-2}; never null, may be empty
     */
    public VersionInfo {
        Objects.requireNonNull(qemu, "qemu");
        packageName = packageName == null ? "" : packageName;
    }
}
