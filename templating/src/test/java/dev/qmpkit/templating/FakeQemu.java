package dev.qmpkit.templating;

import dev.qmpkit.qmp.QmpEndpoint;
import dev.qmpkit.testing.RecordedQemu;
import com.fasterxml.jackson.databind.JsonNode;
import dev.qmpkit.qmp.QemuVersion;
import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.QmpOptions;
import dev.qmpkit.qmp.launch.Confinement;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.launch.QemuLaunchException;
import dev.qmpkit.qmp.launch.QemuLauncher;
import dev.qmpkit.qmp.launch.QemuProcess;
import dev.qmpkit.qmp.launch.QemuStarter;
import dev.qmpkit.testing.FakeMonitor;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A {@link QemuStarter} whose "QEMUs" are {@link FakeMonitor}s that answer like QEMU 10.0 for a
 * template or clone of the SDK's command lines (memory backends, readiness queries, migration
 * to and from a {@code file:} URI, events), for the faults a test injects at a chosen step:
 * QEMU dying, a migration failing, a launch refused. No QEMU runs. The binary it hands out is
 * a script that answers {@code --version} as QEMU 10.0.2 does, so the launcher's probe and the
 * template's QEMU check work as with the real one.
 */
final class FakeQemu implements QemuStarter, AutoCloseable {

    static final String MACHINE = "pc-q35-10.0";
    private static final AtomicLong PIDS = new AtomicLong(4_000_000);

    private final QemuBinary binary;
    private final List<Fake> started = new CopyOnWriteArrayList<>();
    private volatile Consumer<QemuLauncher> beforeStart = l -> { };
    private volatile Consumer<Fake> onClose = f -> { };
    private volatile String incomingFailure;
    private volatile boolean exitAfterIncomingFailure;
    private volatile String outgoingFailure;

    FakeQemu(Path dir) {
        Path script = dir.resolve("fake-qemu-system-x86_64");
        try {
            Files.writeString(script, "#!/bin/sh\n"
                    + "case \"$*\" in *--version*) echo 'QEMU emulator version 10.0.2 (Debian 1:10.0.2+ds-2)';;"
                    + " *) echo 'qemu: not a real QEMU' >&2; exit 1;; esac\n");
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        binary = QemuBinary.of(script);
    }

    /**
     * @param qemu the fake
     * @return an owner that starts its "QEMUs" with the fake, unconfined: the fake runs no QEMU to
     *         confine, and answers only {@code file:} migration URIs (a confined QEMU gets a descriptor)
     */
    static Templating owner(FakeQemu qemu) {
        return Templating.builder().launcher(qemu).confinement(Confinement.none()).build();
    }

    /** @return the binary to describe templates and clones with */
    QemuBinary binary() {
        return binary;
    }

    /** @param hook runs before each start and may throw (a launch QEMU refuses) */
    FakeQemu beforeStart(Consumer<QemuLauncher> hook) {
        this.beforeStart = hook;
        return this;
    }

    /** @param hook runs inside each process's close(), before it ends the process */
    FakeQemu onClose(Consumer<Fake> hook) {
        this.onClose = hook;
        return this;
    }

    /**
     * Makes {@code migrate-incoming} fail as QEMU does: status failed, {@code stderr} on stderr.
     *
     * @param stderr what QEMU prints
     * @param exits whether QEMU then exits (code 1) as it does, or lingers (a slow exit)
     */
    FakeQemu failIncomingMigration(String stderr, boolean exits) {
        this.incomingFailure = stderr;
        this.exitAfterIncomingFailure = exits;
        return this;
    }

    /** @param errorDesc makes {@code migrate} fail as QEMU does when it cannot write: status failed, this error */
    FakeQemu failOutgoingMigration(String errorDesc) {
        this.outgoingFailure = errorDesc;
        return this;
    }

    /** @return every process started, in order */
    List<Fake> started() {
        return List.copyOf(started);
    }

    /** @return the process started last */
    Fake last() {
        return started.get(started.size() - 1);
    }

    @Override
    public QemuProcess start(QemuLauncher launch) {
        beforeStart.accept(launch);
        Fake f = new Fake(launch);
        started.add(f);
        return f;
    }

    @Override
    public void close() {
        started.forEach(Fake::close);
    }

    /** One fake QEMU: a monitor answering for the memory backends its command line asks for. */
    final class Fake implements QemuProcess {
        private final QemuLauncher launch;
        private final long pid = PIDS.incrementAndGet();
        private final FakeMonitor monitor = FakeMonitor.start();
        private final QmpClient client;
        private final CompletableFuture<Integer> exit = new CompletableFuture<>();
        private final Map<String, Map<String, String>> backends = new HashMap<>();
        private volatile String stderr = "";
        private volatile String migration = "none";
        private volatile String errorDesc = "";
        private volatile boolean closed;

        Fake(QemuLauncher launch) {
            this.launch = launch;
            parseBackends(launch.args());
            script();
            client = QmpClient.connectBlocking(QmpEndpoint.unix(monitor.socketPath()), QmpOptions.defaults());
        }

        private void parseBackends(List<String> args) {
            for (int i = 0; i + 1 < args.size(); i++) {
                if (args.get(i).equals("-object") && args.get(i + 1).startsWith("memory-backend-file,")) {
                    Map<String, String> props = new HashMap<>();
                    for (String kv : args.get(i + 1).substring("memory-backend-file,".length()).split(",")) {
                        int eq = kv.indexOf('=');
                        props.put(kv.substring(0, eq), kv.substring(eq + 1));
                    }
                    backends.put(props.get("id"), props);
                }
            }
        }

        private void script() {
            String objects = backends.keySet().stream()
                    .map(id -> "{\"name\": \"" + id + "\", \"type\": \"child<memory-backend-file>\"}")
                    .reduce((a, b) -> a + ", " + b).orElse("");
            long ram = backends.values().stream().mapToLong(p -> Long.parseLong(p.get("size"))).sum();
            monitor.on("qom-list", r -> {
                String path = r.arguments().path("path").asText();
                if (path.equals("/objects")) {
                    r.reply("[" + objects + "]");
                } else if (path.startsWith("/objects/")) {
                    r.reply("[{\"name\": \"size\", \"type\": \"int\"}, {\"name\": \"mem-path\", \"type\": \"string\"},"
                            + " {\"name\": \"share\", \"type\": \"bool\"}, {\"name\": \"readonly\", \"type\": \"bool\"},"
                            + " {\"name\": \"rom\", \"type\": \"OnOffAuto\"}, {\"name\": \"prealloc\", \"type\": "
                            + "\"bool\"}, {\"name\": \"discard-data\", \"type\": \"bool\"}]");
                } else {
                    r.reply("[]");
                }
            });
            monitor.on("qom-get", r -> {
                String path = r.arguments().path("path").asText();
                String prop = r.arguments().path("property").asText();
                if (path.equals("/machine")) {
                    r.reply(prop.equals("type") ? "\"" + MACHINE + "-machine\""
                            : "\"/objects/" + backends.keySet().iterator().next() + "\"");
                    return;
                }
                Map<String, String> b = backends.get(path.substring(path.lastIndexOf('/') + 1));
                switch (prop) {
                    case "size" -> r.reply(b.get("size"));
                    case "mem-path" -> r.reply("\"" + b.get("mem-path") + "\"");
                    case "share", "readonly" -> r.reply(Boolean.toString("on".equals(b.get(prop))));
                    case "rom" -> r.reply("\"" + b.getOrDefault("rom", "auto") + "\"");
                    default -> r.reply("false");
                }
            });
            monitor.returns("human-monitor-command", "\"\"");
            monitor.errors("query-balloon", "DeviceNotActive", "No balloon device has been activated");
            // QEMU answers the generation id its command line gave the vmgenid device.
            String guid = launch.args().stream().filter(a -> a.startsWith("vmgenid,")).findFirst()
                    .map(a -> a.substring(a.indexOf("guid=") + "guid=".length()).split(",")[0])
                    .orElse(UUID.randomUUID().toString());
            monitor.returns("query-vm-generation-id", "{\"guid\": \"" + guid + "\"}");
            monitor.returns("query-uuid", "{\"UUID\": \"00000000-0000-0000-0000-000000000000\"}");
            monitor.returns("query-memory-devices", "[]");
            monitor.returns("query-memory-size-summary", "{\"base-memory\": " + ram + ", \"plugged-memory\": 0}");
            for (String recorded : List.of("query-migrate-capabilities", "query-qmp-schema", "qom-list-properties")) {
                JsonNode reply = RecordedQemu.of("10.0").reply(recorded);
                monitor.on(recorded, r -> r.replyRecorded(reply));
            }
            for (String ok : List.of("stop", "cont", "migrate-set-capabilities", "netdev_add", "device_add")) {
                monitor.returns(ok, "{}");
            }
            monitor.on("query-migrate", r -> r.reply("failed".equals(migration)
                    ? "{\"status\": \"failed\", \"error-desc\": \"" + errorDesc + "\"}"
                    : "{\"status\": \"" + migration + "\"}"));
            monitor.on("migrate", r -> {
                String failure = outgoingFailure;
                r.reply("{}");
                if (failure == null) {
                    writeState(r.arguments().path("uri").asText());
                    migrationEvents("completed");
                } else {
                    errorDesc = failure;
                    migrationEvents("failed");
                }
            });
            monitor.on("migrate-incoming", r -> {
                r.reply("{}");
                String failure = incomingFailure;
                if (failure == null) {
                    migrationEvents("completed");
                } else {
                    stderr = failure;
                    errorDesc = "load of migration failed: Invalid argument";
                    migrationEvents("failed");
                    if (exitAfterIncomingFailure) {
                        // As QEMU does after a failed incoming migration: exit, once the event is out.
                        CompletableFuture.runAsync(() -> die(1));
                    }
                }
            });
            monitor.on("quit", r -> {
                r.reply("{}");
                CompletableFuture.runAsync(() -> die(0));
            });
        }

        private void migrationEvents(String end) {
            migration = end;
            monitor.sendEvent("MIGRATION", "{\"status\": \"setup\"}");
            monitor.sendEvent("MIGRATION", "{\"status\": \"" + end + "\"}");
        }

        /** A stream QEMU could have written: the header the SDK reads, then opaque device state. */
        private void writeState(String uri) {
            Path file = Path.of(uri.substring("file:".length()));
            try (OutputStream raw = Files.newOutputStream(file); DataOutputStream out = new DataOutputStream(raw)) {
                out.writeInt(0x5145564d);
                out.writeInt(3);
                out.writeByte(0x07);
                out.writeInt(MACHINE.length());
                out.write(MACHINE.getBytes(StandardCharsets.US_ASCII));
                out.write(new byte[4096]);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** The process ends: its monitor connection closes, as when QEMU exits. */
        void die(int code) {
            if (exit.isDone()) {
                return;
            }
            monitor.dropConnections();
            exit.complete(code);
        }

        /** @return whether close() ran to its end */
        boolean closed() {
            return closed;
        }

        @Override
        public long pid() {
            return pid;
        }

        @Override
        public String name() {
            return launch.name();
        }

        @Override
        public QmpClient qmp() {
            return client;
        }

        @Override
        public QemuBinary binary() {
            return launch.binary();
        }

        @Override
        public QemuVersion version() {
            return new QemuVersion(10, 0, 2);
        }

        @Override
        public List<String> commandLine() {
            return launch.args();
        }

        @Override
        public Path runDir() {
            return launch.workDir();
        }

        @Override
        public List<Path> extraMonitors() {
            return List.of();
        }

        @Override
        public boolean isAlive() {
            return !exit.isDone();
        }

        @Override
        public CompletableFuture<Integer> onExit() {
            return exit.copy();
        }

        @Override
        public String stderrTail() {
            return closed ? "" : stderr;
        }

        @Override
        public void kill() {
            stderr = stderr.isEmpty() ? "qemu-system-x86_64: terminating on signal 9" : stderr;
            die(137);
        }

        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            onClose.accept(this);
            die(0);
            client.close();
            monitor.close();
            closed = true;
        }

        @Override
        public CompletableFuture<Void> closeAsync() {
            return CompletableFuture.runAsync(this::close);
        }

        @Override
        public String toString() {
            return "FakeQemu[" + launch.name() + ", pid " + pid + "]";
        }
    }

    /** @return a launch failure as the real launcher reports a QEMU that refused its options */
    static QemuLaunchException refused(QemuLauncher launch, String stderr) {
        return new QemuLaunchException("QEMU exited with code 1 before its monitor was ready (QEMU 10.0.2, "
                + launch.binary().executable() + ")\ncommand line: " + String.join(" ", launch.args())
                + "\nQEMU stderr:\n" + stderr, null);
    }
}
