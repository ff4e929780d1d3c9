package dev.qmpkit.templating.internal;

import java.util.Objects;

/**
 * Quotes a string as one word for {@code /bin/sh}, for the {@code exec:} migration URI (QEMU
 * runs it with {@code sh -c}). Single quotes keep every character literal, newlines included;
 * an embedded single quote becomes {@code '\''}.
 */
public final class ShellQuote {
    private ShellQuote() {
    }

    /**
     * @param s any string without NUL; never null
     * @return {@code s} as a single shell word
     */
    public static String quote(String s) {
        Objects.requireNonNull(s, "s");
        if (s.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("a shell word cannot contain NUL");
        }
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
