package dev.qmpkit.templating;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.qmpkit.qmp.Futures;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.templating.guest.BuiltinGuest;
import dev.qmpkit.templating.guest.SerialLog;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The default save ({@link SaveOptions.RamChecksum#BACKGROUND}, issue 13) on real QEMU 10.0 and
 * 7.2: it returns before the RAM files are hashed, clones start while the hashing runs, and a
 * RAM file changed after the save is never recorded and never cloned from, even when its
 * modification time was set back. The save's listener holds the hashing at
 * {@link Step#RAM_CHECKSUM}, so "still running" is a fact of the test, not a race.
 */
class BackgroundChecksumIT {

    private static final Duration BOOT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    /** A save's listener that holds the background hashing at its start until released. */
    private static final class HeldHashing implements ProgressListener {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        volatile String thread;
        volatile boolean finished;

        @Override
        public void stepStarted(Step step, String vmName) {
            if (step == Step.RAM_CHECKSUM) {
                thread = Thread.currentThread().getName();
                started.countDown();
                try {
                    release.await(2, TimeUnit.MINUTES);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public void stepFinished(Step step, String vmName, Duration took) {
            if (step == Step.RAM_CHECKSUM) {
                finished = true;
            }
        }
    }

    private record Saved(Template template, long counter) {
    }

    private Saved save(QemuBinary qemu, HeldHashing held) throws Exception {
        Path kernel = BuiltinGuest.writeKernel(tmp);
        VmDescription d = VmDescription.builder().accel(Accel.TCG).ram(64L << 20).boot(Boot.kernel(kernel)).build();
        try (TemplateVm vm = TemplateVm.start(qemu, d, tmp.resolve("template"))) {
            SerialLog.awaitReady(vm.serialLog(), BOOT);
            SerialLog.awaitCountAbove(vm.serialLog(), 3, BOOT);
            Template t = vm.save(SaveOptions.builder().listener(held).build());
            return new Saved(t, BuiltinGuest.readCounter(t.ramFiles().get(0), 0));
        }
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void theDefaultSaveReturnsBeforeTheRamIsHashed_clonesStartMeanwhile_andVerifyRamFilesWaitsForTheRecord(
            QemuBinary qemu) throws Exception {
        assertThat(SaveOptions.defaults().ramChecksum()).isEqualTo(SaveOptions.RamChecksum.BACKGROUND);
        HeldHashing held = new HeldHashing();
        Saved s = save(qemu, held);
        Template t = s.template();
        assertThat(held.started.await(1, TimeUnit.MINUTES)).as("the hashing started after the save").isTrue();
        assertThat(held.thread).isEqualTo("qmpkit-ram-checksum");
        assertThat(t.hasRamChecksums()).isFalse();
        assertThat(Template.open(t.directory()).hasRamChecksums()).as("on disk too").isFalse();
        CompletableFuture<Template> recorded = t.ramChecksumsRecorded();
        CompletableFuture<Void> verified = CompletableFuture.runAsync(t::verifyRamFiles);
        try {
            // While the hashing is held: a clone starts and runs on from the template, without waiting.
            try (CloneVm c = t.startClone()) {
                assertThat(Futures.await(c.qmp().execute("query-status")).path("status").asText())
                        .isEqualTo("running");
                SerialLog log = SerialLog.awaitCountAbove(c.serialLog(), s.counter() + 3, BOOT);
                assertThat(log.ready()).as("a clone must not boot again").isFalse();
            }
            assertThat(recorded).as("still hashing").isNotDone();
            assertThat(verified).as("verifyRamFiles waits for the hashing").isNotDone();
        } finally {
            held.release.countDown();
        }
        Template done = recorded.get(2, TimeUnit.MINUTES);
        assertThat(held.finished).isTrue();
        assertThat(done.hasRamChecksums()).isTrue();
        assertThat(done.manifest().backends().get(0).sha256()).isEqualTo(WorkFiles.sha256(t.ramFiles().get(0)));
        assertThat(Template.open(t.directory()).hasRamChecksums()).as("recorded in the manifest on disk").isTrue();
        verified.get(2, TimeUnit.MINUTES);
        assertThat(t.manifest().backends().get(0).sha256()).as("the saved object keeps its manifest").isNull();
        try (CloneVm c = done.startClone()) {
            assertThat(c.isAlive()).isTrue();
        }
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void aRamFileChangedBeforeItIsHashed_isNotRecorded_andEveryLaterCloneIsRefused_evenWithItsTimeSetBack(
            QemuBinary qemu) throws Exception {
        HeldHashing held = new HeldHashing();
        Template t = save(qemu, held).template();
        assertThat(held.started.await(1, TimeUnit.MINUTES)).isTrue();
        Path ram = t.ramFiles().get(0);
        FileTime mtime = Files.getLastModifiedTime(ram);
        try (RandomAccessFile f = new RandomAccessFile(ram.toFile(), "rw")) {
            f.seek(40L << 20);
            f.write(~f.read());
        }
        // Set back, so the modification-time rule of a clone start alone cannot see the change.
        Files.setLastModifiedTime(ram, mtime);
        held.release.countDown();
        assertThatThrownBy(() -> t.ramChecksumsRecorded().get(2, TimeUnit.MINUTES))
                .isInstanceOf(ExecutionException.class).cause()
                .isInstanceOfSatisfying(ManifestMismatchException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ManifestMismatchException.Kind.NO_RAM_CHECKSUM);
                    assertThat(e.file()).isEqualTo(ram);
                })
                .hasMessageContaining("change time moved");
        assertThat(Template.open(t.directory()).hasRamChecksums()).as("nothing recorded").isFalse();
        long before = ProcessHandle.current().descendants().count();
        for (Template each : new Template[] {t, Template.open(t.directory())}) {
            assertThatThrownBy(each::startClone).isInstanceOf(ManifestMismatchException.class)
                    .hasMessageContaining("refusing a clone of template " + t.directory())
                    .hasMessageContaining(ram.toString());
        }
        assertThat(ProcessHandle.current().descendants().count()).as("no QEMU launched").isEqualTo(before);
        assertThatThrownBy(t::verifyRamFiles).isInstanceOf(ManifestMismatchException.class)
                .hasMessageContaining("change time moved");
    }
}
