package dev.qmpkit.samples.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code quickstart}'s command line; the {@code QuickStart} sample does the work. */
@Command(name = "quickstart", description = "The QuickStart sample: print a running QEMU's version and status, run a "
        + "command, print the events that arrive.")
final class QuickstartCommand extends CliCommand {
    @Mixin
    SocketOption socket;

    @Option(names = "--seconds", paramLabel = "N", defaultValue = "5",
            description = "how long to print events, 0-3600 seconds (default: ${DEFAULT-VALUE})")
    int seconds;

    @Override
    protected int run(Context ctx) {
        Checks.range("--seconds", seconds, 0, 3600);
        return SocketCommands.quickstart(socket.path(), seconds, ctx);
    }
}
