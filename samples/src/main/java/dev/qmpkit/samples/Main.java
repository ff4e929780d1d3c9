package dev.qmpkit.samples;

import dev.qmpkit.samples.cli.AgentCommands;
import dev.qmpkit.samples.cli.Args;
import dev.qmpkit.samples.cli.CliFailure;
import dev.qmpkit.samples.cli.Context;
import dev.qmpkit.samples.cli.Failures;
import dev.qmpkit.samples.cli.SocketCommands;
import dev.qmpkit.samples.cli.Subcommand;
import dev.qmpkit.samples.cli.TemplateCommands;
import dev.qmpkit.samples.cli.UsageException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code ./qmpkit} launcher's subcommands. {@link #run} returns the exit code instead of
 * exiting, so tests run every subcommand in-process: 0 success, 1 failure (one line saying
 * what and how to fix it), 2 bad arguments (the message and the usage line).
 * {@code check} exits 1 when the VM is not ready to be a template.
 */
public final class Main {
    /** Exit code for a command line that is wrong. */
    public static final int EXIT_USAGE = 2;

    private static final Map<String, Subcommand> COMMANDS = new LinkedHashMap<>();

    static {
        for (Subcommand c : List.of(
                TemplateCommands.demo(),
                SocketCommands.quickstart(),
                SocketCommands.check(),
                SocketCommands.qmp(),
                SocketCommands.events(),
                AgentCommands.agent(),
                TemplateCommands.templateCreate(),
                TemplateCommands.templateClone())) {
            COMMANDS.put(c.name(), c);
        }
    }

    private Main() {
    }

    /** @param args the command line */
    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        System.out.flush();
        System.exit(code);
    }

    /**
     * Runs one subcommand with the process environment.
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
     * Runs one subcommand.
     *
     * @param args the command line; never null
     * @param out results; never null
     * @param err progress and errors; never null
     * @param env environment variables ({@code QMPKIT_CACHE}, {@code QMPKIT_DEBUG}); never null
     * @return the exit code
     */
    public static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
        List<String> argv = new ArrayList<>(Arrays.asList(args));
        boolean debug = "1".equals(env.get("QMPKIT_DEBUG"));
        if (!argv.isEmpty() && argv.get(0).equals("--debug")) {
            debug = true;
            argv.remove(0);
        }
        if (debug) {
            // Only takes effect before the first logger exists, which is why it is set this early.
            System.setProperty("org.slf4j.simpleLogger.log.dev.qmpkit", "debug");
        }
        Context ctx = new Context(out, err, env, debug);
        if (argv.isEmpty() || List.of("help", "-h", "--help").contains(argv.get(0))) {
            return help(argv.size() > 1 ? argv.subList(1, argv.size()) : List.of(), ctx);
        }
        String name = argv.get(0);
        int rest = 1;
        if (name.equals("template")) {
            if (argv.size() < 2 || !List.of("create", "clone").contains(argv.get(1))) {
                err.println("qmpkit template: expected 'create' or 'clone'"
                        + (argv.size() < 2 ? "" : ", got '" + argv.get(1) + "'"));
                err.println(COMMANDS.get("template create").usageLine());
                err.println(COMMANDS.get("template clone").usageLine());
                return EXIT_USAGE;
            }
            name = "template " + argv.get(1);
            rest = 2;
        }
        Subcommand cmd = COMMANDS.get(name);
        if (cmd == null) {
            err.println("qmpkit: unknown command '" + name + "'");
            err.println("commands: " + String.join(", ", commandNames()) + " (./qmpkit help for details)");
            return EXIT_USAGE;
        }
        List<String> cmdArgs = argv.subList(rest, argv.size());
        // After "--" every word is an argument (agent exec -- ls -h), so only look before it.
        List<String> options = cmdArgs.contains("--") ? cmdArgs.subList(0, cmdArgs.indexOf("--")) : cmdArgs;
        if (options.contains("--help") || options.contains("-h")) {
            out.println(cmd.usageLine());
            out.println("  " + cmd.description());
            return 0;
        }
        try {
            Args parsed = Args.parse(cmdArgs, cmd.valueOptions(), cmd.flagOptions());
            return cmd.action().run(parsed, ctx);
        } catch (UsageException e) {
            err.println("qmpkit " + name + ": " + e.getMessage());
            err.println(cmd.usageLine());
            return EXIT_USAGE;
        } catch (Throwable t) {
            CliFailure f = Failures.explain(t);
            if (f == null) {
                // Not a failure a user can cause: a bug, so the stack trace is what helps.
                err.println("qmpkit " + name + ": unexpected error, please report it:");
                t.printStackTrace(err);
                return 1;
            }
            err.println("qmpkit " + name + ": " + f.getMessage());
            if (f.fix() != null) {
                err.println("  fix: " + f.fix());
            }
            if (ctx.debug() && f.getCause() != null) {
                f.getCause().printStackTrace(err);
            }
            return f.exitCode();
        }
    }

    private static List<String> commandNames() {
        List<String> names = new ArrayList<>();
        for (String n : COMMANDS.keySet()) {
            String first = n.split(" ")[0];
            if (!names.contains(first)) {
                names.add(first);
            }
        }
        return names;
    }

    private static int help(List<String> topic, Context ctx) {
        if (!topic.isEmpty()) {
            Subcommand c = COMMANDS.get(String.join(" ", topic));
            if (c == null) {
                ctx.err().println("qmpkit help: unknown command '" + String.join(" ", topic) + "'");
                return EXIT_USAGE;
            }
            ctx.out().println(c.usageLine());
            ctx.out().println("  " + c.description());
            return 0;
        }
        PrintStream out = ctx.out();
        out.println("qmpkit: QMP client and VM templating for QEMU");
        out.println();
        out.println("  ./qmpkit test            install what is missing, build, run all tests");
        out.println("  ./qmpkit install-qemu    install QEMU 10.0 (system) and unpack QEMU 7.2 into the cache");
        for (Subcommand c : COMMANDS.values()) {
            out.println();
            out.println("  ./qmpkit " + c.name() + (c.usage().isEmpty() ? "" : " " + c.usage()));
            out.println("      " + c.description());
        }
        out.println();
        out.println("Exit codes: 0 ok, 1 failed (check: VM not ready), 2 bad arguments. QMPKIT_DEBUG=1 prints stack traces.");
        return 0;
    }
}
