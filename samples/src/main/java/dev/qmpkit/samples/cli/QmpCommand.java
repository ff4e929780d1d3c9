package dev.qmpkit.samples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code qmp}'s command line; {@link SocketCommands#qmp} does the work. */
@Command(name = "qmp", description = "Run one QMP command and print QEMU's answer as JSON, e.g. "
        + "qmp --socket /tmp/qmp.sock query-status.")
final class QmpCommand extends CliCommand {
    @Mixin
    SocketOption socket;

    @Parameters(index = "0", paramLabel = "COMMAND", description = "a QMP command, e.g. query-status (required)")
    String command;

    @Parameters(index = "1", arity = "0..1", paramLabel = "JSON-ARGUMENTS",
            description = "its arguments as one JSON object, quoted for the shell, e.g. "
                    + "'{\"path\":\"/machine\",\"property\":\"type\"}' (default: none)")
    String arguments;

    @Override
    protected int run(Context ctx) throws Exception {
        JsonNode args = arguments == null ? null : SocketCommands.parseArguments(arguments);
        return SocketCommands.qmp(socket.path(), command, args, ctx);
    }
}
