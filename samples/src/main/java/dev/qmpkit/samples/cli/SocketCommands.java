package dev.qmpkit.samples.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.QmpEndpoint;
import dev.qmpkit.qmp.QmpOptions;
import dev.qmpkit.samples.CheckVm;
import dev.qmpkit.samples.QuickStart;
import dev.qmpkit.samples.WatchEvents;
import dev.qmpkit.templating.inspect.VmRole;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What the subcommands that talk to a VM somebody else started, through its QMP socket, do; their
 * command lines are {@link QuickstartCommand}, {@link CheckCommand}, {@link QmpCommand},
 * {@link EventsCommand} and {@link ShellCommand}.
 */
public final class SocketCommands {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SocketCommands() {
    }

    /** {@code quickstart}: version, status, a command, the events of a few seconds. */
    static int quickstart(Path socket, int seconds, Context ctx) {
        QuickStart.run(socket, Duration.ofSeconds(seconds), ctx.out());
        return 0;
    }

    /**
     * {@code check}: the readiness report, then how the VM's QEMU is confined; 0 when ready for the
     * role, 1 when not. For a template the verdict is {@code TemplateVm.save}'s.
     *
     * @param acceptSharedMacs whether a NIC in a template is a warning, not an error
     *                         ({@code SaveOptions.acceptSharedMacs(true)})
     * @param pid the QEMU's process id for the confinement lines; null to find it from the socket
     */
    static int check(Path socket, VmRole role, boolean acceptSharedMacs, Long pid, Path json, Context ctx)
            throws IOException {
        return CheckVm.run(socket, role, acceptSharedMacs, pid, ctx.out(), json) ? 0 : 1;
    }

    /** {@code qmp}: one command, its answer as JSON. */
    static int qmp(Path socket, String command, JsonNode arguments, Context ctx) throws IOException {
        try (QmpClient qmp = connect(socket)) {
            JsonNode result = qmp.blocking().execute(command, arguments);
            ctx.out().println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(result));
        }
        return 0;
    }

    /** {@code events}: events as JSON lines until the count or time is reached, or QEMU exits. */
    static int events(Path socket, int count, int seconds, Context ctx) {
        WatchEvents.run(socket, count, seconds == 0 ? null : Duration.ofSeconds(seconds), ctx.out(), ctx.err());
        return 0;
    }

    /**
     * @param socket a QMP socket path; never null
     * @return a connected client
     */
    static QmpClient connect(Path socket) {
        return QmpClient.connectBlocking(QmpEndpoint.unix(socket), QmpOptions.defaults());
    }

    static JsonNode parseArguments(String text) {
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new UsageException("arguments are not valid JSON: " + e.getOriginalMessage()
                    + " (write them as one object, e.g. '{\"id\":\"pc.ram\"}')");
        }
        if (node == null || !node.isObject()) {
            throw new UsageException("arguments must be a JSON object, e.g. '{\"path\":\"/machine\"}'");
        }
        return node;
    }

    /**
     * Checks {@code --socket} names a QMP monitor that is free, so the common mistakes get a
     * precise message at once instead of a timeout.
     *
     * @param value the path given; never null
     * @return the path
     * @throws CliFailure when nothing is there, it is not a socket, or another client holds the monitor
     */
    static Path socket(String value) {
        Path p = existingSocket(value, "no QMP socket at ",
                "start QEMU with -qmp unix:PATH,server=on,wait=off, or pass the right --socket");
        if (MonitorClients.held(p)) {
            throw new CliFailure("the QMP monitor at " + p + " is in use by another client; QEMU serves one "
                    + "client per monitor socket", MonitorClients.FIX, null);
        }
        return p;
    }

    /**
     * @param value the path given; never null
     * @param missing the message's start when nothing is there, e.g. {@code "no QMP socket at "}; never null
     * @param fix how to get the right socket, where {@code PATH} stands for the path given; never null
     * @return the path, when it is a socket (or cannot be checked)
     * @throws CliFailure when nothing is there or it is not a socket
     */
    static Path existingSocket(String value, String missing, String fix) {
        Path p = Path.of(value);
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS) && !Files.exists(p)) {
            throw new CliFailure(missing + p, fix.replace("PATH", value), null);
        }
        try {
            int mode = (Integer) Files.getAttribute(p, "unix:mode");
            if ((mode & 0170000) != 0140000) {
                throw new CliFailure(p + " is not a socket", fix.replace("PATH", value), null);
            }
        } catch (UnsupportedOperationException | IOException e) {
            // Not a POSIX file system view: let the connection attempt report the problem.
        }
        return p;
    }
}
