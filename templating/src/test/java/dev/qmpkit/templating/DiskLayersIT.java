package dev.qmpkit.templating;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.templating.TemplateManifest.DiskLayer;
import dev.qmpkit.templating.guest.BuiltinGuest;
import dev.qmpkit.templating.guest.SerialLog;
import dev.qmpkit.templating.guest.internal.HostCommand;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Disk layers on real QEMU 10.0 and 7.2, with the built-in guest (it never touches its disks,
 * so the test writes through the monitor's {@code qemu-io} and reads the files with the host's
 * {@code qemu-io}, which prints what QEMU's does not return): frozen with the RAM at the save,
 * recorded in the manifest, each clone on an overlay of its own that QEMU opens over the
 * read-only layer, and a changed layer or base refused before anything starts, with full and
 * with flat saves. The guest's view is DiskPrivacyIT's.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class DiskLayersIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String READ_OK = "read 65536/65536 bytes at offset 0";
    private static final String MISMATCH = "Pattern verification failed";

    @TempDir
    Path tmp;
    private final AtomicInteger launched = new AtomicInteger();
    private Templating templating;
    private Path base;

    @BeforeEach
    void owner() throws IOException {
        templating = Templating.builder().launcher(l -> {
            launched.incrementAndGet();
            return l.start();
        }).build();
        base = tmp.resolve("base.raw");
        byte[] b = new byte[4 << 20];
        Arrays.fill(b, (byte) 0xb5);
        Files.write(base, b);
    }

    @AfterEach
    void close() {
        templating.close();
    }

    private Template save(QemuBinary qemu, String name, SaveOptions options) throws Exception {
        VmDescription d = VmDescription.builder().ram(64L << 20).boot(Boot.kernel(BuiltinGuest.writeKernel(tmp)))
                .disk(Disk.blank("scratch", 16L << 20)).disk(Disk.overlay("base", base, Disk.Format.RAW)).build();
        try (TemplateVm vm = templating.startTemplate(qemu, d, tmp.resolve(name))) {
            SerialLog.awaitReady(vm.serialLog(), Duration.ofSeconds(60));
            // The template writes its layer; QEMU flushes it at the save's stop.
            qemuIo(vm.qmp(), "scratch", "write -P 0x11 0 64k");
            return vm.save(options);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void theLayersAreFrozenAtTheSave_andEachCloneWritesAnOverlayOfItsOwn(QemuBinary qemu) throws Exception {
        Template t = save(qemu, "full", SaveOptions.builder().ramChecksum(SaveOptions.RamChecksum.FULL).build());
        Map<String, Path> layers = t.diskLayers();
        assertThat(layers).containsOnlyKeys("scratch", "base");
        for (DiskLayer l : t.manifest().disks()) {
            Path layer = layers.get(l.id());
            assertThat(l.sizeBytes()).isEqualTo(Files.size(layer));
            assertThat(l.sha256()).isEqualTo(WorkFiles.sha256(layer));
            assertThat(Files.getPosixFilePermissions(layer)).isEqualTo(PosixFilePermissions.fromString("r--------"));
        }
        DiskLayer onBase = t.manifest().disks().get(1);
        assertThat(onBase.base()).isEqualTo(base.toString());
        assertThat(onBase.baseSha256()).isEqualTo(WorkFiles.sha256(base));
        assertThat(qemuImgInfo(layers.get("base")).path("backing-filename").asText()).isEqualTo(base.toString());

        Path cloneDirs = Files.createDirectories(tmp.resolve("clones"));
        CloneOptions keep = CloneOptions.builder().workDir(cloneDirs).keepDisks(true).build();
        Path kept;
        try (CloneVm a = t.startClone(keep); CloneVm b = t.startClone(CloneOptions.defaults())) {
            Path overlay = a.disks().get("scratch");
            assertThat(overlay).isEqualTo(a.workDir().resolve("disk-scratch.qcow2"));
            assertThat(qemuImgInfo(overlay).path("backing-filename").asText()).isEqualTo(layers.get("scratch")
                    .toString());
            Map<String, Boolean> readOnly = new HashMap<>();
            for (JsonNode node : a.qmp().blocking().execute("query-named-block-nodes")) {
                readOnly.merge(node.path("file").asText(), node.path("ro").asBoolean(), Boolean::logicalAnd);
            }
            assertThat(readOnly).containsEntry(layers.get("scratch").toString(), true)
                    .containsEntry(layers.get("base").toString(), true).containsEntry(base.toString(), true)
                    .containsEntry(overlay.toString(), false);

            Path overlayB = b.disks().get("scratch");
            assertThat(read(overlay, 0x11)).as("the template's write, through the clone's overlay").contains(READ_OK)
                    .doesNotContain(MISMATCH);
            qemuIo(a.qmp(), "scratch", "write -P 0x22 0 64k");
            qemuIo(a.qmp(), "scratch", "flush");
            assertThat(read(overlay, 0x22)).contains(READ_OK).doesNotContain(MISMATCH);
            assertThat(read(overlayB, 0x22)).as("a sibling does not see it").contains(MISMATCH);
            assertThat(read(overlayB, 0x11)).as("it sees the template's bytes").contains(READ_OK)
                    .doesNotContain(MISMATCH);
            assertThat(read(layers.get("scratch"), 0x11)).as("the layer is as the template left it")
                    .contains(READ_OK).doesNotContain(MISMATCH);
            kept = overlay;
        }
        assertThat(kept).as("kept on close").exists();
        try (Stream<Path> left = Files.list(kept.getParent())) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("disk-scratch.qcow2",
                    "disk-base.qcow2");
        }
        assertThat(read(kept, 0x22)).as("the kept overlay holds the clone's write").contains(READ_OK)
                .doesNotContain(MISMATCH);
        try (CloneVm later = t.startClone(CloneOptions.defaults())) {
            assertThat(read(later.disks().get("scratch"), 0x11)).as("a later clone: the template's bytes")
                    .contains(READ_OK).doesNotContain(MISMATCH);
        }
        t.verifyDisks();
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void theDefaultSaveRecordsTheLayersAndBaseBesideTheRamInTheBackground(QemuBinary qemu) throws Exception {
        Template t = save(qemu, "background", SaveOptions.defaults());
        Template recorded = t.ramChecksumsRecorded().get(60, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(recorded.hasRamChecksums()).isTrue();
        Map<String, Path> layers = recorded.diskLayers();
        for (DiskLayer l : recorded.manifest().disks()) {
            assertThat(l.sha256()).as(l.id()).isEqualTo(WorkFiles.sha256(layers.get(l.id())));
        }
        assertThat(recorded.manifest().disks().get(1).baseSha256()).isEqualTo(WorkFiles.sha256(base));
        assertThat(Template.open(t.directory()).manifest().disks()).as("on disk")
                .allSatisfy(l -> assertThat(l.hasChecksums()).isTrue());
        t.verifyDisks();
        try (CloneVm c = t.startClone(CloneOptions.defaults())) {
            assertThat(c.isAlive()).isTrue();
        }
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void aChangedLayerOrBaseIsRefusedBeforeAnyQemuStarts_withFullAndFlatSaves(QemuBinary qemu) throws Exception {
        Template full = save(qemu, "full", SaveOptions.builder().ramChecksum(SaveOptions.RamChecksum.FULL).build());
        Path layer = full.diskLayers().get("scratch");
        flipLastByte(layer);
        int before = launched.get();
        assertThatThrownBy(() -> full.startClone(CloneOptions.defaults()))
                .isInstanceOfSatisfying(ManifestMismatchException.class, e -> assertThat(e.kind()).isEqualTo(ManifestMismatchException.Kind.SHA256))
                .hasMessageContaining(layer.toString()).hasMessageContaining("template disk layer of disk 'scratch'");
        assertThatThrownBy(full::verifyDisks).isInstanceOf(ManifestMismatchException.class);
        assertThat(launched.get()).as("no QEMU started").isEqualTo(before);

        Template flat = save(qemu, "flat", SaveOptions.builder().ramChecksum(SaveOptions.RamChecksum.NONE).build());
        assertThat(flat.manifest().disks()).allSatisfy(l -> assertThat(l.hasChecksums()).isFalse());
        try (CloneVm c = flat.startClone(CloneOptions.defaults())) {
            assertThat(c.isAlive()).isTrue();
        }
        assertThatThrownBy(flat::verifyDisks).isInstanceOfSatisfying(ManifestMismatchException.class,
                e -> assertThat(e.kind()).isEqualTo(ManifestMismatchException.Kind.NO_RAM_CHECKSUM));
        Template recorded = flat.recordRamChecksums();
        assertThat(recorded.manifest().disks()).allSatisfy(l -> assertThat(l.hasChecksums()).isTrue());
        recorded.verifyDisks();

        // A base touched but unchanged is hashed once and used; a changed one is refused.
        Files.setLastModifiedTime(base, FileTime.from(Instant.now()));
        try (CloneVm c = recorded.startClone(CloneOptions.defaults())) {
            assertThat(c.isAlive()).isTrue();
        }
        FileTime saved = Files.getLastModifiedTime(base);
        flipLastByte(base);
        before = launched.get();
        assertThatThrownBy(() -> recorded.startClone(CloneOptions.defaults()))
                .isInstanceOfSatisfying(ManifestMismatchException.class, e -> assertThat(e.kind()).isEqualTo(ManifestMismatchException.Kind.SHA256))
                .hasMessageContaining("base image of template disk 'base'");
        flipLastByte(base);
        Files.setLastModifiedTime(base, saved);

        // Flat and never recorded: a layer modified after the save cannot be verified, so it is refused.
        Template flat2 = save(qemu, "flat2", SaveOptions.builder().ramChecksum(SaveOptions.RamChecksum.NONE).build());
        flipLastByte(flat2.diskLayers().get("scratch"));
        assertThatThrownBy(() -> flat2.startClone(CloneOptions.defaults()))
                .isInstanceOfSatisfying(ManifestMismatchException.class,
                        e -> assertThat(e.kind()).isEqualTo(ManifestMismatchException.Kind.NO_RAM_CHECKSUM))
                .hasMessageContaining("cannot be verified");
        assertThat(launched.get()).as("no QEMU started for the refused clones").isEqualTo(before + 1);
    }

    /** Changes a file's last byte, keeping its size (so only its checksum and time tell). */
    private static void flipLastByte(Path f) throws IOException {
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.seek(raf.length() - 1);
            int b = raf.read();
            raf.seek(raf.length() - 1);
            raf.write(b ^ 0xff);
        }
        Files.setLastModifiedTime(f, FileTime.from(Instant.now().plusSeconds(1)));
    }

    /** Runs a qemu-io command on a VM's disk through the monitor (its output goes to QEMU's stdout). */
    private static void qemuIo(dev.qmpkit.qmp.QmpClient qmp, String disk, String command) {
        qmp.blocking().execute("human-monitor-command", Map.of("command-line",
                "qemu-io " + new Disk(disk, null, null, 512).driveId() + " \"" + command + "\""));
    }

    /** @return what the host's qemu-io says of the first 64 KiB of an image (chain), read-only, shared */
    private static String read(Path image, int pattern) throws Exception {
        HostCommand.Result r = HostCommand.run(List.of("qemu-io", "-U", "-r", "-f", "qcow2", "-c",
                "read -P 0x" + Integer.toHexString(pattern) + " 0 64k", image.toString()), null, Map.of(),
                Duration.ofSeconds(30));
        return r.stdoutText() + r.stderr();
    }

    private static JsonNode qemuImgInfo(Path image) throws Exception {
        HostCommand.Result r = HostCommand.run(List.of("qemu-img", "info", "-U", "--output=json", image.toString()),
                null, Map.of(), Duration.ofSeconds(30));
        assertThat(r.exitCode()).as(r.tail()).isZero();
        return JSON.readTree(r.stdout());
    }
}
