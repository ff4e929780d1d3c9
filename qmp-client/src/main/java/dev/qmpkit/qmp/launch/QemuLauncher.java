package dev.qmpkit.qmp.launch;

import dev.qmpkit.qmp.Futures;
import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.QmpListener;
import dev.qmpkit.qmp.QmpOptions;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts QEMU as a child process with a QMP monitor on a Unix socket in a private run
 * directory (mode 0700), waits for the negotiated monitor, and returns a {@link QemuProcess}.
 * Build with {@link #builder(QemuBinary)}; immutable and reusable (each {@link #start()} runs
 * a new QEMU).
 *
 * <p>The launcher listens and QEMU connects to it ({@code -chardev socket,path=...} without
 * {@code server=on}), so nothing polls for a socket file: start-up takes as long as QEMU
 * needs and no longer, and a QEMU that exits early (a bad option) fails the start at once
 * with the command line and the tail of QEMU's stderr.
 *
 * <p>The launcher owns the SDK's monitor and refuses {@code -qmp} and {@code -mon} in the
 * arguments; another tool that should attach to the same QEMU gets a monitor of its own with
 * {@link Builder#extraMonitor(Path)}.
 *
 * <pre>{@code
 * QemuLauncher launcher = QemuLauncher.builder(QemuBinary.system())
 *     .args("-M", "none", "-accel", "tcg")
 *     .build();
 * try (QemuProcess qemu = launcher.start()) {
 *     qemu.qmp().execute("query-status").join();
 * }
 * }</pre>
 */
public final class QemuLauncher {

    private static final Logger LOG = LoggerFactory.getLogger(QemuLauncher.class);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,40}");
    private static final String MONITOR_ID = "qmpkit-qmp";
    private static final String EXTRA_MONITOR_ID = "qmpkit-extra";
    /** Options that would add a second monitor or detach QEMU from the launcher. */
    private static final Set<String> RESERVED = Set.of("qmp", "qmp-pretty", "mon", "daemonize");
    /** Options that choose a display themselves, so the launcher must not add {@code -display none}. */
    private static final Set<String> DISPLAY = Set.of("display", "nographic", "curses", "sdl", "vnc", "spice");
    /** How long a failed start waits for QEMU to exit by itself, to report its exit and stderr. */
    private static final long EXIT_GRACE_MILLIS = 1000;
    /**
     * Runs start-up callbacks off Netty's I/O threads and the JDK's process reaper: closing a
     * listener and deleting files may block briefly.
     */
    static final ExecutorService CALLBACKS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "qmpkit-launcher");
        t.setDaemon(true);
        return t;
    });

    private final QemuBinary binary;
    private final List<String> args;
    private final Path workDir;
    private final String name;
    private final Duration startTimeout;
    private final Duration stopTimeout;
    private final QmpOptions qmpOptions;
    private final List<Path> extraMonitors;

    private QemuLauncher(Builder b) {
        this.binary = b.binary;
        this.args = List.copyOf(b.args);
        this.workDir = b.workDir != null ? b.workDir : Path.of(System.getProperty("java.io.tmpdir"));
        this.name = b.name;
        this.startTimeout = b.startTimeout;
        this.stopTimeout = b.stopTimeout;
        this.qmpOptions = b.qmpOptions;
        this.extraMonitors = List.copyOf(b.extraMonitors);
    }

    /** @param binary the QEMU to run; never null @return a builder */
    public static Builder builder(QemuBinary binary) {
        return new Builder(binary);
    }

    /** @return the binary this launcher runs; never null */
    public QemuBinary binary() {
        return binary;
    }

    /** @return the user's QEMU arguments (without the ones the launcher adds); never null, immutable */
    public List<String> args() {
        return args;
    }

    /** @return the absolute socket paths of the extra monitors, in the order added; never null, immutable */
    public List<Path> extraMonitors() {
        return extraMonitors;
    }

    /**
     * Starts QEMU and waits until its monitor is negotiated.
     *
     * @return the running process with a connected client
     * @throws QemuLaunchException when QEMU fails to start or its monitor does not come up in
     *         time; the message carries the command line and QEMU's stderr
     */
    public QemuProcess start() {
        CompletableFuture<QemuProcess> f = startAsync();
        try {
            return Futures.await(f);
        } catch (RuntimeException e) {
            // Interrupted while QEMU was still starting: the process must not outlive the caller's interest.
            f.cancel(false);
            throw e;
        }
    }

    /**
     * Starts QEMU without blocking on its monitor (spawning itself takes about a millisecond,
     * and the first start of a binary probes it once, about 50 ms).
     *
     * @return a future completed with the running process, or failed with a
     *         {@link QemuLaunchException}; cancelling it stops a QEMU that comes up later
     */
    public CompletableFuture<QemuProcess> startAsync() {
        try {
            return new Attempt().begin();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** One start: owns the run directory, listener and processes until it hands them to a QemuProcess. */
    private final class Attempt implements LiveProcesses.Child {
        private final CompletableFuture<QemuProcess> result = new CompletableFuture<>();
        private final AtomicBoolean settled = new AtomicBoolean();
        private final AtomicBoolean cleaned = new AtomicBoolean();
        private QemuVersionProbe.QemuBinaryInfo info;
        private RunDir runDir;
        private QmpListener listener;
        private List<String> command;
        private Process process;
        private Process watchdog;

        CompletableFuture<QemuProcess> begin() {
            checkExtraMonitors();
            info = QemuVersionProbe.probe(binary);
            runDir = RunDir.create(workDir, name);
            try {
                listener = QmpListener.bind(runDir.socket(), qmpOptions);
            } catch (RuntimeException e) {
                runDir.delete();
                throw new QemuLaunchException("cannot listen on the monitor socket " + runDir.socket() + ": "
                        + e.getMessage(), e);
            }
            command = commandLine(info, runDir.socket());
            // Armed before QEMU exists, so a JVM killed right after the spawn still takes QEMU with it.
            watchdog = info.exitWithParent() ? null : startWatchdog();
            try {
                process = new ProcessBuilder(command)
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(ProcessBuilder.Redirect.appendTo(runDir.stderrLog().toFile()))
                        .start();
            } catch (IOException e) {
                if (watchdog != null) {
                    watchdog.destroyForcibly();
                }
                listener.close();
                runDir.delete();
                throw new QemuLaunchException("cannot run QEMU: " + e.getMessage() + "\ncommand line: "
                        + String.join(" ", command), e);
            }
            LiveProcesses.add(this);
            LOG.debug("started QEMU {} (pid {}): {}", name, process.pid(), command);
            if (watchdog != null) {
                arm(watchdog, process);
            }
            process.onExit().thenRunAsync(this::exitedEarly, CALLBACKS);
            listener.accept(startTimeout).whenCompleteAsync(this::accepted, CALLBACKS);
            result.whenComplete((p, e) -> {
                if (result.isCancelled()) {
                    fail("start of QEMU was cancelled", null);
                }
            });
            return result;
        }

        private void exitedEarly() {
            if (!settled.compareAndSet(false, true)) {
                return;
            }
            QemuLaunchException e = failure("QEMU exited with code " + exitCode() + " before its monitor was ready",
                    null, runDir.stderrTail());
            cleanup();
            result.completeExceptionally(e);
        }

        private void accepted(QmpClient client, Throwable error) {
            listener.close();
            if (error == null) {
                if (settled.compareAndSet(false, true)) {
                    QemuProcess qemu = new QemuProcess(name, binary, info.version(), command, runDir, process,
                            watchdog, client, stopTimeout, extraMonitors, this);
                    LOG.info("QEMU {} {} running (pid {}), monitor ready", name, info.version(), process.pid());
                    if (!result.complete(qemu)) {
                        qemu.close();
                    }
                } else {
                    client.close();
                }
                return;
            }
            // A monitor that failed because QEMU is dying is reported as QEMU's exit, with its stderr.
            process.onExit().thenApply(p -> true)
                    .completeOnTimeout(false, EXIT_GRACE_MILLIS, TimeUnit.MILLISECONDS)
                    .thenAcceptAsync(exited -> {
                        if (!exited) {
                            fail("QEMU's monitor did not come up within " + startTimeout + ": "
                                    + Futures.unwrap(error).getMessage(), Futures.unwrap(error));
                        }
                    }, CALLBACKS);
        }

        private void fail(String message, Throwable cause) {
            if (!settled.compareAndSet(false, true)) {
                return;
            }
            process.destroyForcibly();
            process.onExit().whenCompleteAsync((p, e) -> {
                String tail = runDir.stderrTail();
                cleanup();
                result.completeExceptionally(failure(message, cause, tail));
            }, CALLBACKS);
        }

        private QemuLaunchException failure(String message, Throwable cause, String tail) {
            return new QemuLaunchException(message + " (QEMU " + info.version() + ", " + binary.executable() + ")"
                    + "\ncommand line: " + String.join(" ", command)
                    + "\nQEMU stderr:" + (tail.isBlank() ? " (empty)" : "\n" + tail), cause);
        }

        private String exitCode() {
            try {
                return Integer.toString(process.exitValue());
            } catch (IllegalThreadStateException e) {
                return "?";
            }
        }

        private void cleanup() {
            listener.close();
            cleanupAfterExit();
            LiveProcesses.remove(this);
        }

        @Override
        public Process process() {
            return process;
        }

        @Override
        public void cleanupAfterExit() {
            if (!cleaned.compareAndSet(false, true)) {
                return;
            }
            // Only once QEMU is gone: the watchdog kills by PID, which must not be reused meanwhile.
            if (watchdog != null) {
                watchdog.destroyForcibly();
                try {
                    // Reap it now, so process counts taken right after close() are exact.
                    watchdog.waitFor(1, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            runDir.delete();
            deleteExtraMonitorSockets();
        }
    }

    /**
     * QEMU unlinks whatever is at a server socket's path before it binds, so an existing file
     * there would be silently replaced; and a missing parent fails only inside QEMU.
     */
    private void checkExtraMonitors() {
        for (Path socket : extraMonitors) {
            if (!Files.isDirectory(socket.getParent())) {
                throw new QemuLaunchException("the directory of extra monitor socket " + socket
                        + " does not exist or is not a directory; create it (mode 0700) before starting QEMU", null);
            }
            if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
                throw new QemuLaunchException("extra monitor socket " + socket + " already exists (another QEMU "
                        + "serving it, or a leftover); QEMU would replace it. Remove it or choose another path", null);
            }
        }
    }

    /** QEMU may leave its server sockets behind when it is killed; they are its files, not the caller's. */
    private void deleteExtraMonitorSockets() {
        for (Path socket : extraMonitors) {
            try {
                // Only a socket: whatever else appeared at the path after QEMU exited is not ours.
                if (Files.readAttributes(socket, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther()) {
                    Files.deleteIfExists(socket);
                }
            } catch (NoSuchFileException e) {
                // QEMU removed it itself, or never got to create it
            } catch (IOException e) {
                LOG.warn("cannot delete extra monitor socket {}: {}", socket, e.toString());
            }
        }
    }

    /**
     * A shell that learns QEMU's PID, then blocks reading a pipe only this JVM holds open. When
     * the JVM dies for any reason, even SIGKILL, the kernel closes the pipe and the shell kills
     * QEMU: no orphan. Used when QEMU lacks {@code -run-with exit-with-parent=on} (before 10.1).
     * A JVM that dies before sending the PID makes the shell exit without killing anything.
     */
    private static Process startWatchdog() {
        try {
            // $0 names it in ps, for whoever counts processes.
            return new ProcessBuilder("/bin/sh", "-c", "read pid || exit 0; read _ignored; kill -9 \"$pid\" 2>/dev/null",
                    "qmpkit-watchdog")
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException e) {
            LOG.warn("cannot start the orphan watchdog ({}); QEMU will outlive a killed JVM", e.toString());
            return null;
        }
    }

    private static void arm(Process watchdog, Process qemu) {
        try {
            watchdog.getOutputStream().write((qemu.pid() + "\n").getBytes(StandardCharsets.US_ASCII));
            watchdog.getOutputStream().flush();
        } catch (IOException e) {
            LOG.warn("cannot arm the orphan watchdog for QEMU pid {} ({}); it will outlive a killed JVM",
                    qemu.pid(), e.toString());
        }
        // Once QEMU is reaped its PID may be reused: the watchdog must not outlive it.
        qemu.onExit().thenRun(watchdog::destroyForcibly);
    }

    /** The full command line: binary, firmware, monitor, display, exit-with-parent, then the user's args. */
    List<String> commandLine(QemuVersionProbe.QemuBinaryInfo info, Path socket) {
        List<String> cmd = new ArrayList<>();
        cmd.add(binary.executable().toString());
        cmd.addAll(binary.firmwareArgs());
        cmd.add("-chardev");
        cmd.add(QemuOption.of("socket").set("id", MONITOR_ID).set("path", socket).toString());
        cmd.add("-mon");
        cmd.add(QemuOption.keyValues().set("chardev", MONITOR_ID).set("mode", "control").toString());
        for (int i = 0; i < extraMonitors.size(); i++) {
            String id = EXTRA_MONITOR_ID + (i + 1);
            cmd.add("-chardev");
            cmd.add(QemuOption.of("socket").set("id", id).set("path", extraMonitors.get(i))
                    .set("server", true).set("wait", false).toString());
            cmd.add("-mon");
            cmd.add(QemuOption.keyValues().set("chardev", id).set("mode", "control").toString());
        }
        if (args.stream().noneMatch(a -> DISPLAY.contains(optionName(a)))) {
            cmd.add("-display");
            cmd.add("none");
        }
        if (info.exitWithParent()) {
            cmd.add("-run-with");
            cmd.add("exit-with-parent=on");
        }
        cmd.addAll(args);
        return cmd;
    }

    /** @return the option's name without leading dashes (QEMU accepts {@code -opt} and {@code --opt}), or "" */
    private static String optionName(String arg) {
        if (!arg.startsWith("-")) {
            return "";
        }
        String n = arg.startsWith("--") ? arg.substring(2) : arg.substring(1);
        return n.toLowerCase(Locale.ROOT);
    }

    /** Builds a {@link QemuLauncher}. Not thread-safe. */
    public static final class Builder {
        private final QemuBinary binary;
        private final List<String> args = new ArrayList<>();
        private Path workDir;
        private String name = "qemu";
        private Duration startTimeout = Duration.ofSeconds(15);
        private Duration stopTimeout = Duration.ofSeconds(5);
        private QmpOptions qmpOptions = QmpOptions.defaults();
        private final List<Path> extraMonitors = new ArrayList<>();

        private Builder(QemuBinary binary) {
            this.binary = Objects.requireNonNull(binary, "binary");
        }

        /**
         * Replaces the arguments.
         *
         * @param args QEMU arguments except the monitor ones, which the launcher adds; never
         *             null, no null or empty element, none of {@code -qmp -qmp-pretty -mon -daemonize}
         * @return this
         * @throws IllegalArgumentException when an argument is invalid or reserved
         */
        public Builder args(List<String> args) {
            Objects.requireNonNull(args, "args");
            List<String> copy = new ArrayList<>(args.size());
            for (int i = 0; i < args.size(); i++) {
                String a = args.get(i);
                if (a == null || a.isEmpty()) {
                    throw new IllegalArgumentException("QEMU argument #" + i + " is " + (a == null ? "null" : "empty")
                            + " in " + args);
                }
                if (a.indexOf('\0') >= 0) {
                    throw new IllegalArgumentException("QEMU argument #" + i + " contains a NUL character");
                }
                String opt = optionName(a);
                if (RESERVED.contains(opt)) {
                    throw new IllegalArgumentException("QEMU argument '" + a + "' is not allowed: the launcher "
                            + (opt.equals("daemonize")
                                ? "must stay QEMU's parent to stop it and to prevent orphans"
                                : "adds the QMP monitor itself (use QemuProcess.qmp())")
                            + "; remove it from " + args);
                }
                copy.add(a);
            }
            this.args.clear();
            this.args.addAll(copy);
            return this;
        }

        /** @param args QEMU arguments, as for {@link #args(List)}; never null @return this */
        public Builder args(String... args) {
            Objects.requireNonNull(args, "args");
            return args(java.util.Arrays.asList(args));
        }

        /**
         * @param dir parent of the private run directory (default: the system temp dir); must
         *            exist; never null. Its path may contain spaces and commas.
         * @return this
         */
        public Builder workDir(Path dir) {
            this.workDir = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /**
         * @param name a short name for logs and the run directory: 1 to 40 letters, digits,
         *             {@code . _ -} (default {@code qemu}); never null
         * @return this
         */
        public Builder name(String name) {
            Objects.requireNonNull(name, "name");
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("name must be 1 to 40 letters, digits, '.', '_' or '-': '"
                        + name + "'");
            }
            this.name = name;
            return this;
        }

        /** @param timeout how long QEMU may take to serve its monitor (default 15 s); positive, never null @return this */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = positive(timeout, "startTimeout");
            return this;
        }

        /** @param timeout how long close() waits after 'quit' before signalling (default 5 s); positive, never null @return this */
        public Builder stopTimeout(Duration timeout) {
            this.stopTimeout = positive(timeout, "stopTimeout");
            return this;
        }

        /** @param options options for the monitor client; never null @return this */
        public Builder qmpOptions(QmpOptions options) {
            this.qmpOptions = Objects.requireNonNull(options, "options");
            return this;
        }

        /**
         * Adds a further QMP monitor that QEMU itself serves on a Unix socket, so another tool
         * ({@code qmpkit check --socket PATH}, QEMU's {@code qmp-shell}, a second
         * {@link QmpClient#connect}) can attach to the QEMU this launcher starts. Repeatable;
         * each call adds one monitor ({@code -chardev socket,server=on,wait=off} plus
         * {@code -mon mode=control}). The socket exists once {@link #start()} returns, and
         * {@link QemuProcess#close()} deletes it if QEMU left it behind.
         *
         * <p>QEMU creates the socket with the process umask, typically readable and writable
         * by others, and QMP has no authentication: whoever can connect controls the VM. Put
         * the socket in a private directory (mode 0700), e.g. one made with
         * {@code Files.createTempDirectory}.
         *
         * @param socket where QEMU listens; never null. Relative paths are resolved against
         *               the current directory; the absolute path may be at most 107 bytes
         *               (a Unix socket's limit). Its directory must exist and the path itself
         *               must not, when {@link #start()} runs (otherwise start throws
         *               {@link QemuLaunchException}), since QEMU would replace the file
         * @return this
         * @throws IllegalArgumentException when the path is too long, is the root or was already added
         */
        public Builder extraMonitor(Path socket) {
            Objects.requireNonNull(socket, "socket");
            Path abs = socket.toAbsolutePath().normalize();
            if (abs.getFileName() == null) {
                throw new IllegalArgumentException("extra monitor socket path " + socket + " names no file");
            }
            int bytes = abs.toString().getBytes(StandardCharsets.UTF_8).length;
            if (bytes > RunDir.MAX_SOCKET_PATH_BYTES) {
                throw new IllegalArgumentException("extra monitor socket path " + abs + " is " + bytes
                        + " bytes, more than a Unix socket allows (" + RunDir.MAX_SOCKET_PATH_BYTES
                        + "); choose a shorter path");
            }
            if (extraMonitors.contains(abs)) {
                throw new IllegalArgumentException("extra monitor socket " + abs + " was already added");
            }
            extraMonitors.add(abs);
            return this;
        }

        /** @return the launcher */
        public QemuLauncher build() {
            return new QemuLauncher(this);
        }

        private static Duration positive(Duration d, String what) {
            Objects.requireNonNull(d, what);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive, got " + d);
            }
            return d;
        }
    }
}
