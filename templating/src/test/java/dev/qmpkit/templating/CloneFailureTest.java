package dev.qmpkit.templating;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.qmpkit.qmp.QmpException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A clone start that fails at each of its steps, against {@link FakeQemu} (the real-QEMU cases
 * are in CloneFaultsIT and TemplatingIT): the caller gets the step and QEMU's words, and no
 * QEMU or clone work directory is left.
 */
class CloneFailureTest extends FakeTemplateTests {

    @ParameterizedTest
    @EnumSource(value = Step.class, names = {"RESTORE_STATE", "IDENTITY", "CLONE_CHECK", "RESUME"})
    void qemuDyingAtAStepFailsTheCloneThere_andLeavesNoQemuOrWorkDirectory(Step step) throws Exception {
        CloneOptions options = options(step, s -> qemu.last().kill()).nic(true).build();
        assertThatThrownBy(() -> template.startClone(options))
                .isInstanceOf(CloneRestoreException.class)
                .hasMessageContaining("failed at step " + step)
                .hasMessageContaining("terminating on signal 9")
                .satisfies(e -> assertThat(((CloneRestoreException) e).step()).isEqualTo(step));
        assertCloneLeftNothing();
    }

    @Test
    void aLaunchQemuRefuses_failsAtCloneLaunch_withItsStderr_andLeavesNoWorkDirectory() throws Exception {
        qemu.beforeStart(l -> {
            throw FakeQemu.refused(l, "qemu-system-x86_64: -object memory-backend-file: can't open backing store");
        });
        assertThatThrownBy(() -> template.startClone(options(Step.CLONE_LAUNCH, s -> { }).build()))
                .isInstanceOf(CloneRestoreException.class)
                .hasMessageContaining("failed at step CLONE_LAUNCH")
                .hasMessageContaining("can't open backing store")
                .satisfies(e -> assertThat(((CloneRestoreException) e).step()).isEqualTo(Step.CLONE_LAUNCH));
        assertThat(qemu.started()).as("only the template's QEMU ran").hasSize(1);
        assertThat(workDirs).isEmptyDirectory();
    }

    @Test
    void aStateQemuRejects_failsAtRestoreState_withQemusOwnWordsAndTheFix() throws Exception {
        qemu.failIncomingMigration("qemu-system-x86_64: Unknown ramblock \"ram0\", cannot accept migration", true);
        assertThatThrownBy(() -> template.startClone(options(Step.RESTORE_STATE, s -> { }).build()))
                .isInstanceOf(CloneRestoreException.class)
                .hasMessageContaining("failed at step RESTORE_STATE")
                .hasMessageContaining("Unknown ramblock \"ram0\"")
                .hasMessageContaining("memory backend ids differ from the template's");
        assertCloneLeftNothing();
    }

    @Test
    void aCallerInterruptedWhileACloneFails_getsTheFailure_andKeepsTheInterrupt() throws Exception {
        // QEMU rejects the state but is slow to exit: the clone waits for its last words, and is interrupted.
        qemu.failIncomingMigration("qemu-system-x86_64: load of migration failed: Invalid argument", false);
        Thread caller = Thread.currentThread();
        CloneOptions options = options(Step.RESTORE_STATE, s -> { }).listener(new ProgressListener() {
            @Override
            public void stepFailed(Step step, String vmName, Throwable failure) {
                CompletableFuture.runAsync(caller::interrupt, CompletableFuture.delayedExecutor(100,
                        TimeUnit.MILLISECONDS));
            }
        }).build();
        try {
            assertThatThrownBy(() -> template.startClone(options)).isInstanceOf(CloneRestoreException.class)
                    .hasMessageContaining("load of migration failed");
            // The interrupt came while the failing start waited for QEMU, before it returned.
            assertThat(Thread.currentThread().isInterrupted()).as("the caller's interrupt is kept").isTrue();
        } finally {
            Thread.interrupted();
        }
        assertCloneLeftNothing();
    }

    @Test
    void aWorkDirectoryThatCannotBeCreated_isRefusedBeforeAnyQemuStarts() throws Exception {
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        assertThatThrownBy(() -> template.startClone(CloneOptions.builder().workDir(file.resolve("sub")).build()))
                .isInstanceOf(TemplatingException.class)
                .hasMessageContaining("CloneOptions.workDir");
        assertThat(qemu.started()).as("only the template's QEMU ran").hasSize(1);
    }

    @Test
    void aStateFileChangedAfterTheSave_isRefusedBeforeAnyQemuStarts() throws Exception {
        Path state = template.directory().resolve(template.manifest().state().file());
        Files.setPosixFilePermissions(state, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        try (RandomAccessFile f = new RandomAccessFile(state.toFile(), "rw")) {
            f.seek(100);
            f.write(0x5a);
        }
        assertThatThrownBy(() -> template.startClone(CloneOptions.builder().workDir(workDirs).build()))
                .isInstanceOf(ManifestMismatchException.class)
                .hasMessageContaining(state.toString())
                .as("a checksum that differs is not a QMP error").isNotInstanceOf(QmpException.class);
        assertThat(qemu.started()).as("only the template's QEMU ran").hasSize(1);
        assertThat(workDirs).isEmptyDirectory();
    }

    @Test
    void aCloneThatStartsIsStoppedAndItsWorkDirectoryRemovedOnClose() throws Exception {
        CloneVm clone = template.startClone(CloneOptions.builder().workDir(workDirs).nic(true).build());
        assertThat(clone.mac()).startsWith(templating.macAllocator().prefix() + ":");
        assertThat(clone.workDir()).startsWith(workDirs).isDirectory();
        assertThat(qemu.last().isAlive()).isTrue();
        clone.close();
        clone.close();
        assertCloneLeftNothing();
    }

    private CloneOptions.Builder options(Step step, Consumer<Step> fault) {
        return CloneOptions.builder().workDir(workDirs).listener(new ProgressListener() {
            @Override
            public void stepStarted(Step s, String vmName) {
                if (s == step) {
                    fault.accept(s);
                }
            }
        });
    }

    private void assertCloneLeftNothing() throws IOException {
        assertThat(qemu.started()).as("the template's and the clone's QEMU").hasSize(2);
        FakeQemu.Fake clone = qemu.last();
        assertThat(clone.isAlive()).as("clone QEMU alive").isFalse();
        assertThat(clone.closed()).as("clone QEMU closed").isTrue();
        try (Stream<Path> left = Files.list(workDirs)) {
            assertThat(left).as("clone work directories left").isEmpty();
        }
    }
}
