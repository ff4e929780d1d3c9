package dev.qmpkit.qmp.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.QmpConnectionException;
import dev.qmpkit.qmp.QmpEndpoint;
import dev.qmpkit.qmp.QmpEvent;
import dev.qmpkit.qmp.QmpException;
import dev.qmpkit.qmp.QmpOptions;
import dev.qmpkit.qmp.command.RunState;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The launcher against real QEMU 10.0 and 7.2: start, stop, failures, kills and orphans. */
class QemuLauncherIT {

    @TempDir
    Path tmp;

    static QemuLauncher.Builder none(QemuBinary qemu) {
        return QemuLauncher.builder(qemu).args("-M", "none", "-accel", "tcg");
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void startsWithAPrivateRunDirAndCloseLeavesNothing(QemuBinary qemu) throws Exception {
        QemuProcess p = none(qemu).workDir(tmp).name("basic").build().start();
        long pid;
        Path runDir;
        try (p) {
            pid = p.pid();
            runDir = p.runDir();
            assertThat(runDir.getParent()).isEqualTo(tmp);
            assertThat(Files.getPosixFilePermissions(runDir)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
            assertThat(p.isAlive()).isTrue();
            assertThat(p.qmp().commands().queryStatus().get(10, TimeUnit.SECONDS).status())
                    .isEqualTo(RunState.RUNNING);
            assertThat(p.version()).isEqualTo(p.qmp().qemuVersion()).isEqualTo(qemu.version());
            assertThat(p.commandLine()).contains("-display", "none").doesNotContain("-daemonize");
            if (!QemuVersionProbe.probe(qemu).exitWithParent()) {
                assertThat(((ChildQemuProcess) p).watchedByWatchdog()).as("watched while it runs").isTrue();
            }
        }
        assertThat(alive(pid)).as("QEMU pid %d gone after close", pid).isFalse();
        assertThat(runDir).doesNotExist();
        assertThat(p.onExit().get(1, TimeUnit.SECONDS)).as("exit code after 'quit'").isZero();
        assertThat(p.qmp().closeFuture()).isDone();
        p.close(); // idempotent
        assertThat(((ChildQemuProcess) p).watchedByWatchdog()).as("the watchdog forgot its PID").isFalse();
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void extraMonitorServesASecondClientAndIsDeletedOnClose(QemuBinary qemu) throws Exception {
        Path own = Files.createDirectories(tmp.resolve("tools"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path socket = own.resolve("extra, monitor.sock");
        QemuLauncher launcher = none(qemu).workDir(tmp).extraMonitor(socket).build();
        QemuProcess p = launcher.start();
        try (p; QmpClient second = QmpClient.connect(QmpEndpoint.unix(socket), QmpOptions.defaults())
                .get(10, TimeUnit.SECONDS)) {
            assertThat(p.extraMonitors()).containsExactly(socket);
            assertThat(second.qemuVersion()).isEqualTo(p.version());
            assertThat(second.commands().queryStatus().get(10, TimeUnit.SECONDS).status()).isEqualTo(RunState.RUNNING);
            // Events go to every monitor: the second tool sees what the SDK's client does to the VM.
            CompletableFuture<QmpEvent> stopped = second.awaitEvent("STOP", null, Duration.ofSeconds(10));
            p.qmp().execute("stop").get(10, TimeUnit.SECONDS);
            assertThat(stopped.get(10, TimeUnit.SECONDS).name()).isEqualTo("STOP");
            assertThat(second.commands().queryStatus().get(10, TimeUnit.SECONDS).status()).isEqualTo(RunState.PAUSED);
        }
        assertThat(alive(p.pid())).isFalse();
        assertThat(socket).as("QEMU's socket removed on close").doesNotExist();
        assertThat(own).isEmptyDirectory();
        assertThat(p.runDir()).doesNotExist();
        // A killed QEMU cannot remove its socket; close() does, so the launcher can start again.
        try (QemuProcess killed = launcher.start()) {
            assertThat(socket).exists();
            killed.kill();
            killed.onExit().get(5, TimeUnit.SECONDS);
            assertThat(socket).as("left behind by SIGKILL").exists();
        }
        assertThat(socket).doesNotExist();
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void probeReadsTheVersionAndExitWithParentSupport(QemuBinary qemu) {
        QemuVersionProbe.QemuBinaryInfo info = QemuVersionProbe.probe(qemu);
        assertThat(info.versionLine()).startsWith("QEMU emulator version " + info.version());
        // exit-with-parent arrived in QEMU 10.1; the 10.0 and 7.2 here rely on the watchdog.
        assertThat(info.exitWithParent()).isEqualTo(info.version().atLeast(10, 1));
        assertThat(QemuVersionProbe.probe(qemu)).as("cached").isSameAs(info);
        assertThatThrownBy(() -> QemuVersionProbe.probe(QemuBinary.of(Path.of("/bin/true"))))
                .isInstanceOf(QemuLaunchException.class).hasMessageContaining("did not print a QEMU version");
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void badOptionFailsFastWithQemusComplaintAndCleansUp(QemuBinary qemu) {
        QemuLauncher launcher = QemuLauncher.builder(qemu)
                .args("-M", "none", "-accel", "tcg", "-device", "no-such-device-xyz")
                .workDir(tmp).startTimeout(Duration.ofSeconds(60)).build();
        long t0 = System.nanoTime();
        assertThatThrownBy(launcher::start)
                .isInstanceOf(QemuLaunchException.class)
                .hasMessageContaining("exited with code 1")
                .hasMessageContaining("'no-such-device-xyz' is not a valid device model name")
                .hasMessageContaining("command line: " + qemu.executable())
                .hasMessageContaining("-device no-such-device-xyz");
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(ms).as("fails when QEMU exits, not at the 60 s timeout").isLessThan(5000);
        assertThat(tmp.toFile().list()).as("run dir removed").isEmpty();
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void killedQemuCompletesOnExitAndFailsPendingCommands(QemuBinary qemu) throws Exception {
        try (QemuProcess p = none(qemu).workDir(tmp).build().start()) {
            long pid = p.pid();
            p.kill();
            assertThat(p.onExit().get(5, TimeUnit.SECONDS)).isEqualTo(137);
            assertThat(alive(pid)).isFalse();
            // The watchdog kills by PID; it must forget QEMU's once QEMU is reaped, before the PID can be reused.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (((ChildQemuProcess) p).watchedByWatchdog() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(((ChildQemuProcess) p).watchedByWatchdog()).as("watchdog forgot the PID before close()")
                    .isFalse();
            QmpException reason = p.qmp().closeFuture().get(5, TimeUnit.SECONDS);
            assertThat(reason).isInstanceOf(QmpConnectionException.class);
            assertThatThrownBy(() -> p.qmp().blocking().execute("query-status")).isInstanceOf(QmpException.class);
            p.close(); // no 'quit' is attempted against a dead QEMU, and the run dir still goes
            assertThat(p.runDir()).doesNotExist();
        }
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void workDirWithSpacesCommasAndQuotes(QemuBinary qemu) throws Exception {
        Path odd = Files.createDirectories(tmp.resolve("a b,c=d 'q\""));
        try (QemuProcess p = none(qemu).workDir(odd).build().start()) {
            assertThat(p.runDir().getParent()).isEqualTo(odd);
            assertThat(p.qmp().commands().queryStatus().get(10, TimeUnit.SECONDS).running()).isTrue();
        }
        assertThat(odd.toFile().list()).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void qemuIgnoringQuitIsSignalled(QemuBinary qemu) throws Exception {
        // A SIGSTOPped QEMU answers neither 'quit' nor SIGTERM: close() must escalate to SIGKILL and return.
        QemuProcess p = none(qemu).workDir(tmp).stopTimeout(Duration.ofMillis(300)).build().start();
        long pid = p.pid();
        new ProcessBuilder("kill", "-STOP", Long.toString(pid)).start().waitFor();
        long t0 = System.nanoTime();
        p.close();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(10_000);
        assertThat(alive(pid)).isFalse();
        assertThat(p.runDir()).doesNotExist();
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void closeOfAFrozenQemuReturnsWithinTheStopTimeoutPlusTheSignalGraces(QemuBinary qemu) throws Exception {
        // SIGSTOP: QEMU answers neither 'quit' nor SIGTERM, so every stage of close() runs to its limit.
        Duration stop = Duration.ofSeconds(3);
        QemuProcess p = none(qemu).workDir(tmp).stopTimeout(stop).build().start();
        long pid = p.pid();
        new ProcessBuilder("kill", "-STOP", Long.toString(pid)).start().waitFor();
        long t0 = System.nanoTime();
        p.close();
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        System.out.printf("[%s] close() of a SIGSTOPped QEMU took %d ms (stop timeout %d ms)%n", p.version(), tookMs,
                stop.toMillis());
        assertThat(tookMs).as("close() promises the stop timeout plus %d ms of signal graces",
                QemuProcess.SIGNAL_GRACE.toMillis()).isLessThan(stop.plus(QemuProcess.SIGNAL_GRACE).toMillis());
        assertThat(alive(pid)).isFalse();
        assertThat(p.runDir()).doesNotExist();
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void closeAfterTheMonitorWasClosedStopsQemuBySignalWithoutWaiting(QemuBinary qemu) throws Exception {
        QemuProcess p = none(qemu).workDir(tmp).stopTimeout(Duration.ofSeconds(30)).build().start();
        long pid = p.pid();
        p.qmp().close();
        long t0 = System.nanoTime();
        p.close();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).as("no 30 s wait for a 'quit' never sent")
                .isLessThan(3000);
        assertThat(alive(pid)).isFalse();
        assertThat(p.runDir()).doesNotExist();
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void closeAsyncFromAReplyCallbackStopsQemuPromptly(QemuBinary qemu) throws Exception {
        QemuProcess p = none(qemu).workDir(tmp).stopTimeout(Duration.ofSeconds(20)).build().start();
        long t0 = System.nanoTime();
        // The callback may run on the client's I/O thread; a blocking close() there could not read 'quit's reply.
        p.qmp().execute("query-status").thenCompose(r -> p.closeAsync()).get(15, TimeUnit.SECONDS);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(5000);
        assertThat(alive(p.pid())).isFalse();
        assertThat(p.onExit().get(1, TimeUnit.SECONDS)).as("stopped by 'quit', not a signal").isZero();
        assertThat(p.runDir()).doesNotExist();
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void noOrphanWhenTheJvmIsKilledOrExits(QemuBinary qemu) throws Exception {
        for (String mode : List.of("kill", "exit")) {
            Process jvm = childJvm(qemu, mode);
            try (BufferedReader out = new BufferedReader(new InputStreamReader(jvm.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line = out.readLine();
                assertThat(line).as("child JVM output (stderr: %s)", stderrOf(mode)).startsWith("pid ");
                long qemuPid = Long.parseLong(line.substring(4).trim());
                assertThat(alive(qemuPid)).as("QEMU %d alive after start; /proc stat: %s; child stderr: %s", qemuPid,
                        procStat(qemuPid), stderrOf(mode)).isTrue();
                if (mode.equals("kill")) {
                    jvm.destroyForcibly(); // SIGKILL: no shutdown hook runs
                } else {
                    jvm.getOutputStream().write('\n');
                    jvm.getOutputStream().flush();
                }
                assertThat(jvm.waitFor(20, TimeUnit.SECONDS)).isTrue();
                assertThat(waitGone(qemuPid, Duration.ofSeconds(10)))
                        .as("QEMU %d gone after the JVM %s", qemuPid, mode).isTrue();
            } finally {
                jvm.destroyForcibly();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void startTimeoutKillsAQemuThatNeverConnects(QemuBinary qemu) throws Exception {
        // A "QEMU" that answers the launcher's probe but never connects to the monitor.
        Path wrapper = tmp.resolve("silent-qemu.sh");
        // The probe's questions end the command line: --version, -run-with help, -help.
        Files.writeString(wrapper, "#!/bin/sh\ncase \"$*\" in *--version|*'-run-with help'|*-help) exec \""
                + qemu.executable() + "\" \"$@\";; esac\nexec sleep 30\n");
        wrapper.toFile().setExecutable(true);
        Path work = Files.createDirectories(tmp.resolve("w"));
        QemuLauncher launcher = QemuLauncher.builder(new QemuBinary(wrapper, qemu.firmwareDirs()))
                .args("-M", "none").workDir(work).startTimeout(Duration.ofMillis(700)).build();
        long t0 = System.nanoTime();
        assertThatThrownBy(launcher::start).isInstanceOf(QemuLaunchException.class)
                .hasMessageContaining("did not come up within PT0.7S");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(5000);
        assertThat(work.toFile().list()).isEmpty();
        assertThat(LiveProcesses.count()).isZero();
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void readOnlyOrFullWorkDirFailsClearlyAndWritesNothing(QemuBinary qemu) throws Exception {
        boolean root = "root".equals(System.getProperty("user.name"));
        Path ro = Files.createDirectories(tmp.resolve("ro"));
        if (root) {
            // root ignores permission bits: only a read-only mount makes the directory unwritable.
            run("mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", ro.toString());
        } else {
            Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-x------"));
        }
        try {
            assertThatThrownBy(() -> none(qemu).workDir(ro).build().start())
                    .isInstanceOf(QemuLaunchException.class)
                    .hasMessageContaining("work directory " + ro)
                    .hasMessageContaining(root ? "Read-only file system" : "AccessDenied")
                    .hasMessageContaining("QemuLauncher.Builder.workDir");
            assertThat(ro.toFile().list()).isEmpty();
        } finally {
            if (root) {
                run("umount", ro.toString());
            }
        }
        if (!root) {
            return; // filling a file system needs a mount of its own
        }
        Path full = Files.createDirectories(tmp.resolve("full"));
        run("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", full.toString());
        try {
            try (var out = Files.newOutputStream(full.resolve("filler"))) {
                byte[] block = new byte[64 * 1024];
                while (true) {
                    out.write(block);
                }
            } catch (java.io.IOException expected) {
                // No space left on device
            }
            assertThatThrownBy(() -> none(qemu).workDir(full).build().start())
                    .isInstanceOf(QemuLaunchException.class)
                    .hasMessageContaining("work directory " + full + " is full");
            assertThat(full.toFile().list()).containsExactly("filler");
        } finally {
            run("umount", full.toString());
        }
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("%s: %s", String.join(" ", cmd), out).isZero();
    }

    private Process childJvm(QemuBinary qemu, String mode) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(OrphanProbeMain.class.getName());
        cmd.add(mode);
        cmd.add(tmp.toString());
        cmd.add(qemu.executable().toString());
        qemu.firmwareDirs().forEach(d -> cmd.add(d.toString()));
        return new ProcessBuilder(cmd).redirectError(tmp.resolve("child-" + mode + ".err").toFile()).start();
    }

    private String stderrOf(String mode) {
        try {
            return Files.readString(tmp.resolve("child-" + mode + ".err"));
        } catch (Exception e) {
            return "?";
        }
    }

    static String procStat(long pid) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/stat")).trim();
        } catch (Exception e) {
            return e.toString();
        }
    }

    /** Alive and not a zombie: in a container nobody may reap a reparented child. */
    static boolean alive(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (Exception e) {
            return false;
        }
    }

    static boolean waitGone(long pid, Duration d) throws InterruptedException {
        long deadline = System.nanoTime() + d.toNanos();
        while (System.nanoTime() < deadline) {
            if (!alive(pid)) {
                return true;
            }
            Thread.sleep(20);
        }
        return !alive(pid);
    }
}
