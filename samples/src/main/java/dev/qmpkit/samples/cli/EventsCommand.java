package dev.qmpkit.samples.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code events}' command line; the {@code WatchEvents} sample does the work. */
@Command(name = "events", description = "Print a VM's events as JSON lines until Ctrl-C, QEMU exits, or the count or "
        + "time is reached.")
final class EventsCommand extends CliCommand {
    @Mixin
    SocketOption socket;

    @Option(names = "--count", paramLabel = "N", defaultValue = "0",
            description = "stop after N events, 0 or more; 0: no limit (default: ${DEFAULT-VALUE})")
    int count;

    @Option(names = "--seconds", paramLabel = "N", defaultValue = "0",
            description = "stop after N seconds, 0 or more; 0: no limit (default: ${DEFAULT-VALUE})")
    int seconds;

    @Override
    protected int run(Context ctx) {
        Checks.atLeast("--count", count, 0);
        Checks.atLeast("--seconds", seconds, 0);
        return SocketCommands.events(socket.path(), count, seconds, ctx);
    }
}
