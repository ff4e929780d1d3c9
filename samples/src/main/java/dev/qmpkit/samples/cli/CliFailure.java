package dev.qmpkit.samples.cli;

import java.util.Objects;

/**
 * An expected failure the user can act on: one line saying what went wrong and one saying how
 * to fix it. {@code Main} prints both (never a stack trace) and exits with {@link #exitCode()}.
 */
public final class CliFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String fix;
    private final int exitCode;

    /**
     * @param message what went wrong; never null
     * @param fix what to do about it; null when there is nothing to suggest
     * @param cause the underlying failure, kept for {@code --debug}; may be null
     */
    public CliFailure(String message, String fix, Throwable cause) {
        this(message, fix, 1, cause);
    }

    /**
     * @param message what went wrong; never null
     * @param fix what to do about it; may be null
     * @param exitCode the process exit code, non-zero
     * @param cause the underlying failure; may be null
     */
    public CliFailure(String message, String fix, int exitCode, Throwable cause) {
        super(Objects.requireNonNull(message, "message"), cause);
        if (exitCode == 0) {
            throw new IllegalArgumentException("a failure needs a non-zero exit code");
        }
        this.fix = fix;
        this.exitCode = exitCode;
    }

    /** @return how to fix it, or null */
    public String fix() {
        return fix;
    }

    /** @return the exit code, non-zero */
    public int exitCode() {
        return exitCode;
    }
}
