package dev.qmpkit.samples.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * What a subcommand runs with: its output streams, the environment and where the cache is.
 * Tests pass their own, so subcommands never touch {@code System.out} or {@code System.exit}.
 *
 * @param out results (tables, JSON); never null
 * @param err progress, notes and errors; never null
 * @param env environment variables; never null
 * @param debug whether to print stack traces of expected failures too
 */
public record Context(PrintStream out, PrintStream err, Map<String, String> env, boolean debug) {

    /** Validates. */
    public Context {
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(err, "err");
        env = Map.copyOf(env);
    }

    /** @return {@code $QMPKIT_CACHE}, default {@code ~/.cache/qmpkit}; never null */
    public Path cacheDir() {
        String c = env.get("QMPKIT_CACHE");
        if (c != null && !c.isBlank()) {
            return Path.of(c);
        }
        String home = env.getOrDefault("HOME", System.getProperty("user.home"));
        return Path.of(home, ".cache", "qmpkit");
    }

    /** @return a progress printer on {@link #err()}; never null */
    public Progress progress() {
        return new Progress(err, false);
    }
}
