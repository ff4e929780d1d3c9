package dev.qmpkit.qmp.command;

import java.util.Locale;

/**
 * Maps QAPI enum values ({@code postcopy-active}) to Java constants ({@code POSTCOPY_ACTIVE})
 * and back, for every enum of this package that mirrors a QAPI enum.
 */
final class QapiEnums {

    private QapiEnums() {
    }

    /** @return the constant for QEMU's {@code name}, or {@code unknown} for a name this SDK lacks */
    static <E extends Enum<E>> E fromQapi(Class<E> type, String name, E unknown) {
        try {
            return Enum.valueOf(type, name.toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            return unknown;
        }
    }

    /** @return QEMU's name for {@code constant} */
    static String qapiName(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
