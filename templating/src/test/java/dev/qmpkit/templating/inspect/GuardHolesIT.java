package dev.qmpkit.templating.inspect;

import static dev.qmpkit.templating.inspect.Vms.MIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.qmpkit.qmp.BlockingQmpClient;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.launch.Confinement;
import dev.qmpkit.qmp.launch.QemuLauncher;
import dev.qmpkit.qmp.launch.QemuOption;
import dev.qmpkit.qmp.launch.QemuProcess;
import dev.qmpkit.templating.Accel;
import dev.qmpkit.templating.TemplateManifest.CloneRecipe;
import dev.qmpkit.templating.VmDescription;
import dev.qmpkit.templating.guest.BuiltinGuest;
import dev.qmpkit.templating.guest.SerialLog;
import dev.qmpkit.templating.internal.CommandLines;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The ways a template could be destroyed or wrongly judged that the guards let through before
 * (issue 10), each configured for real on QEMU 10.0 and 7.2: what QEMU then does to the files,
 * and what the readiness check and the clone guard say.
 */
class GuardHolesIT {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void discardDataZeroesASharedTemplateFileWhenQemuQuits_andIsAnErrorForTemplateAndClone(QemuBinary qemu)
            throws Exception {
        Path file = patterned(tmp.resolve("template.ram"));
        try (QemuProcess vm = Vms.start(qemu, "discard-data", "128M", "-object",
                Vms.sharedFile("pc.ram", 128 * MIB, file) + ",discard-data=on", "-machine", "memory-backend=pc.ram",
                "-device", "vmgenid")) {
            ReadinessReport report = ReadinessChecker.check(vm.qmp(), VmRole.TEMPLATE);
            System.out.println(report.render());
            assertThat(report.isReady()).isFalse();
            assertThat(report.findings()).extracting(Finding::code).containsExactly(FindingCode.DISCARD_DATA);
            assertThat(nonZeroPages(file)).as("still intact while QEMU runs").isEqualTo(128 * MIB / 4096);
        }
        assertThat(nonZeroPages(file)).as("why: QEMU punched the data out at exit").isZero();

        // A clone with it: the kernel refuses the discard on a private mapping, but it is still refused.
        Path template = patterned(tmp.resolve("template2.ram"));
        boolean rom = Vms.hasRom(qemu);
        String clone = QemuOption.of("memory-backend-file").set("id", "pc.ram").set("size", 128 * MIB)
                .set("mem-path", template).set("share", false) + (rom ? ",readonly=on,rom=off" : "")
                + ",discard-data=on";
        try (QemuProcess vm = Vms.start(qemu, "discard-data-clone", "128M", "-object", clone,
                "-machine", "memory-backend=pc.ram", "-device", "vmgenid")) {
            ReadinessReport report = ReadinessChecker.check(vm.qmp(), VmRole.CLONE);
            System.out.println(report.render());
            assertThat(report.findings(Severity.ERROR)).extracting(Finding::code)
                    .containsExactly(FindingCode.DISCARD_DATA);
            assertThatThrownBy(() -> CloneGuard.verifyBeforeResume(vm.qmp(), QemuFeatures.detect(vm.qmp())))
                    .isInstanceOf(UnsafeCloneException.class).hasMessageContaining("DISCARD_DATA");
        }
        assertThat(nonZeroPages(template)).as("a private mapping keeps the file (measured)")
                .isEqualTo(128 * MIB / 4096);
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void balloonsAreFoundByTheirTypeWhateverTheyAreCalledOrWhereverTheyCameFrom(QemuBinary qemu) throws Exception {
        boolean rom = Vms.hasRom(qemu);
        // Through the description's extra arguments, where the old string check never looked...
        VmDescription viaExtraArgs = VmDescription.builder().accel(Accel.TCG).ram(128 * MIB).serialLog(false)
                .extraArgs("-device", "virtio-balloon-pci-non-transitional,id=b1").build();
        assertThat(viaExtraArgs.deviceDrivers()).as("the description's device strings do not show it").isEmpty();
        assertBalloonJudged(qemu, rom, viaExtraArgs, null, "/machine/peripheral/b1",
                "Remove `-device virtio-balloon-pci-non-transitional,id=b1`");
        // ...and hot-plugged without an id after the start (QEMU allows one balloon per VM).
        VmDescription none = VmDescription.builder().accel(Accel.TCG).ram(128 * MIB).serialLog(false).build();
        assertBalloonJudged(qemu, rom, none, "virtio-balloon-pci-transitional", "/machine/peripheral-anon/device[0]",
                "Remove `-device virtio-balloon-pci-transitional`");
    }

    private void assertBalloonJudged(QemuBinary qemu, boolean rom, VmDescription d, String hotPlugged, String subject,
                                     String fix) throws Exception {
        Path dir = Files.createTempDirectory(tmp, "tpl");
        try (var f = new java.io.RandomAccessFile(dir.resolve(d.ramBackends().get(0).fileName()).toFile(), "rw")) {
            f.setLength(128 * MIB);
        }
        List<String> args = new ArrayList<>(CommandLines.clone(d, dir, "q35",
                rom ? CloneRecipe.READONLY_PRIVATE : CloneRecipe.WRITABLE_PRIVATE, null, UUID.randomUUID(), null));
        args.subList(args.indexOf("-incoming"), args.indexOf("-incoming") + 2).clear();
        try (QemuProcess clone = QemuLauncher.builder(qemu).name("balloon-clone").args(args).build().start()) {
            if (hotPlugged != null) {
                clone.qmp().blocking().execute("device_add", Map.of("driver", hotPlugged,
                        "bus", VmDescription.HOTPLUG_PORT_ID));
            }
            QemuFeatures features = QemuFeatures.detect(clone.qmp());
            ReadinessReport report = ReadinessChecker.check(clone.qmp(), VmRole.CLONE, features);
            System.out.println(report.render());
            if (rom) {
                // Read-only template file: a balloon can only fail to discard; nothing to refuse.
                assertThat(report.isReady()).as(report.render()).isTrue();
                assertThat(CloneGuard.verifyBeforeResume(clone.qmp(), features).isReady()).isTrue();
            } else {
                assertThat(report.findings(FindingCode.BALLOON_WITH_WRITABLE_FILE)).extracting(Finding::subject)
                        .containsExactly(subject);
                assertThatThrownBy(() -> CloneGuard.verifyBeforeResume(clone.qmp(), features))
                        .isInstanceOfSatisfying(UnsafeCloneException.class, e -> assertThat(e.errors())
                                .extracting(Finding::code).containsOnly(FindingCode.BALLOON_WITH_WRITABLE_FILE))
                        .hasMessageContaining(fix);
                assertThat(clone.qmp().blocking().execute("query-status").path("status").asText())
                        .as("the guard resumed nothing").isEqualTo("prelaunch");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void sharedAnonymousRamIsSavedNowhereBefore81_andInFullAfter(QemuBinary qemu) throws Exception {
        Path kernel = BuiltinGuest.writeKernel(tmp);
        Path log = tmp.resolve("serial.log");
        Path state = tmp.resolve("state.bin");
        // Unconfined: the state is saved through exec:cat into the test's private directory, which the
        // default sandbox (no spawning) and user (nobody) refuse; confinement has its own tests.
        try (QemuProcess vm = QemuLauncher.builder(qemu).name("shared-anon").workDir(tmp)
                .confinement(Confinement.none()).args(
                "-M", "q35,memory-backend=pc.ram", "-accel", "tcg", "-nodefaults", "-m", "128",
                "-object", "memory-backend-ram,id=pc.ram,size=" + 128 * MIB + ",share=on",
                "-kernel", kernel.toString(),
                "-chardev", QemuOption.of("file").set("id", "serial0").set("path", log).toString(),
                "-serial", "chardev:serial0").build().start()) {
            SerialLog.awaitReady(log, Duration.ofSeconds(20));
            ReadinessReport report = ReadinessChecker.check(vm.qmp(), VmRole.TEMPLATE);
            System.out.println(report.render());
            BlockingQmpClient qmp = vm.qmp().blocking();
            qmp.execute("stop");
            Vms.saveWithIgnoreShared(qmp, state);
            long bytes = Files.size(state);
            System.out.printf("[%s] state of a guest with a 32 MiB pattern in memory-backend-ram,share=on, saved "
                    + "with x-ignore-shared: %,d bytes%n", vm.version(), bytes);
            Finding finding = report.findings(FindingCode.RAM_NOT_FILE).get(0);
            if (vm.version().atLeast(8, 1)) {
                assertThat(bytes).as("migrated in full").isGreaterThan(BuiltinGuest.PATTERN_BYTES);
                assertThat(finding.problem()).contains("still migrated in full");
            } else {
                assertThat(bytes).as("saved nowhere").isLessThan(BuiltinGuest.PATTERN_BYTES / 8);
                assertThat(finding.problem()).contains("stores this RAM nowhere").doesNotContain("migrated in full");
            }
        }
    }

    /** Writes 128 MiB of 0xA5. */
    private static Path patterned(Path file) throws IOException {
        byte[] chunk = new byte[1 << 20];
        java.util.Arrays.fill(chunk, (byte) 0xA5);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            for (int i = 0; i < 128; i++) {
                ch.write(ByteBuffer.wrap(chunk));
            }
        }
        return file;
    }

    /** @return how many 4 KiB pages of the file have a non-zero first byte */
    private static long nonZeroPages(Path file) throws IOException {
        long n = 0;
        ByteBuffer b = ByteBuffer.allocate(1);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            for (long off = 0; off < ch.size(); off += 4096) {
                b.clear();
                ch.read(b, off);
                if (b.get(0) != 0) {
                    n++;
                }
            }
        }
        return n;
    }
}
