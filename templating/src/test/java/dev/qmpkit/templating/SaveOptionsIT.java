package dev.qmpkit.templating;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.qmpkit.qmp.Futures;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.templating.guest.BuiltinGuest;
import dev.qmpkit.templating.guest.SerialLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A template saved with {@link SaveOptions.RamChecksum#NONE} on real QEMU 10.0 and 7.2 (built-in
 * guest, 64 MiB, TCG): it clones like any other, its manifest records no RAM hash, and nothing
 * that needs one pretends to have it. One template per QEMU, shared by the tests; tests that
 * change files work on a copy made of symbolic links.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SaveOptionsIT {

    private static final long RAM = 64L << 20;
    private static final Duration BOOT = Duration.ofSeconds(30);

    private Path tmp;
    private final Map<Path, Saved> templates = new ConcurrentHashMap<>();

    private record Saved(Template template, long counterAtSave, List<Step> steps) {
    }

    @BeforeAll
    void createWorkDir() throws IOException {
        tmp = Files.createTempDirectory("qmpkit-saveoptions-it-");
    }

    @AfterAll
    void deleteWorkDir() throws IOException {
        WorkFiles.deleteTree(tmp);
    }

    static List<QemuBinary> qemus() {
        return dev.qmpkit.qmp.testing.TestQemus.all();
    }

    /** Boots the guest to READY and a few counts, then saves without RAM checksums; once per QEMU. */
    private synchronized Saved saved(QemuBinary qemu) throws Exception {
        Saved s = templates.get(qemu.executable());
        if (s != null) {
            return s;
        }
        Path base = Files.createDirectories(tmp.resolve("q" + templates.size()));
        Path kernel = BuiltinGuest.writeKernel(base);
        VmDescription d = VmDescription.builder().accel(Accel.TCG).ram(RAM).boot(Boot.kernel(kernel)).build();
        List<Step> steps = new ArrayList<>();
        Template t;
        try (TemplateVm vm = TemplateVm.start(qemu, d, base.resolve("template"))) {
            SerialLog.awaitReady(vm.serialLog(), BOOT);
            SerialLog.awaitCountAbove(vm.serialLog(), 3, BOOT);
            t = vm.save(SaveOptions.builder().ramChecksum(SaveOptions.RamChecksum.NONE)
                    .listener(new ProgressListener() {
                        @Override
                        public void stepFinished(Step step, String vmName, Duration took) {
                            steps.add(step);
                        }
                    }).build());
        }
        long counter = BuiltinGuest.readCounter(ramFile(t), 0);
        s = new Saved(t, counter, steps);
        templates.put(qemu.executable(), s);
        return s;
    }

    @ParameterizedTest
    @MethodSource("qemus")
    void savedWithoutRamChecksum_recordsNoRamHash_andAClonesResumesWhereTheTemplateStopped(QemuBinary qemu)
            throws Exception {
        Saved s = saved(qemu);
        Template t = s.template();
        assertThat(s.steps()).as("the listener in SaveOptions is used").contains(Step.SAVE_STATE, Step.CHECKSUM,
                Step.WRITE_MANIFEST);
        assertThat(t.manifest().backends()).allSatisfy(b -> assertThat(b.sha256()).isNull());
        assertThat(t.manifest().state().sha256()).as("the state file is always hashed").hasSize(64);
        assertThat(t.hasRamChecksums()).isFalse();
        JsonNode onDisk = new ObjectMapper().readTree(t.directory().resolve(TemplateManifest.FILE_NAME).toFile());
        assertThat(onDisk.path("backends").get(0).get("sha256").isNull()).isTrue();
        // A fresh open checks the fingerprint, which covers the null hash.
        Template reopened = Template.open(t.directory());
        try (CloneVm c = reopened.startClone()) {
            assertThat(Futures.await(c.qmp().execute("query-status")).path("status").asText()).isEqualTo("running");
            SerialLog log = SerialLog.awaitCountAbove(c.serialLog(), s.counterAtSave() + 5, BOOT);
            assertThat(log.ready()).as("a clone must not boot again").isFalse();
            assertThat(log.firstCount().orElseThrow()).isGreaterThanOrEqualTo(s.counterAtSave());
        }
    }

    @ParameterizedTest
    @MethodSource("qemus")
    void verifyRamFiles_saysNoChecksumWasRecordedAndHowToGetOne(QemuBinary qemu) throws Exception {
        Template t = saved(qemu).template();
        assertThatThrownBy(t::verifyRamFiles).isInstanceOf(ManifestMismatchException.class)
                .satisfies(e -> assertThat(((ManifestMismatchException) e).kind()).isEqualTo(ManifestMismatchException.Kind.NO_RAM_CHECKSUM))
                .satisfies(e -> assertThat(((ManifestMismatchException) e).file()).isEqualTo(ramFile(t)))
                .hasMessageContaining("no checksum was recorded")
                .hasMessageContaining("Template.recordRamChecksums()")
                .hasMessageContaining("SaveOptions.RamChecksum.FULL")
                .hasMessageContaining(t.manifest().qemu().version());
    }

    @ParameterizedTest
    @MethodSource("qemus")
    void ramFileModifiedAfterTheSave_isRefusedAtCloneTime_evenWithTheSameBytes(QemuBinary qemu) throws Exception {
        Template t = saved(qemu).template();
        Path copy = linkedCopy(t, "touched-" + t.manifest().qemu().version());
        Path ram = copy.resolve(t.manifest().backends().get(0).file());
        Files.delete(ram);
        Files.copy(ramFile(t), ram); // a new modification time; nothing left to prove the bytes are the saved ones
        Template touched = Template.open(copy);
        long before = ProcessHandle.current().descendants().count();
        assertThatThrownBy(touched::startClone).isInstanceOf(ManifestMismatchException.class)
                .satisfies(e -> assertThat(((ManifestMismatchException) e).kind()).isEqualTo(ManifestMismatchException.Kind.NO_RAM_CHECKSUM))
                .hasMessageContaining(ram.toString())
                .hasMessageContaining("modified")
                .hasMessageContaining("cannot be verified: no checksum was recorded")
                .hasMessageContaining("Fix:")
                .hasMessageContaining("SaveOptions.RamChecksum.FULL")
                .hasMessageContaining(t.manifest().qemu().version());
        assertThat(ProcessHandle.current().descendants().count()).as("no QEMU launched").isEqualTo(before);
        // Recording the checksums now would bless whatever the file holds: refused too.
        assertThatThrownBy(touched::recordRamChecksums).isInstanceOf(ManifestMismatchException.class)
                .satisfies(e -> assertThat(((ManifestMismatchException) e).kind()).isEqualTo(ManifestMismatchException.Kind.NO_RAM_CHECKSUM));
        assertThat(Template.open(copy).hasRamChecksums()).isFalse();
    }

    @ParameterizedTest
    @MethodSource("qemus")
    void recordRamChecksums_addsThemAfterTheSave_soVerifyRamFilesPassesAndClonesStillStart(QemuBinary qemu)
            throws Exception {
        Template t = saved(qemu).template();
        Path copy = linkedCopy(t, "recorded-" + t.manifest().qemu().version());
        // Two recorders at once (e.g. two background jobs) agree and leave one valid manifest.
        Template opened = Template.open(copy);
        java.util.concurrent.CompletableFuture<Template> other =
                java.util.concurrent.CompletableFuture.supplyAsync(opened::recordRamChecksums);
        Template recorded = opened.recordRamChecksums();
        assertThat(other.get().manifest()).isEqualTo(recorded.manifest());
        assertThat(recorded.hasRamChecksums()).isTrue();
        assertThat(recorded.manifest().backends().get(0).sha256()).isEqualTo(WorkFiles.sha256(ramFile(t)));
        assertThat(recorded.manifest().createdAt()).as("the save time stays, it dates the files")
                .isEqualTo(t.manifest().createdAt());
        Template reopened = Template.open(copy);
        assertThat(reopened.manifest()).isEqualTo(recorded.manifest());
        reopened.verifyRamFiles();
        assertThat(reopened.recordRamChecksums().manifest()).as("nothing left to record").isEqualTo(recorded.manifest());
        try (CloneVm c = reopened.startClone()) {
            SerialLog log = SerialLog.awaitCountAbove(c.serialLog(), saved(qemu).counterAtSave() + 2, BOOT);
            assertThat(log.ready()).isFalse();
        }
    }

    private static Path ramFile(Template t) {
        return t.ramFiles().get(0);
    }

    /** A copy of the template directory made of symbolic links, with its own manifest file. */
    private Path linkedCopy(Template t, String name) throws IOException {
        Path copy = Files.createDirectories(tmp.resolve(name));
        try (Stream<Path> files = Files.list(t.directory())) {
            for (Path f : files.toList()) {
                Files.createSymbolicLink(copy.resolve(f.getFileName()), f);
            }
        }
        Files.delete(copy.resolve(TemplateManifest.FILE_NAME));
        Files.copy(t.directory().resolve(TemplateManifest.FILE_NAME), copy.resolve(TemplateManifest.FILE_NAME));
        return copy;
    }

}
