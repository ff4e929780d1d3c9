package dev.qmpkit.samples.cli;

import java.util.Iterator;
import java.util.List;

/** The values of options that take one of a few words, for checking, help and bash completion. */
final class Choices {
    static final List<String> GUESTS = List.of("builtin", "linux");
    static final List<String> ACCELS = List.of("tcg", "kvm", "auto");
    static final List<String> ROLES = List.of("template", "clone");

    private Choices() {
    }

    /** {@code --guest}. */
    static final class Guests implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return GUESTS.iterator();
        }
    }

    /** {@code --accel}. */
    static final class Accels implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return ACCELS.iterator();
        }
    }

    /** {@code --role}. */
    static final class Roles implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return ROLES.iterator();
        }
    }
}
