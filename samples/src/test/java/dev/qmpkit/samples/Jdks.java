package dev.qmpkit.samples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The JDKs on this machine, for tests that run the jars on the newest one: every JDK home under
 * {@code /usr/lib/jvm} (Debian's layout; the project's machines keep Temurin 25 there beside
 * Debian's OpenJDK 17) and the one running the tests, or exactly {@code -Dqmpkit.newestJdk=HOME}.
 */
final class Jdks {
    static final Path JVM_DIR = Path.of("/usr/lib/jvm");
    private static final Pattern JAVA_VERSION = Pattern.compile("(?m)^JAVA_VERSION=\"(?:1\\.)?(\\d+)");

    /** A JDK home and its feature release (17, 21, 25 ...). */
    record Jdk(Path home, int feature) {
        String java() {
            return home.resolve("bin/java").toString();
        }

        @Override
        public String toString() {
            return "JDK " + feature + " (" + home + ")";
        }
    }

    private Jdks() {
    }

    /** @return the JDK running the tests */
    static Jdk current() {
        return read(Path.of(System.getProperty("java.home"))).orElseThrow(() -> new IllegalStateException(
                "the test JVM at " + System.getProperty("java.home") + " has no release file"));
    }

    /**
     * The newest JDK here; when none is newer than 17, the test JVM's own, with a note on stderr
     * that the JDK 24+ warnings are then not exercised.
     *
     * @return the newest JDK here
     */
    static Jdk newest() {
        String forced = System.getProperty("qmpkit.newestJdk", "");
        if (!forced.isBlank()) {
            return read(Path.of(forced)).orElseThrow(() -> new IllegalStateException("-Dqmpkit.newestJdk="
                    + forced + " is not a JDK home (it needs bin/java and a release file)"));
        }
        List<Jdk> found = new ArrayList<>();
        found.add(current());
        try (Stream<Path> homes = Files.isDirectory(JVM_DIR) ? Files.list(JVM_DIR) : Stream.empty()) {
            homes.map(Jdks::read).flatMap(Optional::stream).forEach(found::add);
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + JVM_DIR, e);
        }
        Jdk best = found.stream().max(Comparator.comparingInt(Jdk::feature)).orElseThrow();
        if (best.feature() <= 17) {
            // Debian 12 packages no JDK newer than 17 and a machine may lack the Temurin one: the
            // tests still run (on 17 nothing may warn either), but say loudly what they could not cover.
            System.err.println("[Jdks] no JDK newer than 17 here (found " + found + " in " + JVM_DIR
                    + " and the test JVM): running on " + best + ", so the warnings of JDK 24+ (Unsafe, native "
                    + "access) are not exercised. Fix: unpack a JDK 24 or later into " + JVM_DIR
                    + ", or pass -Dqmpkit.newestJdk=HOME");
        }
        return best;
    }

    private static Optional<Jdk> read(Path home) {
        try {
            Path real = home.toRealPath();
            if (!Files.isExecutable(real.resolve("bin/java")) || !Files.isRegularFile(real.resolve("release"))) {
                return Optional.empty();
            }
            Matcher m = JAVA_VERSION.matcher(Files.readString(real.resolve("release")));
            return m.find() ? Optional.of(new Jdk(real, Integer.parseInt(m.group(1)))) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
