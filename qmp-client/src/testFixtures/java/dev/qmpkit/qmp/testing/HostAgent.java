package dev.qmpkit.qmp.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real QEMU guest agent run on the host: {@code qemu-ga -m unix-listen -p SOCK -t STATEDIR},
 * started and stopped by PID ({@link #close()}: SIGCONT, SIGTERM, then SIGKILL). The agent acts
 * on the host, so:
 * <ul>
 *   <li>it always blocks the commands that would act on the host's power, file systems,
 *   users, CPUs or memory ({@link #HOST_UNSAFE}): a frozen root file system would freeze the
 *   machine;</li>
 *   <li>run as root, it drops to {@code nobody} (setpriv, no capabilities), so the commands a
 *   test sends run unprivileged: {@code guest-set-time} then reaches the agent and fails with
 *   "Operation not permitted" instead of setting the host's clock. When it cannot drop
 *   privileges as root, {@code guest-set-time} and {@code guest-fsfreeze-thaw} are blocked too.</li>
 * </ul>
 * Files the agent may write go in {@link #workDir()}.
 */
public final class HostAgent implements AutoCloseable {
    /** Where Debian's {@code qemu-guest-agent} package installs the agent. */
    public static final Path QEMU_GA = Path.of("/usr/sbin/qemu-ga");

    /** Commands every host agent blocks, since they would act on the host itself. */
    public static final List<String> HOST_UNSAFE = List.of("guest-shutdown", "guest-suspend-disk",
            "guest-suspend-ram", "guest-suspend-hybrid", "guest-fsfreeze-freeze", "guest-fsfreeze-freeze-list",
            "guest-fstrim", "guest-set-user-password", "guest-set-vcpus", "guest-set-memory-blocks");

    private static final List<String> UNSAFE_AS_ROOT = List.of("guest-set-time", "guest-fsfreeze-thaw");

    private final Path dir;
    private final Path socket;
    private final Path workDir;
    private final List<String> command;
    private final boolean unprivileged;
    private final Set<String> blocked;
    private Process process;

    private HostAgent(Path dir, List<String> extraBlocked) throws IOException {
        if (!Files.isExecutable(QEMU_GA)) {
            throw new IllegalStateException(QEMU_GA + " is missing: install the Debian package qemu-guest-agent "
                    + "(./qmpkit test does it when run as root: apt-get install qemu-guest-agent)");
        }
        this.dir = dir;
        boolean root = "root".equals(System.getProperty("user.name"));
        this.unprivileged = !root || canDropToNobody();
        Set<String> block = new LinkedHashSet<>(HOST_UNSAFE);
        if (root && !unprivileged) {
            block.addAll(UNSAFE_AS_ROOT);
        }
        block.addAll(extraBlocked);
        this.blocked = Set.copyOf(block);
        // The agent (as nobody) must reach its folder: the test's temp folder is 0700.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path run = Files.createDirectories(dir.resolve("agent"));
        workDir = Files.createDirectories(dir.resolve("files"));
        if (root && unprivileged) {
            UserPrincipalLookupService users = dir.getFileSystem().getUserPrincipalLookupService();
            for (Path p : List.of(run, workDir)) {
                Files.setOwner(p, users.lookupPrincipalByName("nobody"));
                Files.getFileAttributeView(p, java.nio.file.attribute.PosixFileAttributeView.class,
                        LinkOption.NOFOLLOW_LINKS).setGroup(users.lookupPrincipalByGroupName("nogroup"));
            }
        }
        this.socket = run.resolve("qga.sock");
        List<String> cmd = new ArrayList<>();
        if (root && unprivileged) {
            cmd.addAll(List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                    "--inh-caps=-all", "--bounding-set=-all"));
        }
        cmd.addAll(List.of(QEMU_GA.toString(), "-m", "unix-listen", "-p", socket.toString(), "-t", run.toString(),
                "-f", run.resolve("qemu-ga.pid").toString(), "-b", String.join(",", block)));
        this.command = List.copyOf(cmd);
    }

    /**
     * @param dir an empty folder of the test's (its permissions become 0755); never null
     * @param extraBlocked more commands to block ({@code --block-rpcs}); never null
     * @return a running agent whose socket exists
     * @throws IOException when the folders cannot be prepared
     */
    public static HostAgent start(Path dir, String... extraBlocked) throws IOException {
        HostAgent a = new HostAgent(dir, List.of(extraBlocked));
        a.launch();
        return a;
    }

    private static boolean canDropToNobody() {
        try {
            Process p = new ProcessBuilder("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "true")
                    .redirectErrorStream(true).start();
            return p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void launch() throws IOException {
        Path log = dir.resolve("qemu-ga.log");
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!isSocket(socket)) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                close();
                throw new IllegalStateException("qemu-ga did not create " + socket + ": " + command + "\n"
                        + Files.readString(log));
            }
            sleep(5);
        }
    }

    private static boolean isSocket(Path p) {
        try {
            return Files.exists(p, LinkOption.NOFOLLOW_LINKS)
                    && ((Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0170000) == 0140000;
        } catch (IOException e) {
            return false;
        }
    }

    /** @return the agent's socket; never null */
    public Path socket() {
        return socket;
    }

    /** @return a folder the agent can read and write; never null */
    public Path workDir() {
        return workDir;
    }

    /** @return the agent's process id */
    public long pid() {
        return process.pid();
    }

    /** @return whether the agent runs without privileges (so {@code guest-set-time} cannot act) */
    public boolean unprivileged() {
        return unprivileged;
    }

    /** @return the commands this agent blocks; never null */
    public Set<String> blocked() {
        return blocked;
    }

    /** @return the number of descriptors the agent holds open (open guest files show up here) */
    public int openFds() {
        try (Stream<Path> s = Files.list(Path.of("/proc/" + pid() + "/fd"))) {
            return (int) s.count();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Freezes the agent (SIGSTOP): it reads and answers nothing until {@link #resume()}. */
    public void freeze() {
        signal("STOP");
    }

    /** SIGCONT. */
    public void resume() {
        signal("CONT");
    }

    /** SIGKILL, and waits until it is gone (its socket file stays behind, as after a crash). */
    public void kill() {
        process.destroyForcibly();
        waitGone();
    }

    /**
     * Starts the agent again on the same socket and state folder.
     *
     * @throws IOException when it cannot start
     */
    public void restart() throws IOException {
        if (process.isAlive()) {
            kill();
        }
        Files.deleteIfExists(socket); // a killed agent leaves its socket file behind
        launch();
    }

    private void signal(String name) {
        try {
            Process p = new ProcessBuilder("kill", "-" + name, Long.toString(pid())).inheritIO().start();
            if (!p.waitFor(5, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("kill -" + name + " " + pid() + " failed");
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void waitGone() {
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        if (process == null || !process.isAlive()) {
            return;
        }
        try {
            signal("CONT");
        } catch (IllegalStateException e) {
            // it may just have exited
        }
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "qemu-ga[pid " + (process == null ? "-" : process.pid()) + ", " + socket + "]";
    }
}
