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

/**
 * What {@code ./qmpkit agent} does with the guest agent, through its socket (the work is
 * {@link GuestAgent}'s); its command line is {@link AgentCommand}'s.
 */
public final class AgentCommands {
    static final String START_AN_AGENT = "give the socket of QEMU's agent channel (-chardev socket,path=PATH,"
            + "server=on,wait=off,id=qga0 -device virtio-serial -device virtserialport,chardev=qga0,"
            + "name=org.qemu.guest_agent.0) or of qemu-ga -m unix-listen -p PATH";

    private AgentCommands() {
    }

    /**
     * {@code agent}: runs an agent command and prints its answer, or runs a program in the guest.
     *
     * @param socketValue the {@code --socket} value; never null
     * @param seconds the {@code --timeout} value; 0 for the defaults
     * @param inputFile the {@code --input} value; null for none
     * @param pos the words after the options: {@code COMMAND [JSON]} or {@code exec PROGRAM [ARGS...]}; never null
     * @param ctx streams; never null
     * @return 0, or the program's exit status for {@code exec}
     */
    static int agent(String socketValue, int seconds, String inputFile, List<String> pos, Context ctx)
            throws IOException {
        if (pos.isEmpty()) {
            throw new UsageException("missing COMMAND (e.g. guest-info) or exec -- PROGRAM");
        }
        Duration timeout = seconds == 0 ? null : Duration.ofSeconds(seconds);
        boolean exec = pos.get(0).equals("exec");
        if (exec && pos.size() < 2) {
            throw new UsageException("missing the PROGRAM to run: exec -- PROGRAM [ARGS...]");
        }
        if (!exec && inputFile != null) {
            throw new UsageException("--input goes with exec");
        }
        if (!exec && pos.size() > 2) {
            throw new UsageException("unexpected argument '" + pos.get(2) + "' (JSON arguments are one "
                    + "argument: quote them)");
        }
        JsonNode arguments = !exec && pos.size() > 1 ? SocketCommands.parseArguments(pos.get(1)) : null;
        byte[] input = exec ? input(inputFile) : null;
        Path socket = SocketCommands.existingSocket(socketValue, "no guest agent socket at ", START_AN_AGENT);
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
