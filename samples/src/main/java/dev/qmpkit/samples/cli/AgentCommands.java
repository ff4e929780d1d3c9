package dev.qmpkit.samples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.qmpkit.qmp.QmpConnectionException;
import dev.qmpkit.qmp.QmpException;
import dev.qmpkit.qmp.QmpTimeoutException;
import dev.qmpkit.qmp.agent.AgentCommandUnavailableException;
import dev.qmpkit.qmp.agent.AgentOptions;
import dev.qmpkit.qmp.agent.ExecTimeoutException;
import dev.qmpkit.samples.GuestAgent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/** {@code ./qmpkit agent}: the guest agent, through its socket. The work is {@link GuestAgent}'s. */
public final class AgentCommands {
    private static final String START_AN_AGENT = "give the socket of QEMU's agent channel (-chardev socket,path=PATH,"
            + "server=on,wait=off,id=qga0 -device virtio-serial -device virtserialport,chardev=qga0,"
            + "name=org.qemu.guest_agent.0) or of qemu-ga -m unix-listen -p PATH";

    private AgentCommands() {
    }

    /** @return {@code agent --socket PATH COMMAND [JSON]} and {@code agent --socket PATH exec -- PROGRAM ARGS...} */
    public static Subcommand agent() {
        return new Subcommand("agent", "--socket PATH [--timeout SECONDS] COMMAND [JSON-ARGUMENTS]  |  "
                + "--socket PATH [--timeout SECONDS] [--input FILE] exec -- PROGRAM [ARGS...]",
                "talk to a QEMU guest agent: run an agent command and print its JSON answer (e.g. guest-info), or run "
                        + "a program in the guest, print its output and exit with its exit code",
                Set.of("--socket", "--timeout", "--input"), Set.of(), (a, ctx) -> {
                    List<String> pos = a.positional();
                    if (pos.isEmpty()) {
                        throw new UsageException("missing COMMAND (e.g. guest-info) or exec -- PROGRAM");
                    }
                    int seconds = a.intValue("--timeout", 0, 1, 86_400);
                    Duration timeout = seconds == 0 ? null : Duration.ofSeconds(seconds);
                    boolean exec = pos.get(0).equals("exec");
                    if (exec && pos.size() < 2) {
                        throw new UsageException("missing the PROGRAM to run: exec -- PROGRAM [ARGS...]");
                    }
                    if (!exec && a.value("--input") != null) {
                        throw new UsageException("--input goes with exec");
                    }
                    if (!exec && pos.size() > 2) {
                        throw new UsageException("unexpected argument '" + pos.get(2) + "' (JSON arguments are one "
                                + "argument: quote them)");
                    }
                    JsonNode arguments = !exec && pos.size() > 1 ? SocketCommands.parseArguments(pos.get(1)) : null;
                    byte[] input = exec ? input(a.value("--input")) : null;
                    Path socket = SocketCommands.existingSocket(a.required("--socket"), "no guest agent socket at ",
                            START_AN_AGENT);
                    AgentOptions options = timeout == null || exec ? AgentOptions.defaults()
                            : AgentOptions.builder().commandTimeout(timeout).build();
                    try {
                        if (exec) {
                            return GuestAgent.exec(socket, pos.subList(1, pos.size()), input, timeout, options,
                                    ctx.out(), ctx.err());
                        }
                        GuestAgent.command(socket, pos.get(0), arguments, options, ctx.out());
                        return 0;
                    } catch (QmpException e) {
                        throw explain(e, socket);
                    }
                });
    }

    private static byte[] input(String file) throws IOException {
        if (file == null) {
            return null;
        }
        try {
            return Files.readAllBytes(Path.of(file));
        } catch (NoSuchFileException e) {
            throw new UsageException("--input: no such file " + file);
        }
    }

    private static CliFailure explain(QmpException e, Path socket) {
        if (e instanceof AgentCommandUnavailableException u) {
            return new CliFailure(e.getMessage(), "list what this agent offers: ./qmpkit agent --socket " + socket
                    + " guest-info" + (u.reason() == AgentCommandUnavailableException.Reason.DISABLED
                    ? " (enabled: false means its administrator blocked it)" : ""), e);
        }
        if (e instanceof ExecTimeoutException) {
            return new CliFailure(e.getMessage(), "pass a longer --timeout SECONDS", e);
        }
        if (e instanceof QmpTimeoutException) {
            return new CliFailure(e.getMessage(), "start qemu-ga in the guest (systemctl start qemu-guest-agent), "
                    + "wait for the guest to boot, or make sure no other client holds the agent's socket", e);
        }
        if (e instanceof QmpConnectionException) {
            return new CliFailure(e.getMessage(), "the agent, or the QEMU serving its channel, is not running: "
                    + START_AN_AGENT.replace("PATH", socket.toString()), e);
        }
        return Failures.explain(e);
    }
}
