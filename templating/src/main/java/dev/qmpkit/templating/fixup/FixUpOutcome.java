package dev.qmpkit.templating.fixup;

import java.util.Objects;

/**
 * What a {@link FixUp} that succeeded reports: a line for people and, optionally, a value for
 * programs (the built-ins' {@code Result} records).
 *
 * @param summary one line, e.g. {@code skew -15021 ms -> 2 ms}; never null
 * @param detail a value the caller can read back with {@link FixUpResult#detail(Class)}, or null
 */
public record FixUpOutcome(String summary, Object detail) {

    /**
     * Validates.
     *
     * @param summary one line; never null
     * @param detail a value for programs, or null
     */
    public FixUpOutcome {
        Objects.requireNonNull(summary, "summary");
    }

    /**
     * @param summary one line; never null
     * @return an outcome without detail
     */
    public static FixUpOutcome of(String summary) {
        return new FixUpOutcome(summary, null);
    }

    /**
     * @param summary one line; never null
     * @param detail a value for programs, or null
     * @return the outcome
     */
    public static FixUpOutcome of(String summary, Object detail) {
        return new FixUpOutcome(summary, detail);
    }
}
