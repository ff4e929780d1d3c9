package dev.qmpkit.samples.cli;

import java.util.Objects;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The top of the command tree, {@code qmpkit}: the subcommands, {@code --debug}, and the
 * {@link Context} every subcommand runs with. Without a subcommand it prints its help.
 */
@Command(name = "qmpkit", header = "qmpkit: QMP client and VM templating for QEMU",
        synopsisSubcommandLabel = "COMMAND",
        description = "Run './qmpkit help COMMAND' or './qmpkit COMMAND --help' for a command's options.",
        commandListHeading = "%nCommands:%n",
        subcommands = {
            DemoCommand.class,
            QuickstartCommand.class,
            CheckCommand.class,
            QmpCommand.class,
            EventsCommand.class,
            ShellCommand.class,
            AgentCommand.class,
            TemplateCommand.class,
            ScriptCommands.Test.class,
            ScriptCommands.InstallQemu.class,
            CompletionCommand.class,
            HelpCommand.class},
        footerHeading = "%nEnvironment:%n",
        footer = {
            "  QMPKIT_CACHE   where QEMU 7.2 and the Linux guest are kept (default: ~/.cache/qmpkit)",
            "  QMPKIT_DEBUG   1: stack traces and the SDK's debug log, as --debug does",
            "  QMPKIT_OUT     the qmpkit script's build folder (default: target)"})
public final class QmpkitCommand extends CliCommand {
    /** The exit code of a wrong command line. */
    public static final int EXIT_USAGE = 2;

    private final Context context;
    private boolean debug;

    /** @param context streams and environment; never null */
    public QmpkitCommand(Context context) {
        this.context = Objects.requireNonNull(context, "context");
        this.debug = context.debug();
    }

    /** @param on whether to print stack traces and the SDK's debug log (also after the subcommand) */
    @Option(names = "--debug", scope = ScopeType.INHERIT,
            description = "print stack traces of failures and the SDK's debug log (default: off, or QMPKIT_DEBUG=1)")
    void debug(boolean on) {
        if (on) {
            debug = true;
            // Only takes effect before the first logger exists; options are parsed before any SDK class runs.
            System.setProperty("org.slf4j.simpleLogger.log.dev.qmpkit", "debug");
        }
    }

    /** @return the context, with {@code --debug} applied; never null */
    Context context() {
        return context.withDebug(debug);
    }

    @Override
    protected int run(Context ctx) {
        spec.commandLine().usage(ctx.out());
        return 0;
    }
}
