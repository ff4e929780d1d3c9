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
import java.util.Set;

/** The subcommands that talk to a VM somebody else started, through its QMP socket. */
public final class SocketCommands {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SocketCommands() {
    }

    /** @return {@code quickstart --socket PATH [--seconds N]} */
    public static Subcommand quickstart() {
        return new Subcommand("quickstart", "--socket PATH [--seconds N]",
                "the QuickStart sample: print a running QEMU's version and status, run a command, print events",
                Set.of("--socket", "--seconds"), Set.of(), (a, ctx) -> {
                    int seconds = a.intValue("--seconds", 5, 0, 3600);
                    a.positional(0, 0, "");
                    Path socket = socket(a);
                    QuickStart.run(socket, Duration.ofSeconds(seconds), ctx.out());
                    return 0;
                });
    }

    /** @return {@code check --socket PATH [--role template|clone] [--pid PID] [--json FILE] [--accept-shared-macs]} */
    public static Subcommand check() {
        return new Subcommand("check", "--socket PATH [--role template|clone] [--pid PID] [--json FILE] "
                + "[--accept-shared-macs]",
                "readiness report: can this running VM be a template (or is it a proper clone)? exit 0 ready, 1 not; "
                        + "the verdict of TemplateVm.save (--accept-shared-macs: SaveOptions.acceptSharedMacs(true)); "
                        + "then how its QEMU is confined (uid, seccomp, NoNewPrivs)",
                Set.of("--socket", "--json", "--role", "--pid"), Set.of("--accept-shared-macs"), (a, ctx) -> {
                    String json = a.value("--json");
                    VmRole role = VmRole.valueOf(a.choice("--role", "template", java.util.List.of("template", "clone"))
                            .toUpperCase(java.util.Locale.ROOT));
                    boolean acceptSharedMacs = a.flag("--accept-shared-macs");
                    Long pid = a.value("--pid") == null ? null : (long) a.intValue("--pid", 0, 1, Integer.MAX_VALUE);
                    a.positional(0, 0, "");
                    Path socket = socket(a);
                    boolean ready = CheckVm.run(socket, role, acceptSharedMacs, pid, ctx.out(),
                            json == null ? null : Path.of(json));
                    return ready ? 0 : 1;
                });
    }

    /** @return {@code qmp --socket PATH COMMAND [JSON]} */
    public static Subcommand qmp() {
        return new Subcommand("qmp", "--socket PATH COMMAND [JSON-ARGUMENTS]",
                "run one QMP command and print QEMU's answer as JSON, e.g. qmp --socket s query-status",
                Set.of("--socket"), Set.of(), (a, ctx) -> {
                    var pos = a.positional(1, 2, "COMMAND (e.g. query-status)");
                    JsonNode arguments = pos.size() > 1 ? parseArguments(pos.get(1)) : null;
                    Path socket = socket(a);
                    try (QmpClient qmp = connect(socket)) {
                        JsonNode result = qmp.blocking().execute(pos.get(0), arguments);
                        ctx.out().println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(result));
                    }
                    return 0;
                });
    }

    /** @return {@code events --socket PATH [--count N] [--seconds N]} */
    public static Subcommand events() {
        return new Subcommand("events", "--socket PATH [--count N] [--seconds N]",
                "print a VM's events as JSON lines until Ctrl-C, QEMU exits, or the count or time is reached",
                Set.of("--socket", "--count", "--seconds"), Set.of(), (a, ctx) -> {
                    int count = a.intValue("--count", 0, 0, Integer.MAX_VALUE);
                    int seconds = a.intValue("--seconds", 0, 0, Integer.MAX_VALUE);
                    a.positional(0, 0, "");
                    Path socket = socket(a);
                    WatchEvents.run(socket, count, seconds == 0 ? null : Duration.ofSeconds(seconds),
                            ctx.out(), ctx.err());
                    return 0;
                });
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

    /** Checks --socket names a Unix socket, so the common mistakes get a precise message. */
    static Path socket(Args a) {
        return existingSocket(a.required("--socket"), "no QMP socket at ",
                "start QEMU with -qmp unix:PATH,server=on,wait=off, or pass the right --socket");
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
