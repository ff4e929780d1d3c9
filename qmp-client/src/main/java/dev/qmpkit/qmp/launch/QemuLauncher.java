package dev.qmpkit.qmp.launch;

import dev.qmpkit.qmp.Futures;
import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.QmpOptions;
import dev.qmpkit.qmp.agent.AgentOptions;
import dev.qmpkit.qmp.agent.GuestAgentClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;

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
 * <p>QEMU runs confined ({@link Builder#confinement(Confinement)}): by default under its seccomp
 * sandbox, and, when the JVM runs as root, as the unprivileged user {@code nobody}; see
 * {@link Confinement} for what that changes and how to turn each part off.
 *
 * <p>{@link Builder#guestAgent(AgentOptions)} adds a channel for the QEMU guest agent
 * ({@code qemu-ga} in the guest): a Unix socket in the private run directory that QEMU serves,
 * a {@code virtio-serial-pci} controller and a {@code virtserialport} named
 * {@value #AGENT_PORT_NAME}; {@link QemuProcess#guestAgent()} then hands out a
 * {@link GuestAgentClient} for it, closed with the process.
 *
 * <p>A launcher is also the description of one start that a {@link QemuStarter} receives,
 * so code that starts QEMU for its callers can be given another starter (a test double, or
 * one that adjusts every launch with {@link #toBuilder()}).
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

    /** The name of the guest agent's virtio-serial port, which {@code qemu-ga} in the guest opens. */
    public static final String AGENT_PORT_NAME = "org.qemu.guest_agent.0";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,40}");
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
    private final Confinement confinement;
    private final AgentOptions guestAgent;

    private QemuLauncher(Builder b) {
        this.binary = b.binary;
        this.args = List.copyOf(b.args);
        this.workDir = b.workDir != null ? b.workDir : Path.of(System.getProperty("java.io.tmpdir"));
        this.name = b.name;
        this.startTimeout = b.startTimeout;
        this.stopTimeout = b.stopTimeout;
        this.qmpOptions = b.qmpOptions;
        this.extraMonitors = List.copyOf(b.extraMonitors);
        this.confinement = b.confinement;
        this.guestAgent = b.guestAgent;
    }

    /**
     * @param binary the QEMU to run; never null
     * @return a builder with the defaults
     */
    public static Builder builder(QemuBinary binary) {
        return new Builder(binary);
    }

    /** @return a builder initialised from this launcher, e.g. to add arguments to a launch; never null */
    public Builder toBuilder() {
        Builder b = new Builder(binary).args(args).workDir(workDir).name(name).startTimeout(startTimeout)
                .stopTimeout(stopTimeout).qmpOptions(qmpOptions).confinement(confinement);
        extraMonitors.forEach(b::extraMonitor);
        b.guestAgent = guestAgent;
        return b;
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
     * @return the options of the guest agent client, when the launch adds an agent channel
     *         ({@link Builder#guestAgent(AgentOptions)}); empty otherwise; never null
     */
    public Optional<AgentOptions> guestAgent() {
        return Optional.ofNullable(guestAgent);
    }

    /** @return the parent of the private run directory; never null */
    public Path workDir() {
        return workDir;
    }

    /** @return the short name for logs and the run directory; never null */
    public String name() {
        return name;
    }

    /** @return how long QEMU may take to serve its monitor; never null */
    public Duration startTimeout() {
        return startTimeout;
    }

    /** @return how long {@link QemuProcess#close()} waits for QEMU to exit after {@code quit}; never null */
    public Duration stopTimeout() {
        return stopTimeout;
    }

    /** @return the options of the monitor client; never null */
    public QmpOptions qmpOptions() {
        return qmpOptions;
    }

    /** @return how QEMU is confined: sandbox, user, root directory; never null */
    public Confinement confinement() {
        return confinement;
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
            return new LaunchAttempt(this).begin();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** @return the full command line for a binary like {@code info}, with the monitor on {@code socket} */
    List<String> commandLine(QemuVersionProbe.QemuBinaryInfo info, Path socket) {
        return CommandLine.of(this, info, socket);
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
        private Confinement confinement = Confinement.defaults();
        private AgentOptions guestAgent;

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
                String opt = CommandLine.optionName(a);
                if (CommandLine.RESERVED.contains(opt)) {
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

        /**
         * Replaces the arguments.
         *
         * @param args QEMU arguments, as for {@link #args(List)}; never null
         * @return this
         */
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

        /**
         * @param timeout how long QEMU may take to serve its monitor (default 15 s); positive, never null
         * @return this
         */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = positive(timeout, "startTimeout");
            return this;
        }

        /**
         * @param timeout how long {@link QemuProcess#close()} waits for QEMU to answer {@code quit}
         *                and exit before it signals (default 5 s); positive, never null
         * @return this
         */
        public Builder stopTimeout(Duration timeout) {
            this.stopTimeout = positive(timeout, "stopTimeout");
            return this;
        }

        /**
         * @param options options for the monitor client; never null
         * @return this
         */
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

        /**
         * Adds a channel for the QEMU guest agent, with a client of default options
         * ({@link #guestAgent(AgentOptions)}).
         *
         * @return this
         */
        public Builder guestAgent() {
            return guestAgent(AgentOptions.defaults());
        }

        /**
         * Adds a channel for the QEMU guest agent: {@code -chardev socket,server=on,wait=off} on
         * {@code qga.sock} in the private run directory (beside the monitor socket, so its path
         * is short enough for a Unix socket), {@code -device virtio-serial-pci} and
         * {@code -device virtserialport,name=}{@value #AGENT_PORT_NAME}, appended after the
         * arguments. The machine needs a PCI bus (q35, pc). {@link QemuProcess#guestAgent()}
         * then returns a {@link GuestAgentClient} on that socket, which the process closes with
         * itself; it connects on its first call, and a guest without {@code qemu-ga} is a
         * normal state (calls time out; see {@link GuestAgentClient}).
         *
         * @param options the client's options; without {@link AgentOptions#resources()} it
         *                borrows those of {@link #qmpOptions}; null for no agent channel (the default)
         * @return this
         */
        public Builder guestAgent(AgentOptions options) {
            this.guestAgent = options;
            return this;
        }

        /**
         * @param confinement how QEMU is confined (default {@link Confinement#defaults()}: seccomp
         *                    sandbox on, and the unprivileged user {@code nobody} when the JVM
         *                    runs as root); {@link Confinement#none()} starts QEMU as before
         *                    confinement existed; never null
         * @return this
         */
        public Builder confinement(Confinement confinement) {
            this.confinement = Objects.requireNonNull(confinement, "confinement");
            return this;
        }

        /**
         * @return the launcher; never null
         * @throws IllegalArgumentException when the arguments set {@code -sandbox}, {@code -runas},
         *         {@code -chroot} or {@code -run-with} while the launcher confines QEMU itself
         */
        public QemuLauncher build() {
            if (!confinement.isNone()) {
                for (String a : args) {
                    if (CommandLine.CONFINEMENT.contains(CommandLine.optionName(a))) {
                        throw new IllegalArgumentException("QEMU argument '" + a + "' conflicts with the launcher's "
                                + "confinement (" + confinement + "), which sets the sandbox, user and chroot "
                                + "itself. Fix: express it with QemuLauncher.Builder.confinement(...), or pass "
                                + "Confinement.none() to manage these options in the arguments yourself");
                    }
                }
            }
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
