package dev.qmpkit.templating;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A template save that fails at each of its steps, against {@link FakeQemu} (the real-QEMU
 * cases are in TemplatingIT, WorkDirFaultsIT and SaveCrashIT): the caller gets a
 * {@link TemplateSaveException} naming the step, and no QEMU, state file or manifest is left.
 */
class SaveFailureTest {

    static final VmDescription VM = VmDescription.builder().accel(Accel.TCG).ram(16L << 20).build();

    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(value = Step.class, names = {"READINESS_CHECK", "STOP", "SET_CAPABILITIES", "SAVE_STATE"})
    void qemuDyingAtAStepFailsTheSaveThere_andLeavesNoQemuStateFileOrManifest(Step step) throws Exception {
        try (FakeQemu qemu = new FakeQemu(tmp); Templating templating = FakeQemu.owner(qemu)) {
            Path dir = tmp.resolve("tpl");
            try (TemplateVm vm = templating.startTemplate(qemu.binary(), VM, dir)) {
                assertThatThrownBy(() -> vm.save(atStart(step, s -> qemu.last().kill())))
                        .isInstanceOf(TemplateSaveException.class)
                        .hasMessageContaining("failed at step " + step)
                        .hasMessageContaining("No manifest was written")
                        .satisfies(e -> assertThat(((TemplateSaveException) e).step()).isEqualTo(step));
            }
            assertNothingLeft(qemu, dir);
        }
    }

    @Test
    void aMigrationQemuCannotWrite_failsAtSaveState_withQemusError_andLeavesNothing() throws Exception {
        String enospc = "Unable to write to file: No space left on device";
        try (FakeQemu qemu = new FakeQemu(tmp).failOutgoingMigration(enospc);
             Templating templating = FakeQemu.owner(qemu)) {
            Path dir = tmp.resolve("tpl");
            try (TemplateVm vm = templating.startTemplate(qemu.binary(), VM, dir)) {
                assertThatThrownBy(vm::save).isInstanceOf(TemplateSaveException.class)
                        .hasMessageContaining("failed at step SAVE_STATE")
                        .hasMessageContaining(enospc);
            }
            assertNothingLeft(qemu, dir);
        }
    }

    /**
     * After QEMU quit, the save writes files itself. A name already taken by a directory makes the
     * rename fail, as a full or broken file system would, even for root.
     */
    @ParameterizedTest
    @EnumSource(value = Step.class, names = {"MAKE_DURABLE", "WRITE_MANIFEST"})
    void aWriteFailingAfterQemuQuit_failsAtThatStep_andLeavesNoStateFileOrHalfWrittenManifest(Step step)
            throws Exception {
        try (FakeQemu qemu = new FakeQemu(tmp); Templating templating = FakeQemu.owner(qemu)) {
            Path dir = tmp.resolve("tpl");
            String taken = step == Step.MAKE_DURABLE ? "state.bin" : TemplateManifest.FILE_NAME;
            try (TemplateVm vm = templating.startTemplate(qemu.binary(), VM, dir)) {
                assertThatThrownBy(() -> vm.save(atStart(step, s -> occupy(dir.resolve(taken)))))
                        .isInstanceOf(TemplateSaveException.class)
                        .hasMessageContaining("failed at step " + step)
                        .satisfies(e -> assertThat(((TemplateSaveException) e).step()).isEqualTo(step));
            }
            assertNothingLeft(qemu, dir);
        }
    }

    @Test
    void aSaveThatSucceedsLeavesACloneableTemplateAndNoQemu() throws Exception {
        try (FakeQemu qemu = new FakeQemu(tmp); Templating templating = FakeQemu.owner(qemu)) {
            Template template;
            try (TemplateVm vm = templating.startTemplate(qemu.binary(), VM, tmp.resolve("tpl"))) {
                template = vm.save();
            }
            assertThat(template.templating()).isSameAs(templating);
            assertThat(template.manifest().resolvedMachineType()).isEqualTo(FakeQemu.MACHINE);
            assertThat(qemu.last().isAlive()).isFalse();
            assertThat(templating.openTemplate(template.directory()).manifest()).isEqualTo(template.manifest());
        }
    }

    static SaveOptions atStart(Step step, Consumer<Step> fault) {
        return SaveOptions.builder().listener(new ProgressListener() {
            @Override
            public void stepStarted(Step s, String vmName) {
                if (s == step) {
                    fault.accept(s);
                }
            }
        }).build();
    }

    private static void occupy(Path name) {
        try {
            Files.createDirectories(name.resolve("occupied"));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** What a user would find: no QEMU running, and nothing in the directory a clone could start from. */
    static void assertNothingLeft(FakeQemu qemu, Path dir) throws IOException {
        assertThat(qemu.started()).as("QEMUs started").isNotEmpty()
                .allSatisfy(p -> assertThat(p.isAlive()).as("%s alive", p).isFalse())
                .allSatisfy(p -> assertThat(p.closed()).as("%s closed", p).isTrue());
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .as("left in the template directory")
                    .noneMatch(n -> n.equals("state.tmp") || n.equals(TemplateManifest.FILE_NAME + ".tmp"));
        }
        assertThat(dir.resolve("state.bin")).as("no state file").satisfies(p -> assertThat(Files.isRegularFile(p))
                .isFalse());
        assertThat(dir.resolve(TemplateManifest.FILE_NAME)).as("no manifest")
                .satisfies(p -> assertThat(Files.isRegularFile(p)).isFalse());
        assertThatThrownBy(() -> Template.open(dir)).isInstanceOf(ManifestCorruptException.class);
    }
}
