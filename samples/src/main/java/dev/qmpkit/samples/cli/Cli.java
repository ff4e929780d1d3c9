package dev.qmpkit.samples.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.List;
import java.util.Objects;
import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Parses a command line with picocli and runs the subcommand, turning what goes wrong into what
 * a user reads: a wrong command line is one line, a "did you mean" when a name is close, and
 * the usage (exit 2); an expected failure is one line and a {@code fix:} line (exit 1, or the
 * failure's own code); anything else is a bug, printed with its stack trace (exit 1).
 */
public final class Cli {
    private Cli() {
    }

    /**
     * @param args the command line; never null
     * @param ctx streams and environment; never null
     * @return the exit code
     */
    public static int run(String[] args, Context ctx) {
        Objects.requireNonNull(args, "args");
        QmpkitCommand root = new QmpkitCommand(ctx);
        CommandLine cl = commandLine(root);
        PrintWriter out = new PrintWriter(ctx.out(), true);
        PrintWriter err = new PrintWriter(ctx.err(), true);
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler((ex, a) -> usageError(ex, ctx.err()));
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> failure(ex, cmd, root.context()));
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /**
     * @param root the top command; never null
     * @return the command tree as parsed, for help and completion too
     */
    static CommandLine commandLine(QmpkitCommand root) {
        CommandLine cl = new CommandLine(root);
        // "@file" is a plain argument (a guest path, a program's argument), not a file of arguments.
        cl.setExpandAtFiles(false);
        cl.setUsageHelpLongOptionsMaxWidth(28);
        return cl;
    }

    private static int usageError(ParameterException ex, PrintStream err) {
        CommandLine cmd = ex.getCommandLine();
        String message = ex.getMessage();
        List<String> suggestions = List.of();
        // A misspelt option is the cause of a "missing required option" too: say that first.
        List<String> unmatched = ex instanceof UnmatchedArgumentException u ? u.getUnmatched()
                : cmd.getUnmatchedArguments();
        if (!unmatched.isEmpty()) {
            String first = unmatched.get(0);
            if (first.startsWith("-")) {
                message = "unknown option " + first;
                suggestions = Similar.to(first.replaceFirst("=.*", ""), cmd.getCommandSpec().optionsMap().keySet());
            } else if (!cmd.getSubcommands().isEmpty() && cmd.getCommandSpec().positionalParameters().isEmpty()) {
                message = "unknown command '" + first + "'";
                suggestions = Similar.to(first, cmd.getSubcommands().keySet());
            } else {
                message = "unexpected argument '" + first + "'";
            }
        }
        err.println(cmd.getCommandSpec().qualifiedName() + ": " + message);
        if (!suggestions.isEmpty()) {
            err.println("  did you mean " + String.join(" or ", suggestions) + "?");
        }
        printUsage(cmd, err);
        return QmpkitCommand.EXIT_USAGE;
    }

    private static void printUsage(CommandLine cmd, PrintStream err) {
        Help help = new Help(cmd.getCommandSpec(), Help.defaultColorScheme(Help.Ansi.OFF));
        err.print("usage: " + help.synopsis(0));
        String name = cmd.getCommandSpec().qualifiedName(" ").replaceFirst("^qmpkit ?", "");
        err.println("(./qmpkit help" + (name.isEmpty() ? " shows every command)" : " " + name + " shows every option)"));
    }

    private static int failure(Exception ex, CommandLine cmd, Context ctx) {
        String name = cmd.getCommandSpec().qualifiedName();
        PrintStream err = ctx.err();
        if (ex instanceof UsageException) {
            err.println(name + ": " + ex.getMessage());
            printUsage(cmd, err);
            return QmpkitCommand.EXIT_USAGE;
        }
        CliFailure f = Failures.explain(ex);
        if (f == null) {
            // Not a failure a user can cause: a bug, so the stack trace is what helps.
            err.println(name + ": unexpected error, please report it:");
            ex.printStackTrace(err);
            return 1;
        }
        Failures.Shown shown = Failures.present(f);
        err.println(name + ": " + shown.message());
        if (shown.fix() != null) {
            err.println("  fix: " + shown.fix());
        }
        if (ctx.debug() && f.getCause() != null) {
            f.getCause().printStackTrace(err);
        }
        return f.exitCode();
    }
}
