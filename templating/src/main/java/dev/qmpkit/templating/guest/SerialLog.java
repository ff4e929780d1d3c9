package dev.qmpkit.templating.guest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Predicate;

/**
 * What the {@linkplain BuiltinGuest built-in guest} printed on its serial port, parsed from the
 * file its {@code -chardev file} writes. Only complete lines count: a line QEMU is still
 * writing is ignored until its newline arrives.
 *
 * <p>A guest that booted prints {@code READY} once, then {@code COUNT} lines. A clone restored
 * from a template prints no {@code READY} (it was printed before the template was saved) and
 * its first count continues from the template's: {@code clone.firstCount() >
 * template.lastCount()}; a guest that rebooted instead would print {@code READY} and count
 * from 1 again.
 *
 * @param ready whether a {@code READY} line was seen (the pattern is complete)
 * @param counts every {@code COUNT} value, in order; never null, unmodifiable
 * @param failure the first {@code ERROR} or {@code FAULT} line (the guest halted), or empty;
 *                never null
 */
public record SerialLog(boolean ready, List<Long> counts, Optional<String> failure) {

    /** How often the {@code await} methods re-read the file. */
    private static final Duration POLL = Duration.ofMillis(20);
    private static final int TAIL_CHARS = 400;

    /**
     * Copies {@code counts}.
     *
     * @param ready whether a {@code READY} line was seen (the pattern is complete)
     * @param counts every {@code COUNT} value, in order; never null, unmodifiable
     * @param failure the first {@code ERROR} or {@code FAULT} line (the guest halted), or empty;
     *                       never null
     */
    public SerialLog {
        counts = List.copyOf(Objects.requireNonNull(counts, "counts"));
        Objects.requireNonNull(failure, "failure");
    }

    /**
     * @param text serial output; never null
     * @return the parsed log; never null
     */
    public static SerialLog parse(CharSequence text) {
        Objects.requireNonNull(text, "text");
        boolean ready = false;
        List<Long> counts = new ArrayList<>();
        String failure = null;
        String s = text.toString();
        int start = 0;
        for (int nl = s.indexOf('\n'); nl >= 0; start = nl + 1, nl = s.indexOf('\n', start)) {
            String line = s.substring(start, nl).strip();
            if (line.equals("READY")) {
                ready = true;
            } else if (line.startsWith("COUNT ")) {
                try {
                    counts.add(Long.parseUnsignedLong(line.substring(6).strip(), 16));
                } catch (NumberFormatException e) {
                    // Not the guest's line (e.g. firmware noise on the same port): ignore it.
                }
            } else if (failure == null && (line.startsWith("ERROR ") || line.startsWith("FAULT "))) {
                failure = line;
            }
        }
        return new SerialLog(ready, counts, Optional.ofNullable(failure));
    }

    /**
     * @param file the serial log file; never null
     * @return the parsed log; an empty log when the file does not exist yet
     * @throws IOException when the file exists but cannot be read
     */
    public static SerialLog read(Path file) throws IOException {
        return parse(readText(file));
    }

    /**
     * Re-reads the log until {@code condition} holds.
     *
     * @param file the serial log file; never null
     * @param condition what to wait for; never null
     * @param timeout how long to wait; never null
     * @return the first log that satisfies {@code condition}; never null
     * @throws IllegalStateException when the guest reports a failure, or the condition does not
     *         hold in time; the message names the file and ends with the log's tail
     * @throws IOException when the file cannot be read
     * @throws InterruptedException when interrupted while waiting
     */
    public static SerialLog await(Path file, Predicate<SerialLog> condition, Duration timeout)
            throws IOException, InterruptedException {
        Objects.requireNonNull(condition, "condition");
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String text = readText(file);
            SerialLog log = parse(text);
            if (condition.test(log)) {
                return log;
            }
            if (log.failure.isPresent()) {
                throw new IllegalStateException("the guest failed: " + log.failure.get() + " (serial log " + file
                        + ")" + tail(text));
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new IllegalStateException("the guest's serial log " + file + " did not show the expected"
                        + " output within " + timeout.toMillis() + " ms" + tail(text));
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    /**
     * Waits for {@code READY}: the guest booted and its pattern is in memory.
     *
     * @param file the serial log file; never null
     * @param timeout how long to wait; never null
     * @return the log; never null
     * @throws IllegalStateException when the guest fails or is not ready in time
     * @throws IOException when the file cannot be read
     * @throws InterruptedException when interrupted
     */
    public static SerialLog awaitReady(Path file, Duration timeout) throws IOException, InterruptedException {
        return await(file, SerialLog::ready, timeout);
    }

    /**
     * Waits for a {@code COUNT} line with a value above {@code value}.
     *
     * @param file the serial log file; never null
     * @param value the value to exceed
     * @param timeout how long to wait; never null
     * @return the log; never null
     * @throws IllegalStateException when the guest fails or does not count past {@code value} in time
     * @throws IOException when the file cannot be read
     * @throws InterruptedException when interrupted
     */
    public static SerialLog awaitCountAbove(Path file, long value, Duration timeout)
            throws IOException, InterruptedException {
        return await(file, log -> log.lastCount().isPresent()
                && Long.compareUnsigned(log.lastCount().getAsLong(), value) > 0, timeout);
    }

    /** @return the first {@code COUNT} value, or empty when none was printed */
    public OptionalLong firstCount() {
        return counts.isEmpty() ? OptionalLong.empty() : OptionalLong.of(counts.get(0));
    }

    /** @return the last {@code COUNT} value, or empty when none was printed */
    public OptionalLong lastCount() {
        return counts.isEmpty() ? OptionalLong.empty() : OptionalLong.of(counts.get(counts.size() - 1));
    }

    private static String readText(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            return "";
        }
    }

    private static String tail(String text) {
        if (text.isEmpty()) {
            return "; the log is empty (did QEMU start, and does -serial point at this file?)";
        }
        String t = text.length() > TAIL_CHARS ? "..." + text.substring(text.length() - TAIL_CHARS) : text;
        return "; it ends with:\n" + t;
    }
}
