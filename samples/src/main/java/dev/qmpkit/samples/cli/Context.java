package dev.qmpkit.samples.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * What a subcommand runs with: its streams, the environment and where the cache is. Tests pass
 * their own, so subcommands never touch {@code System.in}, {@code System.out} or
 * {@code System.exit}.
 *
 * @param out results (tables, JSON); never null
 * @param err progress, notes and errors; never null
 * @param env environment variables; never null
 * @param debug whether to print stack traces of expected failures too
 * @param in what {@code shell} reads commands from; never null
 * @param terminal whether {@code in} and {@code out} are a terminal a person types at (line editing, history)
 */
public record Context(PrintStream out, PrintStream err, Map<String, String> env, boolean debug, InputStream in,
                      boolean terminal) {

    /** Validates. */
    public Context {
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(err, "err");
        env = Map.copyOf(env);
        Objects.requireNonNull(in, "in");
    }

    /**
     * A context with nothing to read and no terminal.
     *
     * @param out results; never null
     * @param err progress and errors; never null
     * @param env environment variables; never null
     * @param debug whether to print stack traces of expected failures too
     */
    public Context(PrintStream out, PrintStream err, Map<String, String> env, boolean debug) {
        this(out, err, env, debug, InputStream.nullInputStream(), false);
    }

    /**
     * @param on whether to print stack traces of expected failures
     * @return this context with {@code debug} set; never null
     */
    public Context withDebug(boolean on) {
        return new Context(out, err, env, on, in, terminal);
    }

    /** @return {@code $QMPKIT_CACHE}, default {@code ~/.cache/qmpkit}; never null */
    public Path cacheDir() {
        String c = env.get("QMPKIT_CACHE");
        if (c != null && !c.isBlank()) {
            return Path.of(c);
        }
        return home().resolve(".cache").resolve("qmpkit");
    }

    /** @return {@code $HOME}; never null */
    public Path home() {
        return Path.of(env.getOrDefault("HOME", System.getProperty("user.home")));
    }

    /** @return a progress printer on {@link #err()}; never null */
    public Progress progress() {
        return new Progress(err, false);
    }
}
