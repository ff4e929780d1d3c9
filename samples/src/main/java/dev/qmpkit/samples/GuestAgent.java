package dev.qmpkit.samples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.qmpkit.qmp.agent.AgentOptions;
import dev.qmpkit.qmp.agent.ExecRequest;
import dev.qmpkit.qmp.agent.ExecResult;
import dev.qmpkit.qmp.agent.GuestAgentClient;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Talk to a QEMU guest agent: run any agent command, or run a program in the guest. Behind
 * {@code ./qmpkit agent}; the argument parsing lives in {@code cli.AgentCommands}.
 *
 * <p>The agent's socket is the host end of its channel, for example
 * <pre>
 *   qemu-system-x86_64 ... -chardev socket,path=/tmp/qga.sock,server=on,wait=off,id=qga0 \
 *       -device virtio-serial -device virtserialport,chardev=qga0,name=org.qemu.guest_agent.0
 * </pre>
 * or the socket of an agent run on the host: {@code qemu-ga -m unix-listen -p /tmp/qga.sock}.
 */
public final class GuestAgent {
    private static final ObjectMapper JSON = new ObjectMapper();

    private GuestAgent() {
    }

    /** @param args the socket path, then an agent command and optionally its JSON arguments */
    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: GuestAgent SOCKET COMMAND [JSON-ARGUMENTS]");
            System.exit(2);
        }
        JsonNode arguments = args.length > 2 ? JSON.readTree(args[2]) : null;
        command(Path.of(args[0]), args[1], arguments, AgentOptions.defaults(), System.out);
    }

    /**
     * Runs one agent command and prints its {@code return} value as JSON.
     *
     * @param socket the agent's socket; never null
     * @param command e.g. {@code guest-info}; never null
     * @param arguments a JSON object, or null
     * @param options client options; never null
     * @param out where the JSON goes; never null
     * @throws IOException when the reply cannot be printed
     */
    public static void command(Path socket, String command, JsonNode arguments, AgentOptions options, PrintStream out)
            throws IOException {
        try (GuestAgentClient agent = GuestAgentClient.open(socket, options)) {
            // The client connects and synchronises (guest-sync-delimited) before the first command.
            JsonNode result = agent.blocking().execute(command, arguments);
            out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(result));
        }
    }

    /**
     * Runs a program in the guest and passes on its output.
     *
     * @param socket the agent's socket; never null
     * @param argv the program and its arguments; never null or empty
     * @param input what the program reads on standard input; null for nothing
     * @param timeout how long to wait for it, or null for the client's default (5 minutes)
     * @param options client options; never null
     * @param out receives the program's standard output, byte for byte; never null
     * @param err receives its standard error, and a note when the agent cut an output short; never null
     * @return the program's exit status as a shell reports it (128 + N when signal N ended it)
     */
    public static int exec(Path socket, List<String> argv, byte[] input, Duration timeout, AgentOptions options,
                           PrintStream out, PrintStream err) {
        try (GuestAgentClient agent = GuestAgentClient.open(socket, options)) {
            ExecResult r = agent.blocking().exec(ExecRequest.builder(argv.get(0)).args(argv.subList(1, argv.size()))
                    .input(input).timeout(timeout).build());
            out.write(r.stdout(), 0, r.stdout().length);
            out.flush();
            err.write(r.stderr(), 0, r.stderr().length);
            if (r.stdoutTruncated() || r.stderrTruncated()) {
                err.println("note: the agent kept only the first 16 MiB of the program's "
                        + (r.stdoutTruncated() ? "standard output" : "standard error")
                        + (r.stdoutTruncated() && r.stderrTruncated() ? " and standard error" : ""));
            }
            err.flush();
            return r.shellStatus();
        }
    }
}
