package dev.qmpkit.benchmarks;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The raw-QMP driver of the burst benchmark: what a 40-line script does to start a clone from
 * the very command line the SDK ran, with no library. A JDK Unix socket listens where the
 * command line's monitor connects (as the SDK's launcher does); then spawn, greeting,
 * {@code qmp_capabilities}, {@code migrate-set-capabilities} ({@code x-ignore-shared},
 * {@code events}), {@code migrate-incoming} from {@code file:}, wait for the MIGRATION event
 * that says {@code completed}, {@code cont}. Nothing is checked that the script would not need.
 * Also starts bare {@code -M none} QEMUs to negotiated QMP, the floor.
 */
final class RawClone implements Closeable {

    private static final Pattern GUID = Pattern.compile("guid=[0-9a-f-]{36}");
    private static final String MONITOR_ID = "id=qmpkit-qmp";

    /** Wall-clock and QEMU CPU marks of one raw start's phases (filled when asked for). */
    static final String[] PHASES = {"spawn", "connect", "handshake", "capabilities", "restore", "resume"};

    private final Process process;
    private final Path dir;

    private RawClone(Process process, Path dir) {
        this.process = process;
        this.dir = dir;
    }

    long pid() {
        return process.pid();
    }

    /**
     * How raw clones are started: the SDK clone's command line with its own monitor socket,
     * work directory and vmgenid GUID swapped for each raw clone's.
     *
     * @param sdkArgv the argv of a clone the SDK started (from /proc/PID/cmdline)
     * @param sdkWorkDir that clone's work directory, whose paths each raw clone gets its own of
     * @param state a copy of the template's state file that the clone's QEMU user can open by name
     */
    record Recipe(List<String> sdkArgv, Path sdkWorkDir, Path state) {
        List<String> argv(Path socket, Path workDir) {
            List<String> out = new ArrayList<>();
            for (String a : sdkArgv) {
                if (a.contains(MONITOR_ID)) {
                    out.add("socket," + MONITOR_ID + ",path=" + socket);
                } else {
                    String b = a.replace(sdkWorkDir.toString(), workDir.toString());
                    out.add(GUID.matcher(b).replaceAll("guid=" + UUID.randomUUID()));
                }
            }
            return out;
        }
    }

    /**
     * Starts one clone and returns once it runs.
     *
     * @param marks null, or an array of 2 * (PHASES.length + 1) longs: wall ns at the start and at the
     *              end of each phase, then QEMU CPU ns at the same points
     */
    static RawClone start(Recipe r, Path parent, long[] marks) throws IOException {
        Path dir = Files.createTempDirectory(parent, "raw-");
        Path socket = dir.resolve("q.sock");
        return run(r.argv(socket, dir), dir, socket, "file:" + r.state(), marks);
    }

    /** Starts a bare {@code qemu -M none} and returns once its monitor is negotiated. */
    static RawClone bare(Path qemu, Path parent) throws IOException {
        Path dir = Files.createTempDirectory(parent, "bare-");
        Path socket = dir.resolve("q.sock");
        List<String> argv = List.of(qemu.toString(), "-M", "none", "-accel", "tcg", "-display", "none",
                "-chardev", "socket," + MONITOR_ID + ",path=" + socket, "-mon", "chardev=qmpkit-qmp,mode=control");
        return run(argv, dir, socket, null, null);
    }

    private static RawClone run(List<String> argv, Path dir, Path socket, String stateUri, long[] marks)
            throws IOException {
        int n = PHASES.length + 1;
        long t0 = System.nanoTime();
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            Process p = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            RawClone clone = new RawClone(p, dir);
            try {
                mark(marks, 0, n, t0, -1);
                mark(marks, 1, n, System.nanoTime(), p.pid());
                try (SocketChannel ch = server.accept()) {
                    mark(marks, 2, n, System.nanoTime(), p.pid());
                    BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch),
                            StandardCharsets.UTF_8));
                    OutputStream out = Channels.newOutputStream(ch);
                    in.readLine(); // greeting
                    command(in, out, "{\"execute\":\"qmp_capabilities\"}");
                    mark(marks, 3, n, System.nanoTime(), p.pid());
                    if (stateUri != null) {
                        command(in, out, "{\"execute\":\"migrate-set-capabilities\",\"arguments\":{\"capabilities\":["
                                + "{\"capability\":\"x-ignore-shared\",\"state\":true},"
                                + "{\"capability\":\"events\",\"state\":true}]}}");
                        mark(marks, 4, n, System.nanoTime(), p.pid());
                        command(in, out, "{\"execute\":\"migrate-incoming\",\"arguments\":{\"uri\":\"" + stateUri
                                + "\"}}");
                        awaitMigration(in);
                        mark(marks, 5, n, System.nanoTime(), p.pid());
                        command(in, out, "{\"execute\":\"cont\"}");
                        mark(marks, 6, n, System.nanoTime(), p.pid());
                    }
                }
                return clone;
            } catch (IOException | RuntimeException e) {
                clone.close();
                throw e;
            }
        }
    }

    private static void mark(long[] marks, int i, int n, long wall, long pid) {
        if (marks != null) {
            marks[i] = wall;
            marks[n + i] = pid < 0 ? 0 : ProcCpu.qemu(pid);
        }
    }

    /** Sends one command and reads lines (skipping events) until its reply. */
    private static void command(BufferedReader in, OutputStream out, String json) throws IOException {
        out.write((json + "\n").getBytes(StandardCharsets.UTF_8));
        while (true) {
            String line = in.readLine();
            if (line == null) {
                throw new IOException("QEMU closed the monitor after " + json);
            }
            if (line.startsWith("{\"return\"")) {
                return;
            }
            if (line.startsWith("{\"error\"")) {
                throw new IOException(json + ": " + line);
            }
        }
    }

    private static void awaitMigration(BufferedReader in) throws IOException {
        while (true) {
            String line = in.readLine();
            if (line == null) {
                throw new IOException("QEMU closed the monitor during migrate-incoming");
            }
            if (line.contains("\"MIGRATION\"")) {
                if (line.contains("\"completed\"")) {
                    return;
                }
                if (line.contains("\"failed\"") || line.contains("\"cancelled\"")) {
                    throw new IOException("incoming migration: " + line);
                }
            }
        }
    }

    /** Kills QEMU (SIGKILL), reaps it and deletes its directory. */
    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            dev.qmpkit.templating.WorkFiles.deleteTree(dir);
        } catch (IOException e) {
            System.err.println("cannot delete " + dir + ": " + e);
        }
    }
}
