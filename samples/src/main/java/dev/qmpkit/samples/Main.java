package dev.qmpkit.samples;

import dev.qmpkit.samples.cli.Cli;
import dev.qmpkit.samples.cli.Context;
import dev.qmpkit.samples.cli.QmpkitCommand;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.Map;

/**
 * The {@code ./qmpkit} launcher. {@link #run} returns the exit code instead of exiting, so tests
 * run every subcommand in-process: 0 success, 1 failure (one line saying what and how to fix
 * it), 2 bad arguments (the message and the usage). {@code check} exits 1 when the VM is not
 * ready to be a template. The command line is parsed in {@code dev.qmpkit.samples.cli}.
 */
public final class Main {
    /** Exit code for a command line that is wrong. */
    public static final int EXIT_USAGE = QmpkitCommand.EXIT_USAGE;

    private Main() {
    }

    /** @param args the command line */
    public static void main(String[] args) {
        int code = run(args, System.in, System.out, System.err, System.getenv(), stdinIsTerminal());
        System.out.flush();
        System.exit(code);
    }

    /**
     * Runs one subcommand with the process environment and nothing to read.
     *
     * @param args the command line, e.g. {@code demo --clones 2}; never null
     * @param out results; never null
     * @param err progress and errors; never null
     * @return the exit code
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, out, err, System.getenv());
    }

    /**
     * Runs one subcommand with nothing to read.
     *
     * @param args the command line; never null
     * @param out results; never null
     * @param err progress and errors; never null
     * @param env environment variables ({@code QMPKIT_CACHE}, {@code QMPKIT_DEBUG}); never null
     * @return the exit code
     */
    public static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
        return run(args, InputStream.nullInputStream(), out, err, env, false);
    }

    /**
     * Runs one subcommand.
     *
     * @param args the command line; never null
     * @param in what {@code shell} reads its commands from; never null
     * @param out results; never null
     * @param err progress and errors; never null
     * @param env environment variables ({@code QMPKIT_CACHE}, {@code QMPKIT_DEBUG}); never null
     * @param terminal whether {@code in} is a terminal a person types at
     * @return the exit code
     */
    public static int run(String[] args, InputStream in, PrintStream out, PrintStream err, Map<String, String> env,
                          boolean terminal) {
        boolean debug = "1".equals(env.get("QMPKIT_DEBUG"));
        if (debug) {
            // Only takes effect before the first logger exists, which is why it is set this early.
            System.setProperty("org.slf4j.simpleLogger.log.dev.qmpkit", "debug");
        }
        return Cli.run(args, new Context(out, err, env, debug, in, terminal));
    }

    /**
     * Whether standard input and output are a terminal. {@code System.console()} says so up to
     * JDK 21; from JDK 22 it also returns a console for redirected streams, and
     * {@code Console.isTerminal()} tells.
     */
    private static boolean stdinIsTerminal() {
        java.io.Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException e) {
            return true; // before JDK 22 a console exists only for a terminal
        }
    }
}
