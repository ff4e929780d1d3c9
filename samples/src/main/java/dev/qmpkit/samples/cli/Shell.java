package dev.qmpkit.samples.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.qmpkit.qmp.ConnectionListener;
import dev.qmpkit.qmp.EventSubscription;
import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.QmpCommandException;
import dev.qmpkit.qmp.QmpConnectionException;
import dev.qmpkit.qmp.QmpEndpoint;
import dev.qmpkit.qmp.QmpEvent;
import dev.qmpkit.qmp.QmpException;
import dev.qmpkit.qmp.QmpOptions;
import dev.qmpkit.qmp.QmpTimeoutException;
import dev.qmpkit.qmp.schema.QmpSchema;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.DefaultParser;
import org.jline.terminal.Terminal;

/**
 * {@code ./qmpkit shell}: an interactive QMP monitor in the manner of QEMU's {@code qmp-shell}.
 * Each line is a command in {@link ShellLine}'s syntax (or, with {@code -H}, an HMP command sent
 * through {@code human-monitor-command}); QEMU's answer is printed as QMP writes it
 * ({@code {"return": ...}} or {@code {"error": ...}}), and events are printed the moment they
 * arrive, in the order QEMU sent them relative to the answers. On a terminal, lines are read
 * with JLine: editing, a history file, Tab completion from the schema, and events printed
 * above the prompt without breaking the line being typed. Otherwise lines are read from
 * standard input, so a script can pipe commands in; then the exit code is 1 when any command
 * failed.
 */
final class Shell {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * What the shell does.
     *
     * @param socket the QMP socket; never null
     * @param hmp whether lines are HMP commands
     * @param pretty whether JSON is printed indented
     * @param verbose whether each command is printed as sent, before its answer
     * @param log where every message sent and received is written as JSON lines; null for none
     * @param history the history file of interactive sessions; never null
     */
    record Settings(Path socket, boolean hmp, boolean pretty, boolean verbose, Path log, Path history) {
        Settings {
            Objects.requireNonNull(socket, "socket");
            Objects.requireNonNull(history, "history");
        }
    }

    private final Settings settings;
    private final QmpClient qmp;
    private final QmpSchema schema;
    private final BufferedWriter log;
    private final Context ctx;
    private volatile Consumer<String> printer;
    private boolean failed;
    private boolean quitSent;

    private Shell(Settings settings, QmpClient qmp, BufferedWriter log, Context ctx) {
        this.settings = settings;
        this.qmp = qmp;
        this.schema = QmpSchema.load(qmp);
        this.log = log;
        this.ctx = ctx;
        this.printer = line -> {
            synchronized (ctx.out()) {
                ctx.out().println(line);
                ctx.out().flush();
            }
        };
    }

    /**
     * Connects, then reads commands until the end of input (Ctrl-D) or until QEMU closes the connection.
     *
     * @param s what to do; never null
     * @param ctx streams; never null
     * @param terminal the terminal to read from with line editing; null to read {@code ctx.in()} line by line
     * @return 0 when every command succeeded, else 1
     * @throws IOException when the log file cannot be written
     */
    static int run(Settings s, Context ctx, Terminal terminal) throws IOException {
        CompletableFuture<QmpException> closed = new CompletableFuture<>();
        // Listeners run on the I/O thread: an event is printed before the answer QEMU sent after it.
        QmpOptions options = QmpOptions.builder().eventExecutor(Runnable::run)
                .connectionListener(new ConnectionListener() {
                    @Override
                    public void onDisconnected(QmpClient client, QmpException cause, boolean willReconnect) {
                        closed.complete(cause);
                    }
                }).build();
        try (BufferedWriter log = s.log() == null ? null : Files.newBufferedWriter(s.log(), StandardCharsets.UTF_8);
             QmpClient qmp = QmpClient.connectBlocking(QmpEndpoint.unix(s.socket()), options)) {
            Shell shell = new Shell(s, qmp, log, ctx);
            try (EventSubscription events = qmp.subscribe(null, null, shell::event)) {
                ctx.err().println("connected to QEMU " + qmp.qemuVersion() + " at " + s.socket() + (s.hmp()
                        ? " (HMP commands)" : "") + (terminal == null ? "" : "; Tab completes, Ctrl-D quits"));
                if (terminal == null) {
                    shell.readLines();
                } else {
                    shell.readTerminal(terminal);
                }
                if (closed.isDone()) {
                    QmpException cause = closed.join();
                    ctx.err().println("QEMU closed the connection" + (cause == null ? "" : ": " + cause.getMessage()));
                    if (!shell.quitSent) {
                        shell.failed = true;
                    }
                }
            }
            return shell.failed ? 1 : 0;
        }
    }

    private void readLines() throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(ctx.in(), StandardCharsets.UTF_8));
        String line;
        while (!qmp.closeFuture().isDone() && (line = in.readLine()) != null) {
            execute(line);
        }
    }

    private void readTerminal(Terminal terminal) {
        DefaultParser parser = new DefaultParser();
        parser.setEscapeChars(new char[0]);
        LineReader reader = LineReaderBuilder.builder().appName("qmpkit").terminal(terminal)
                .completer(new ShellCompleter(schema, settings.hmp() ? hmpCommands() : null))
                .parser(parser)
                .variable(LineReader.HISTORY_FILE, settings.history())
                .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true)
                .build();
        printer = reader::printAbove;
        String prompt = settings.hmp() ? "(HMP) " : "(QEMU) ";
        try {
            while (!qmp.closeFuture().isDone()) {
                String line;
                try {
                    line = reader.readLine(prompt);
                } catch (UserInterruptException e) {
                    continue; // Ctrl-C drops the line being typed
                } catch (EndOfFileException e) {
                    break;
                }
                execute(line);
            }
        } finally {
            try {
                reader.getHistory().save();
            } catch (IOException e) {
                ctx.err().println("note: could not save the history in " + settings.history() + ": " + e.getMessage());
            }
        }
    }

    /** Runs one line; a failure is printed and remembered, the session goes on. */
    private void execute(String typed) {
        String line = typed.strip();
        if (line.isEmpty() || line.startsWith("#")) {
            return;
        }
        String command;
        ObjectNode arguments;
        if (settings.hmp()) {
            command = "human-monitor-command";
            arguments = JSON.createObjectNode().put("command-line", line);
        } else {
            try {
                ShellLine parsed = ShellLine.parse(line, schema);
                command = parsed.command();
                arguments = parsed.arguments();
            } catch (ShellLine.SyntaxException e) {
                failed = true;
                ctx.err().println("error: " + e.getMessage() + " (syntax: COMMAND [NAME=VALUE ...], e.g. "
                        + "qom-get path=/machine property=type)");
                return;
            }
        }
        ObjectNode request = JSON.createObjectNode().put("execute", command);
        if (!arguments.isEmpty()) {
            request.set("arguments", arguments);
        }
        if (settings.verbose()) {
            printer.accept(render(request));
        }
        log(request);
        ObjectNode response = JSON.createObjectNode();
        try {
            JsonNode result = qmp.blocking().execute(command, arguments.isEmpty() ? null : arguments);
            response.set("return", result);
            log(response);
            if (settings.hmp()) {
                String text = result.asText().replace("\r\n", "\n").stripTrailing();
                if (!text.isEmpty()) {
                    printer.accept(text);
                }
            } else {
                printer.accept(render(response));
            }
            quitSent |= command.equals("quit") || settings.hmp() && (line.equals("quit") || line.equals("q"));
        } catch (QmpCommandException e) {
            failed = true;
            response.putObject("error").put("class", e.errorClass()).put("desc", e.description());
            log(response);
            printer.accept(render(response));
            if ("CommandNotFound".equals(e.errorClass())) {
                List<String> close = Similar.to(command, schema.commands());
                if (!close.isEmpty()) {
                    ctx.err().println("did you mean " + String.join(" or ", close.subList(0, Math.min(3,
                            close.size()))) + "? (Tab completes command names)");
                }
            }
        } catch (QmpTimeoutException e) {
            failed = true;
            ctx.err().println("error: " + Durations.humanize(e.getMessage()));
        } catch (QmpConnectionException e) {
            if (!quitSent) {
                failed = true;
                ctx.err().println("error: " + e.getMessage());
            }
        }
    }

    private void event(QmpEvent e) {
        ObjectNode line = JSON.createObjectNode();
        line.put("timestamp", e.timestamp().toString());
        line.put("event", e.name());
        line.set("data", e.data());
        log(line);
        printer.accept(render(line));
    }

    private String render(JsonNode node) {
        try {
            return (settings.pretty() ? PRETTY : JSON).writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private void log(JsonNode message) {
        if (log == null) {
            return;
        }
        synchronized (log) {
            try {
                log.write(JSON.writeValueAsString(message));
                log.newLine();
                log.flush();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the log " + settings.log(), e);
            }
        }
    }

    /** HMP's command names, from its own {@code help}: {@code name|alias args -- text} per line. */
    private List<String> hmpCommands() {
        List<String> names = new ArrayList<>();
        for (String helpLine : hmp("help").split("\r?\n")) {
            String first = helpLine.strip().split("\\s+")[0];
            if (first.isEmpty() || first.startsWith("[")) {
                continue;
            }
            for (String alias : first.split("\\|")) {
                if (!names.contains(alias)) {
                    names.add(alias);
                }
            }
        }
        return names;
    }

    private String hmp(String commandLine) {
        return qmp.blocking().execute("human-monitor-command", JSON.createObjectNode().put("command-line",
                commandLine)).asText();
    }
}
