package dev.qmpkit.samples.cli;

import java.nio.file.Path;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code shell}'s command line; {@link Shell} does the work. */
@Command(name = "shell",
        description = {"An interactive QMP monitor, like QEMU's qmp-shell: type COMMAND [NAME=VALUE ...] (names with "
                + "dots nest, values may be JSON), see QEMU's answer and its events as they arrive. Tab completes "
                + "command and argument names from the QEMU's schema; history is kept in a file. Reads standard "
                + "input when it is not a terminal, so a script can pipe commands in (exit 1 when any failed).",
            "Example: qom-get path=/machine property=type"})
final class ShellCommand extends CliCommand {
    @Mixin
    SocketOption socket;

    @Option(names = {"-H", "--hmp"},
            description = "lines are HMP commands (info status, info registers), sent with human-monitor-command "
                    + "(default: off, QMP commands)")
    boolean hmp;

    @Option(names = {"-p", "--pretty"}, description = "print JSON indented (default: off, one line per message)")
    boolean pretty;

    @Option(names = {"-v", "--verbose"}, description = "print each command as sent, before its answer (default: off)")
    boolean verbose;

    @Option(names = {"-l", "--log"}, paramLabel = "FILE",
            description = "write every message sent and received to FILE, one JSON object a line (default: none)")
    Path log;

    @Option(names = "--history", paramLabel = "FILE",
            description = "the history file of interactive sessions (default: ~/.qmpkit_history)")
    Path history;

    @Override
    protected int run(Context ctx) throws Exception {
        Checks.outputFile("--log", log);
        Path historyFile = history != null ? history : ctx.home().resolve(".qmpkit_history");
        Shell.Settings s = new Shell.Settings(socket.path(), hmp, pretty, verbose, log, historyFile);
        if (!ctx.terminal()) {
            return Shell.run(s, ctx, null);
        }
        // The process's own terminal; or, when the caller passed streams of its own, a terminal over them.
        TerminalBuilder builder = ctx.in() == System.in ? TerminalBuilder.builder().system(true)
                : TerminalBuilder.builder().system(false).streams(ctx.in(), ctx.out()).type("xterm-256color")
                        .size(new Size(160, 50));
        try (Terminal terminal = builder.build()) {
            return Shell.run(s, ctx, terminal);
        }
    }
}
