package dev.qmpkit.qmp.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.qmpkit.qmp.QmpCommandException;
import dev.qmpkit.qmp.QmpEvent;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.launch.Confinement;
import dev.qmpkit.qmp.launch.QemuLauncher;
import dev.qmpkit.qmp.launch.QemuProcess;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every typed command on a tiny real VM (q35, TCG, 64 MiB, -S), QEMU 10.0 and 7.2. */
class QmpCommandsIT {

    static final String GUID = "5c3ea6e4-59a7-4a07-b2b8-9f1e3d8e6f11";

    @TempDir
    Path tmp;

    static QemuProcess vm(QemuBinary qemu, Path workDir, String... extra) {
        return vm(qemu, workDir, Confinement.defaults(), extra);
    }

    /**
     * A QEMU as root without a sandbox ({@link Confinement#none()}), for the commands that make
     * QEMU open a host path after its start ({@code object-add} of a file backend) or spawn a
     * shell ({@code exec:} migration): confined, those need a path its user may open, and
     * {@code allowSpawn}, which {@code ConfinementIT} covers.
     */
    static QemuProcess unconfinedVm(QemuBinary qemu, Path workDir, String... extra) {
        return vm(qemu, workDir, Confinement.none(), extra);
    }

    private static QemuProcess vm(QemuBinary qemu, Path workDir, Confinement confinement, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("-M", "q35", "-accel", "tcg", "-nodefaults", "-S",
                "-m", "64,slots=2,maxmem=256M",
                "-object", "memory-backend-ram,id=ram0,size=64M", "-machine", "memory-backend=ram0",
                "-object", "memory-backend-ram,id=dimmmem,size=4M", "-device", "pc-dimm,id=dimm0,memdev=dimmmem",
                "-device", "vmgenid,guid=" + GUID, "-device", "qemu-xhci,id=xhci",
                "-device", "virtio-balloon-pci,id=balloon0"));
        args.addAll(List.of(extra));
        return QemuLauncher.builder(qemu).args(args).workDir(workDir).confinement(confinement).build().start();
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void runStateVersionAndHmp(QemuBinary qemu) throws Exception {
        try (QemuProcess p = vm(qemu, tmp)) {
            BlockingQmpCommands c = p.qmp().blocking().commands();
            assertThat(c.queryVersion().qemu()).isEqualTo(p.qmp().qemuVersion());
            assertThat(c.queryStatus()).isEqualTo(new StatusInfo(false, RunState.PRELAUNCH, "prelaunch"));

            CompletableFuture<QmpEvent> resumed = p.qmp().awaitEvent("RESUME", null, Duration.ofSeconds(5));
            c.cont();
            resumed.get(5, TimeUnit.SECONDS);
            assertThat(c.queryStatus().status()).isEqualTo(RunState.RUNNING);

            CompletableFuture<QmpEvent> stopped = p.qmp().awaitEvent("STOP", null, Duration.ofSeconds(5));
            c.stop();
            stopped.get(5, TimeUnit.SECONDS);
            assertThat(c.queryStatus()).isEqualTo(new StatusInfo(false, RunState.PAUSED, "paused"));

            CompletableFuture<QmpEvent> reset = p.qmp().awaitEvent("RESET", null, Duration.ofSeconds(5));
            c.systemReset();
            assertThat(reset.get(5, TimeUnit.SECONDS).data().path("guest").asBoolean(true)).isFalse();

            assertThat(c.humanMonitorCommand("info version")).startsWith(p.qmp().qemuVersion().toString());
            assertThat(c.queryVmGenerationId().guid()).isEqualTo(GUID);
            assertThat(c.queryQmpSchema().size()).isGreaterThan(1000);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void qomAndMemory(QemuBinary qemu) throws Exception {
        try (QemuProcess p = unconfinedVm(qemu, tmp)) {
            BlockingQmpCommands c = p.qmp().blocking().commands();
            assertThat(c.qomList("/objects")).extracting(ObjectPropertyInfo::name).contains("ram0", "dimmmem");
            assertThat(c.qomList("/machine/peripheral")).filteredOn(ObjectPropertyInfo::isChild)
                    .extracting(ObjectPropertyInfo::name).contains("dimm0", "xhci");
            assertThat(c.qomGet("/objects/ram0", "size").asLong()).isEqualTo(64L << 20);

            assertThat(c.qomGet("/objects/ram0", "dump").asBoolean()).isTrue();
            c.qomSet("/objects/ram0", "dump", false);
            assertThat(c.qomGet("/objects/ram0", "dump").asBoolean()).isFalse();

            List<Memdev> memdevs = c.queryMemdev();
            Memdev ram0 = memdevs.stream().filter(m -> "ram0".equals(m.id())).findFirst().orElseThrow();
            assertThat(ram0.size()).isEqualTo(64L << 20);
            assertThat(ram0.share()).isFalse();
            assertThat(ram0.dump()).as("the qom-set above").isFalse();

            assertThat(c.queryMemoryDevices()).singleElement().satisfies(d -> {
                assertThat(d.type()).isEqualTo("dimm");
                assertThat(d.id()).isEqualTo("dimm0");
                assertThat(d.memdev()).isEqualTo("/objects/dimmmem");
                assertThat(d.size()).isEqualTo(4L << 20);
            });

            boolean hasRom = p.qmp().qemuVersion().atLeast(8, 2);
            assertThat(c.qomListProperties("memory-backend-file")).extracting(ObjectPropertyInfo::name)
                    .contains("mem-path", "share", "readonly")
                    .matches(names -> names.contains("rom") == hasRom, "has 'rom' exactly on QEMU 8.2+");

            Path memFile = tmp.resolve("mem,share=on");
            c.objectAdd("memory-backend-file", "hot", Map.of("size", 2L << 20, "mem-path", memFile, "share", true));
            assertThat(c.queryMemdev()).filteredOn(m -> "hot".equals(m.id())).singleElement()
                    .satisfies(m -> assertThat(m.share()).isTrue());
            assertThat(c.qomGet("/objects/hot", "mem-path").asText()).as("a Path goes as a plain path")
                    .isEqualTo(memFile.toString());
            c.objectDel("hot");
            assertThat(c.queryMemdev()).extracting(Memdev::id).doesNotContain("hot");

            assertThat(c.queryBalloon().actual()).isEqualTo(68L << 20);
            c.balloon(48L << 20); // accepted; without a guest driver the size does not move
            assertThatThrownBy(() -> c.qomGet("/objects/nope", "size")).isInstanceOf(QmpCommandException.class)
                    .hasMessageContaining("qom-get");
        }
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void devicesAndNetdevs(QemuBinary qemu) throws Exception {
        try (QemuProcess p = vm(qemu, tmp)) {
            BlockingQmpCommands c = p.qmp().blocking().commands();
            c.deviceAdd("usb-kbd", "kbd0", Map.of("bus", "xhci.0"));
            assertThat(c.qomList("/machine/peripheral")).extracting(ObjectPropertyInfo::name).contains("kbd0");
            QmpEvent deleted = c.deviceDelAndWait("kbd0", Duration.ofSeconds(5));
            assertThat(deleted.data().path("device").asText()).isEqualTo("kbd0");
            assertThat(c.qomList("/machine/peripheral")).extracting(ObjectPropertyInfo::name).doesNotContain("kbd0");
            assertThatThrownBy(() -> c.deviceDel("kbd0")).isInstanceOfSatisfying(QmpCommandException.class,
                    e -> assertThat(e.errorClass()).isEqualTo("DeviceNotFound"));

            c.netdevAdd("user", "net0", Map.of("restrict", true));
            assertThat(c.humanMonitorCommand("info network")).contains("net0");
            assertThatThrownBy(() -> c.netdevAdd("user", "net0", null)).isInstanceOf(QmpCommandException.class);
            c.netdevDel("net0");
            assertThat(c.humanMonitorCommand("info network")).doesNotContain("net0");
            c.netdevAdd("user", "net0", null); // the id is free again
            assertThatThrownBy(() -> c.deviceAdd("usb-kbd", "x", Map.of("id", "y")))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'id'");
        }
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void fileDescriptors(QemuBinary qemu) throws Exception {
        Path file = Files.writeString(tmp.resolve("data.bin"), "payload that must survive");
        // -M none is 'running': QEMU 7.2 closes removed fds only while the VM runs, so -S would keep them listed.
        try (QemuProcess p = QemuLauncher.builder(qemu).args("-M", "none", "-accel", "tcg").workDir(tmp).build().start();
             RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            BlockingQmpCommands c = p.qmp().blocking().commands();
            AddFdInfo added = c.addFd(raf.getFD(), null, "test:data");
            assertThat(c.queryFdsets()).singleElement().satisfies(set -> {
                assertThat(set.fdsetId()).isEqualTo(added.fdsetId());
                assertThat(set.fds()).containsExactly(new FdsetInfo.FdsetFdInfo(added.fd(), "test:data"));
            });
            AddFdInfo second = c.addFd(raf.getFD(), added.fdsetId(), null);
            assertThat(second.fdsetId()).isEqualTo(added.fdsetId());
            assertThat(second.fd()).isNotEqualTo(added.fd());
            c.removeFd(added.fdsetId(), null);
            assertThat(c.queryFdsets()).isEmpty();

            c.getfd(raf.getFD(), "myfd");
            c.closefd("myfd");
            assertThatThrownBy(() -> c.closefd("myfd")).isInstanceOf(QmpCommandException.class);
        }
        assertThat(Files.readString(file)).as("passing the fd never truncates the file").isEqualTo("payload that must survive");
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void migrationToAFileAndBack(QemuBinary qemu) throws Exception {
        Path state = tmp.resolve("state with space,comma.bin");
        String quoted = "'" + state + "'";
        try (QemuProcess src = unconfinedVm(qemu, tmp)) {
            QmpCommands c = src.qmp().commands();
            List<MigrationCapabilityStatus> caps = c.queryMigrateCapabilities().get(5, TimeUnit.SECONDS);
            assertThat(caps).contains(new MigrationCapabilityStatus("x-ignore-shared", false));
            c.migrateSetCapability("x-ignore-shared", true).get(5, TimeUnit.SECONDS);
            assertThat(c.queryMigrateCapabilities().get(5, TimeUnit.SECONDS))
                    .contains(new MigrationCapabilityStatus("x-ignore-shared", true));
            c.migrateSetParameters(Map.of("downtime-limit", 500)).get(5, TimeUnit.SECONDS);
            assertThat(c.queryMigrateParameters().get(5, TimeUnit.SECONDS).path("downtime-limit").asLong())
                    .isEqualTo(500);
            assertThat(c.queryMigrate().get(5, TimeUnit.SECONDS).status()).isEqualTo(MigrationStatus.NONE);
            c.migrateCancel().get(5, TimeUnit.SECONDS); // nothing to cancel: a no-op, not an error

            c.stop().get(5, TimeUnit.SECONDS);
            c.migrate("exec:cat > " + quoted).get(5, TimeUnit.SECONDS);
            MigrationInfo done = waitMigration(c);
            assertThat(done.status()).as("error: %s", done.errorDesc()).isEqualTo(MigrationStatus.COMPLETED);
            assertThat(done.ram().total()).isPositive();
            assertThat(c.queryStatus().get(5, TimeUnit.SECONDS).status()).isEqualTo(RunState.POSTMIGRATE);
        }
        assertThat(Files.size(state)).isPositive();
        try (QemuProcess dst = unconfinedVm(qemu, tmp, "-incoming", "defer")) {
            QmpCommands c = dst.qmp().commands();
            assertThat(c.queryStatus().get(5, TimeUnit.SECONDS).status()).isEqualTo(RunState.INMIGRATE);
            c.migrateSetCapability("x-ignore-shared", true).get(5, TimeUnit.SECONDS);
            c.migrateIncoming("exec:cat " + quoted).get(5, TimeUnit.SECONDS);
            MigrationInfo done = waitMigration(c);
            assertThat(done.status()).as("error: %s", done.errorDesc()).isEqualTo(MigrationStatus.COMPLETED);
            StatusInfo s = c.queryStatus().get(5, TimeUnit.SECONDS);
            assertThat(s.status()).isIn(RunState.PAUSED, RunState.PRELAUNCH);
            assertThat(c.queryVmGenerationId().get(5, TimeUnit.SECONDS).guid()).isEqualTo(GUID);
        }
    }

    private static MigrationInfo waitMigration(QmpCommands c) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        MigrationInfo info = c.queryMigrate().get(5, TimeUnit.SECONDS);
        while (!info.status().isFinal() && System.nanoTime() < deadline) {
            Thread.sleep(20);
            info = c.queryMigrate().get(5, TimeUnit.SECONDS);
        }
        return info;
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void quitEndsQemu(QemuBinary qemu) throws Exception {
        try (QemuProcess p = QemuLauncher.builder(qemu).args("-M", "none", "-accel", "tcg").workDir(tmp).build()
                .start()) {
            p.qmp().commands().quit().get(5, TimeUnit.SECONDS);
            assertThat(p.onExit().get(5, TimeUnit.SECONDS)).isZero();
        }
    }
}
