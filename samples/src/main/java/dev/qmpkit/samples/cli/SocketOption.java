package dev.qmpkit.samples.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --socket}, the QMP monitor of a running QEMU, shared by the commands that talk to one. */
final class SocketOption {

    @Option(names = "--socket", paramLabel = "PATH", required = true,
            description = "the QMP socket of a running QEMU, started with -qmp unix:PATH,server=on,wait=off "
                    + "(required)")
    String socket;

    /** @return the socket, checked @throws CliFailure when it is missing, not a socket, or taken */
    Path path() {
        return SocketCommands.socket(socket);
    }
}
