package dev.qmpkit.samples.cli;

/**
 * The command line is wrong: an unknown subcommand or option, a missing or malformed value.
 * {@code Main} prints the message and the subcommand's usage line, and exits with code 2.
 */
public final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message what is wrong, naming the option; never null */
    public UsageException(String message) {
        super(message, null, false, false);
    }
}
