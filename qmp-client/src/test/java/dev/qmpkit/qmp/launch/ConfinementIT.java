package dev.qmpkit.qmp.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.QmpEndpoint;
import dev.qmpkit.qmp.QmpOptions;
import dev.qmpkit.qmp.command.RunState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The launcher's confinement on real QEMU 10.0 and 7.2, started by this JVM, which runs as root
 * on the project's machines (CI and development): who QEMU runs as, its seccomp mode and
 * {@code NoNewPrivs} (read from {@code /proc/PID/status}), what the sandbox refuses, and that
 * {@link Confinement#none()} is the behaviour of before.
 */
class ConfinementIT {

    /** A uid and gid with no passwd or group entry, as a range reserved for VMs would give. */
    private static final QemuUser UNNAMED = QemuUser.of(64011, 64012);

    @TempDir
    Path tmp;

    @BeforeAll
    static void runsAsRoot() {
        assertThat(ConfinementStatus.self().isRoot())
                .as("these tests start QEMU from a root JVM, as the project's machines run them").isTrue();
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void byDefault_aRootJvmsQemuRunsAsNobody_withSeccompFilterAndNoNewPrivs(QemuBinary qemu) throws Exception {
        QemuUser nobody = QemuUser.byName("nobody");
        try (QemuProcess p = QemuLauncherIT.none(qemu).workDir(tmp).build().start()) {
            ConfinementStatus s = ConfinementStatus.ofPid(p.pid());
            System.out.printf("[QEMU %s] default confinement: %s%n", p.version(), s.render().replace('\n', ' '));
            assertThat(s.uid()).isEqualTo(nobody.uid());
            assertThat(s.gid()).isEqualTo(nobody.gid());
            assertThat(s.groups()).as("numeric uid:gid leaves only the gid").containsExactly(nobody.gid());
            assertThat(s.seccompMode()).isEqualTo(2);
            assertThat(s.noNewPrivs()).isTrue();
            assertThat(s.capabilities()).isZero();
            assertThat(p.commandLine()).contains("-sandbox");
            // The monitor was connected before the uid change and keeps working.
            assertThat(p.qmp().commands().queryStatus().get(10, TimeUnit.SECONDS).status())
                    .isEqualTo(RunState.RUNNING);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void aUidWithoutPasswdEntry_isSpelledAsTheBinaryWants_andClosedByPid(QemuBinary qemu) throws Exception {
        QemuVersionProbe.ConfinementSupport support = QemuVersionProbe.probe(qemu).confinement();
        assertThat(support.userOption()).isEqualTo(qemu.version().atLeast(9, 1)
                ? QemuVersionProbe.UserOption.RUN_WITH : QemuVersionProbe.UserOption.RUNAS);
        assertThat(support.numericUser()).isTrue();
        assertThat(support.sandboxOptions()).contains("obsolete", "elevateprivileges", "spawn", "resourcecontrol");
        long pid;
        try (QemuProcess p = QemuLauncherIT.none(qemu).workDir(tmp)
                .confinement(Confinement.builder().user(UNNAMED).build()).build().start()) {
            pid = p.pid();
            ConfinementStatus s = ConfinementStatus.ofPid(pid);
            assertThat(List.of(s.uid(), s.gid())).containsExactly(UNNAMED.uid(), UNNAMED.gid());
            assertThat(s.groups()).containsExactly(UNNAMED.gid());
            assertThat(p.commandLine()).contains(support.userOption() == QemuVersionProbe.UserOption.RUN_WITH
                    ? "user=64011:64012" : "64011:64012");
        }
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void aQemuTheSandboxStopsAtStart_failsWithItsStderrAndAFixNamingTheSetting(QemuBinary qemu) {
        // A bridge netdev forks its helper at start: 7.2's sandbox kills QEMU for the fork (SIGSYS,
        // nothing on stderr), 10.0's fails the fork ("Operation not permitted").
        List<String> args = List.of("-M", "none", "-accel", "tcg", "-netdev",
                "bridge,id=n0,br=qmpkitbr0,helper=/bin/true");
        QemuLauncher confined = QemuLauncher.builder(qemu).args(args).workDir(tmp).build();
        assertThatThrownBy(confined::start).isInstanceOf(QemuLaunchException.class)
                .satisfies(e -> System.out.printf("[QEMU %s] sandboxed start: %s%n", qemu.version(),
                        e.getMessage().lines().filter(l -> !l.startsWith("command line")).toList()))
                .hasMessageContaining(qemu.version().atLeast(8, 0) ? "Can't fork bridge helper: Operation not permitted"
                        : "exited with code 159")
                .hasMessageContaining("seccomp sandbox")
                .hasMessageContaining("Confinement.builder().allowSpawn(true)");
        // With spawn allowed the helper runs (and, being /bin/true, hands over no tap device).
        QemuLauncher spawning = confined.toBuilder()
                .confinement(Confinement.builder().allowSpawn(true).build()).build();
        assertThatThrownBy(spawning::start).isInstanceOf(QemuLaunchException.class)
                .hasMessageNotContaining("Operation not permitted").hasMessageNotContaining("code 159")
                .hasMessageNotContaining("seccomp sandbox");
        assertThat(tmp.toFile().list()).as("run directories removed").isEmpty();
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void execMigrationUrisAreRefusedBySpawnDeny_andWorkWithSpawnAllowed(QemuBinary qemu) throws Exception {
        Path out = tmp.resolve("state");
        Map<String, Object> exec = Map.of("uri", "exec:cat > " + out);
        try (QemuProcess p = QemuLauncherIT.none(qemu).workDir(tmp).build().start()) {
            p.qmp().execute("migrate", exec);
            // 7.2 kills QEMU for the fork, 10.0 fails the migration; either way nothing runs.
            boolean killed = waitForExitOrFailedMigration(p);
            assertThat(killed).isEqualTo(!qemu.version().atLeast(8, 0));
            if (killed) {
                assertThat(p.onExit().get(5, TimeUnit.SECONDS)).isEqualTo(Confinement.SIGSYS_EXIT);
            }
            assertThat(out).doesNotExist();
        }
        try (QemuProcess p = QemuLauncherIT.none(qemu).workDir(tmp).confinement(Confinement.builder()
                .keepUser().allowSpawn(true).build()).build().start()) {
            p.qmp().execute("migrate", exec).get(10, TimeUnit.SECONDS);
            assertThat(waitForExitOrFailedMigration(p)).isFalse();
            assertThat(p.qmp().execute("query-migrate").get(10, TimeUnit.SECONDS).path("status").asText())
                    .isEqualTo("completed");
            assertThat(out).isNotEmptyFile();
        }
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void noneRunsQemuAsTheJvmsUserWithoutSeccomp_asBefore(QemuBinary qemu) throws Exception {
        try (QemuProcess p = QemuLauncherIT.none(qemu).workDir(tmp).confinement(Confinement.none()).build().start()) {
            ConfinementStatus s = ConfinementStatus.ofPid(p.pid());
            assertThat(s.uid()).isZero();
            assertThat(s.seccompMode()).isZero();
            assertThat(s.noNewPrivs()).isFalse();
            assertThat(p.commandLine()).doesNotContain("-sandbox", "-run-with", "-runas");
        }
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void aChrootIsAppliedBeforeTheVmStarts(QemuBinary qemu) throws Exception {
        Path root = Files.createDirectory(tmp.resolve("empty root"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        try (QemuProcess p = QemuLauncherIT.none(qemu).workDir(tmp)
                .confinement(Confinement.builder().chroot(root).build()).build().start()) {
            assertThat(Files.readSymbolicLink(Path.of("/proc", Long.toString(p.pid()), "root"))).isEqualTo(root);
            assertThat(ConfinementStatus.ofPid(p.pid()).uid()).isEqualTo(QemuUser.byName("nobody").uid());
        }
        assertThatThrownBy(() -> QemuLauncherIT.none(qemu).workDir(tmp)
                .confinement(Confinement.builder().chroot(tmp.resolve("missing")).build()).build().start())
                .isInstanceOf(QemuLaunchException.class).hasMessageContaining("chroot directory");
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void theQemuBehindAMonitorSocketIsFound_whileAClientUsesThatMonitor(QemuBinary qemu) throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("tools"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path socket = dir.resolve("qmp.sock");
        try (QemuProcess p = QemuLauncherIT.none(qemu).workDir(tmp).extraMonitor(socket).build().start();
             QmpClient client = QmpClient.connectBlocking(QmpEndpoint.unix(socket), QmpOptions.defaults())) {
            ConfinementStatus s = ConfinementStatus.ofMonitor(socket).orElseThrow();
            assertThat(s.pid()).isEqualTo(p.pid());
            assertThat(s.seccompMode()).isEqualTo(2);
            assertThat(client.commands().queryStatus().get(10, TimeUnit.SECONDS).status()).isEqualTo(RunState.RUNNING);
        }
    }

    /** @return true when QEMU died, false when the migration ended (failed or completed) with QEMU alive */
    private static boolean waitForExitOrFailedMigration(QemuProcess p) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (p.onExit().isDone()) {
                return true;
            }
            try {
                String status = p.qmp().execute("query-migrate").get(2, TimeUnit.SECONDS).path("status").asText();
                if (status.equals("failed") || status.equals("completed")) {
                    return false;
                }
            } catch (java.util.concurrent.ExecutionException e) {
                // the monitor went away with QEMU
            }
            Thread.sleep(20);
        }
        throw new AssertionError("migration neither ended nor killed QEMU within 10 s");
    }
}
