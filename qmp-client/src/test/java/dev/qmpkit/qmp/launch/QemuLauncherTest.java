package dev.qmpkit.qmp.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.qmpkit.qmp.QemuVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Launcher input validation and the command line it builds; no QEMU is started. */
class QemuLauncherTest {

    private static final QemuBinary BIN = new QemuBinary(Path.of("/usr/bin/qemu-system-x86_64"),
            List.of(Path.of("/fw a"), Path.of("/fw,b")));
    private static final QemuVersionProbe.QemuBinaryInfo OLD =
            new QemuVersionProbe.QemuBinaryInfo(new QemuVersion(7, 2, 0), "QEMU emulator version 7.2.0", false);
    private static final QemuVersionProbe.QemuBinaryInfo NEW =
            new QemuVersionProbe.QemuBinaryInfo(new QemuVersion(10, 1, 0), "QEMU emulator version 10.1.0", true);

    @Test
    void reservedOptionsAreRejectedWithTheReason() {
        for (String opt : List.of("-qmp", "--qmp", "-mon", "-qmp-pretty", "-daemonize", "--daemonize")) {
            assertThatThrownBy(() -> QemuLauncher.builder(BIN).args("-M", "none", opt, "x"))
                    .as(opt).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(opt).hasMessageContaining("not allowed");
        }
        assertThatThrownBy(() -> QemuLauncher.builder(BIN).args("-daemonize"))
                .hasMessageContaining("parent");
    }

    @Test
    void nullAndEmptyArgumentsAreRejected() {
        assertThatThrownBy(() -> QemuLauncher.builder(BIN).args(Arrays.asList("-M", null)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("#1 is null");
        assertThatThrownBy(() -> QemuLauncher.builder(BIN).args("-M", ""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("#1 is empty");
        assertThatThrownBy(() -> QemuLauncher.builder(BIN).args((List<String>) null))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> QemuLauncher.builder(BIN).name("a/b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> QemuLauncher.builder(BIN).startTimeout(java.time.Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void commandLineHasFirmwareMonitorAndNoDisplayThenTheUserArgs() {
        QemuLauncher l = QemuLauncher.builder(BIN).args("-M", "none").build();
        List<String> cmd = l.commandLine(OLD, Path.of("/run/x,y z/qmp.sock"));
        assertThat(cmd).containsExactly("/usr/bin/qemu-system-x86_64", "-L", "/fw a", "-L", "/fw,b",
                "-chardev", "socket,id=qmpkit-qmp,path=/run/x,,y z/qmp.sock",
                "-mon", "chardev=qmpkit-qmp,mode=control",
                "-display", "none", "-M", "none");
    }

    @Test
    void extraMonitorsAreServerSocketsAfterTheLaunchersOwn() {
        QemuLauncher l = QemuLauncher.builder(BIN).args("-M", "none")
                .extraMonitor(Path.of("/run/a,b/extra.sock")).extraMonitor(Path.of("/run/c/../d/two.sock")).build();
        assertThat(l.extraMonitors()).containsExactly(Path.of("/run/a,b/extra.sock"), Path.of("/run/d/two.sock"));
        List<String> cmd = l.commandLine(OLD, Path.of("/s"));
        assertThat(cmd).containsSubsequence(
                "-mon", "chardev=qmpkit-qmp,mode=control",
                "-chardev", "socket,id=qmpkit-extra1,path=/run/a,,b/extra.sock,server=on,wait=off",
                "-mon", "chardev=qmpkit-extra1,mode=control",
                "-chardev", "socket,id=qmpkit-extra2,path=/run/d/two.sock,server=on,wait=off",
                "-mon", "chardev=qmpkit-extra2,mode=control",
                "-M", "none");
        assertThat(QemuLauncher.builder(BIN).build().commandLine(OLD, Path.of("/s")))
                .noneMatch(a -> a.contains("qmpkit-extra"));
    }

    @Test
    void extraMonitorPathsAreValidated() {
        assertThatThrownBy(() -> QemuLauncher.builder(BIN).extraMonitor(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("socket");
        Path tooLong = Path.of("/tmp/" + "x".repeat(100) + ".sock");
        assertThatThrownBy(() -> QemuLauncher.builder(BIN).extraMonitor(tooLong))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("more than a Unix socket allows (107)").hasMessageContaining(tooLong.toString());
        Path fits = Path.of("/" + "y".repeat(101) + ".sock"); // exactly 107 bytes
        assertThat(QemuLauncher.builder(BIN).extraMonitor(fits).build().extraMonitors()).containsExactly(fits);
        assertThatThrownBy(() -> QemuLauncher.builder(BIN).extraMonitor(Path.of("/x.sock"))
                .extraMonitor(Path.of("/./x.sock")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already added");
        assertThatThrownBy(() -> QemuLauncher.builder(BIN).extraMonitor(Path.of("/")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(QemuLauncher.builder(BIN).extraMonitor(Path.of("rel.sock")).build().extraMonitors().get(0))
                .isEqualTo(Path.of("rel.sock").toAbsolutePath());
    }

    @Test
    void extraMonitorWithAMissingDirectoryOrAnExistingFileFailsBeforeQemuRuns(@TempDir Path tmp) throws Exception {
        Path inMissingDir = tmp.resolve("nope/extra.sock");
        // The binary does not exist: these checks must fail before anything is spawned or probed.
        QemuBinary absent = QemuBinary.of(tmp.resolve("no-qemu"));
        assertThatThrownBy(() -> QemuLauncher.builder(absent).extraMonitor(inMissingDir).workDir(tmp).build().start())
                .isInstanceOf(QemuLaunchException.class)
                .hasMessageContaining(inMissingDir.toString()).hasMessageContaining("does not exist");
        Path existing = Files.writeString(tmp.resolve("taken.sock"), "user data");
        assertThatThrownBy(() -> QemuLauncher.builder(absent).extraMonitor(existing).workDir(tmp).build().start())
                .isInstanceOf(QemuLaunchException.class)
                .hasMessageContaining(existing.toString()).hasMessageContaining("already exists");
        assertThat(Files.readString(existing)).as("the existing file is left alone").isEqualTo("user data");
        try (var s = Files.list(tmp)) {
            assertThat(s).as("no run directory created").containsExactly(existing);
        }
    }

    @Test
    void exitWithParentIsUsedWhereQemuHasIt() {
        QemuLauncher l = QemuLauncher.builder(BIN).args("-M", "none").build();
        assertThat(l.commandLine(NEW, Path.of("/s"))).containsSubsequence("-run-with", "exit-with-parent=on");
        assertThat(l.commandLine(OLD, Path.of("/s"))).doesNotContain("-run-with");
    }

    @Test
    void aDisplayChosenByTheUserIsKept() {
        QemuLauncher l = QemuLauncher.builder(BIN).args("-M", "none", "-nographic").build();
        assertThat(l.commandLine(OLD, Path.of("/s"))).containsOnlyOnce("-nographic")
                .doesNotContainSequence("-display", "none");
    }

    @Test
    void missingWorkDirFailsClearly(@TempDir Path tmp) {
        Path missing = tmp.resolve("nope");
        assertThatThrownBy(() -> RunDir.create(missing, "t")).isInstanceOf(QemuLaunchException.class)
                .hasMessageContaining("does not exist").hasMessageContaining(missing.toString());
        Path notDir = tmp.resolve("plain");
        try {
            Files.writeString(notDir, "x");
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        assertThatThrownBy(() -> RunDir.create(notDir, "t")).isInstanceOf(QemuLaunchException.class)
                .hasMessageContaining("not a directory");
    }

    @Test
    void tooLongSocketPathFailsBeforeStarting(@TempDir Path tmp) throws Exception {
        Path deep = Files.createDirectories(tmp.resolve("d".repeat(100)));
        assertThatThrownBy(() -> RunDir.create(deep, "t")).isInstanceOf(QemuLaunchException.class)
                .hasMessageContaining("more than a Unix socket allows");
        try (var s = Files.list(deep)) {
            assertThat(s).as("nothing half-created left behind").isEmpty();
        }
    }

    @Test
    void runDirIsPrivateAndDeletesOnlyItsOwnFiles(@TempDir Path tmp) throws Exception {
        RunDir d = RunDir.create(tmp, "t");
        assertThat(Files.getPosixFilePermissions(d.path()))
                .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        assertThat(Files.getPosixFilePermissions(d.stderrLog()))
                .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Path foreign = Files.writeString(d.path().resolve("user-file"), "keep me");
        d.delete();
        assertThat(foreign).exists();
        assertThat(d.stderrLog()).doesNotExist();
        Files.delete(foreign);
        d.delete();
        assertThat(d.path()).doesNotExist();
    }

    @Test
    void stderrTailIsBounded(@TempDir Path tmp) throws Exception {
        RunDir d = RunDir.create(tmp, "t");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 5000; i++) {
            sb.append("line ").append(i).append('\n');
        }
        Files.writeString(d.stderrLog(), sb);
        String tail = d.stderrTail();
        assertThat(tail).endsWith("line 4999").doesNotContain("line 4000\n");
        assertThat(tail.lines().count()).isEqualTo(RunDir.TAIL_LINES);
        d.delete();
    }
}
