package dev.qmpkit.templating.inspect;

import java.util.Locale;

/**
 * The {@code rom} property of a memory backend (QEMU 8.2 and later; absent on 7.2): whether
 * the guest sees the memory as read-only. {@code rom=off} with {@code readonly=on} is the clone
 * recipe: the file is opened read-only and mapped private and writable.
 */
public enum RomMode {
    /** The guest sees read-only memory. */
    ON,
    /** The guest may write (privately when {@code share=off}). */
    OFF,
    /** Follow {@code readonly}. */
    AUTO;

    /**
     * @param qemuValue QEMU's OnOffAuto value ({@code on}, {@code off}, {@code auto}); never null
     * @return the mode
     * @throws IllegalArgumentException for another value
     */
    public static RomMode fromQemu(String qemuValue) {
        return valueOf(qemuValue.toUpperCase(Locale.ROOT));
    }
}
