package dev.qmpkit.samples.cli;

import java.io.PrintStream;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * Progress lines for a person watching a long command: wall-clock time, seconds since the
 * command began, and the message, on standard error so standard output stays parseable.
 */
public final class Progress {
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    private final PrintStream err;
    private final long startNanos = System.nanoTime();
    private final boolean quiet;

    /**
     * @param err where lines go; never null
     * @param quiet when true, nothing is printed
     */
    public Progress(PrintStream err, boolean quiet) {
        this.err = Objects.requireNonNull(err, "err");
        this.quiet = quiet;
    }

    /** @param message one line; never null */
    public void step(String message) {
        if (quiet) {
            return;
        }
        double elapsed = (System.nanoTime() - startNanos) / 1e9;
        String line = String.format("[%s +%6.2fs] %s", LocalTime.now().truncatedTo(ChronoUnit.MILLIS).format(CLOCK),
                elapsed, message);
        synchronized (err) {
            err.println(line);
            err.flush();
        }
    }

    /** @param format a {@link String#format} pattern; never null @param args its arguments */
    public void step(String format, Object... args) {
        step(String.format(format, args));
    }

    /** @param message a note the user should read (a fallback taken, a risk); never null */
    public void note(String message) {
        if (!quiet) {
            synchronized (err) {
                err.println("note: " + message);
                err.flush();
            }
        }
    }
}
