package dev.qmpkit.samples.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Checks of option values that can be made before any work starts, so that a long run does not
 * fail at its end for a path that was wrong from the beginning. Values out of range are a wrong
 * command line ({@link UsageException}, exit 2); paths that cannot be written are failures
 * with the fix ({@link CliFailure}, exit 1), as a missing socket is.
 */
final class Checks {
    private Checks() {
    }

    /** @return {@code value} when {@code min <= value <= max} @throws UsageException otherwise */
    static int range(String option, int value, int min, int max) {
        if (value < min || value > max) {
            throw new UsageException(option + " must be between " + min + " and " + max + ", got " + value);
        }
        return value;
    }

    /** @return {@code value} when {@code value >= min} @throws UsageException otherwise */
    static int atLeast(String option, int value, int min) {
        if (value < min) {
            throw new UsageException(option + " must be " + min + " or more, got " + value);
        }
        return value;
    }

    /** @return {@code value} when it is one of {@code allowed} @throws UsageException otherwise */
    static String choice(String option, String value, List<String> allowed) {
        if (!allowed.contains(value)) {
            throw new UsageException(option + " must be one of " + String.join("|", allowed) + ", got '" + value + "'");
        }
        return value;
    }

    /**
     * A file the command will write at its end ({@code --json}): its folder must exist and be
     * writable, and it must not be a folder itself.
     *
     * @param option the option's name, for the message
     * @param file the value; null when the option was not given
     * @throws CliFailure when the file cannot be written there
     */
    static void outputFile(String option, Path file) {
        if (file == null) {
            return;
        }
        Path abs = file.toAbsolutePath();
        if (Files.isDirectory(abs)) {
            throw new CliFailure(option + " " + file + " is a folder", "pass a file name, e.g. " + abs.resolve(
                    "report.json"), null);
        }
        Path folder = abs.getParent();
        if (!Files.isDirectory(folder)) {
            throw new CliFailure(option + " " + file + ": the folder " + folder + (Files.exists(folder)
                    ? " is not a folder" : " does not exist"), Files.exists(folder)
                    ? "pass a path in an existing folder" : "create it first (mkdir -p " + folder + "), or pass a "
                    + "path in an existing folder", null);
        }
        writable(option, file, folder);
    }

    /**
     * A folder the command will fill ({@code --work-dir}, {@code --dir}): new or empty, and
     * creatable or writable by this user.
     *
     * @param option the option's name, for the message
     * @param dir the value; null when the option was not given
     * @throws CliFailure when it is a file, not empty, or cannot be written
     */
    static void newOrEmptyDir(String option, Path dir) {
        if (dir == null) {
            return;
        }
        Path abs = dir.toAbsolutePath();
        if (Files.exists(abs) && !Files.isDirectory(abs)) {
            throw new CliFailure(option + " " + dir + " is a file, not a folder", "pass a new or empty folder", null);
        }
        if (Files.isDirectory(abs) && !isEmptyDir(abs)) {
            throw new CliFailure(option + " " + dir + " is not empty", "pass a new or empty folder (the files of one "
                    + "template and its clones go there)", null);
        }
        Path existing = abs;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null || !Files.isDirectory(existing)) {
            throw new CliFailure(option + " " + dir + " cannot be created: " + existing + " is a file",
                    "pass a folder under an existing folder", null);
        }
        writable(option, dir, existing);
    }

    /** Whether this user can create files in {@code folder}: tried, since root may not write on read-only mounts. */
    private static void writable(String option, Path given, Path folder) {
        try {
            Path probe = Files.createTempFile(folder, ".qmpkit-write-check-", "");
            Files.delete(probe);
        } catch (IOException | SecurityException e) {
            throw new CliFailure(option + " " + given + ": cannot write in " + folder + " (" + reason(e) + ")",
                    "pass a folder this user (" + System.getProperty("user.name") + ") can write, or fix its "
                    + "permissions", e);
        }
    }

    private static String reason(Exception e) {
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        String m = e.getMessage();
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            m = f.getReason();
        }
        return m == null ? e.getClass().getSimpleName() : m;
    }

    /** @return whether {@code dir} is a folder with nothing in it */
    static boolean isEmptyDir(Path dir) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }
}
