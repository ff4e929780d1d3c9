package dev.qmpkit.templating;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.qmpkit.qmp.QmpException;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.launch.QemuOption;
import dev.qmpkit.templating.guest.BuiltinGuest;
import dev.qmpkit.templating.guest.SerialLog;
import dev.qmpkit.templating.inspect.Finding;
import dev.qmpkit.templating.inspect.FindingCode;
import dev.qmpkit.templating.inspect.UnsafeCloneException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The clone start asks {@link dev.qmpkit.templating.inspect.CloneGuard} about the clone QEMU
 * really runs, after the restore and before {@code cont} (issue 10, item 2): a balloon the
 * description's device strings do not name (through {@code extraArgs}, or a non-transitional
 * type) reaches a QEMU 7.2 clone, whose template RAM file is mapped writable, and there it must
 * be refused with nothing left; on QEMU 10.0 the file is read-only and the clone runs.
 */
class CloneGuardIT {

    private static final Duration BOOT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void aBalloonTheDescriptionDoesNotName_isRefusedBeforeTheCloneRunsWhereTheTemplateFileIsWritable(QemuBinary qemu)
            throws Exception {
        Path kernel = BuiltinGuest.writeKernel(tmp);
        VmDescription base = VmDescription.builder().accel(Accel.TCG).ram(64L << 20).boot(Boot.kernel(kernel)).build();
        check(qemu, base.toBuilder().extraArgs("-device", "virtio-balloon-pci,id=b0").build(),
                "Remove `-device virtio-balloon-pci,id=b0`");
        check(qemu, base.toBuilder().device(QemuOption.of("virtio-balloon-pci-non-transitional")).build(),
                "Remove `-device virtio-balloon-pci-non-transitional`");
    }

    /**
     * The guard inspects the first clone of a kind and trusts its verdict for clones QEMU runs
     * from the same command line (issue 13); a clone whose QEMU runs another one is inspected
     * again. Here a starter that adjusts launches (as {@link dev.qmpkit.qmp.launch.QemuStarter}
     * allows) adds {@code discard-data=on} to the template RAM's backend of one clone only,
     * after two clones of the plain kind passed: that clone is refused on both QEMUs, and the
     * plain kind still passes afterwards.
     */
    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void aKindOfCloneIsInspectedOnce_andACloneWhoseQemuRunsAnotherCommandLineIsInspectedAgain(QemuBinary qemu)
            throws Exception {
        java.util.concurrent.atomic.AtomicBoolean discard = new java.util.concurrent.atomic.AtomicBoolean();
        dev.qmpkit.qmp.launch.QemuStarter starter = launch -> {
            if (!discard.get() || !launch.args().contains("-incoming")) {
                return launch.start();
            }
            List<String> args = launch.args().stream()
                    .map(a -> a.startsWith("memory-backend-file,") ? a + ",discard-data=on" : a).toList();
            return launch.toBuilder().args(args).build().start();
        };
        Path kernel = BuiltinGuest.writeKernel(tmp);
        VmDescription d = VmDescription.builder().accel(Accel.TCG).ram(64L << 20).boot(Boot.kernel(kernel)).build();
        try (Templating owner = Templating.builder().launcher(starter).build()) {
            Template t;
            try (TemplateVm vm = owner.startTemplate(qemu, d, tmp.resolve("template"))) {
                SerialLog.awaitReady(vm.serialLog(), BOOT);
                t = vm.save();
            }
            List<Double> checkMillis = new CopyOnWriteArrayList<>();
            CloneOptions options = CloneOptions.builder().listener(new ProgressListener() {
                @Override
                public void stepFinished(Step step, String vmName, Duration took) {
                    if (step == Step.CLONE_CHECK) {
                        checkMillis.add(took.toNanos() / 1e6);
                    }
                }
            }).build();
            for (int i = 0; i < 2; i++) {
                try (CloneVm c = t.startClone(options)) {
                    assertThat(c.isAlive()).isTrue();
                }
            }
            discard.set(true);
            assertThatThrownBy(() -> t.startClone(options))
                    .isInstanceOfSatisfying(UnsafeCloneException.class, e -> assertThat(e.errors())
                            .extracting(Finding::code).containsOnly(FindingCode.DISCARD_DATA))
                    .hasMessageContaining("before any vCPU ran");
            discard.set(false);
            try (CloneVm c = t.startClone(options)) {
                assertThat(c.qmp().blocking().execute("query-status").path("status").asText()).isEqualTo("running");
            }
            System.out.printf("[%s] CLONE_CHECK of the plain kind: %s ms (inspected, then trusted)%n",
                    t.manifest().qemu().version(), checkMillis);
        }
    }

    private void check(QemuBinary qemu, VmDescription d, String fix) throws Exception {
        Path dir = Files.createTempDirectory(tmp, "tpl");
        List<Finding> saveWarnings = new CopyOnWriteArrayList<>();
        Template t;
        try (TemplateVm vm = TemplateVm.start(qemu, d, dir.resolve("template"))) {
            SerialLog.awaitReady(vm.serialLog(), BOOT);
            t = vm.save(new ProgressListener() {
                @Override
                public void warning(Step step, String vmName, Finding warning) {
                    saveWarnings.add(warning);
                }
            });
        }
        boolean writable = t.manifest().cloneRecipe() == TemplateManifest.CloneRecipe.WRITABLE_PRIVATE;
        String version = t.manifest().qemu().version();
        assertThat(writable).as("QEMU %s", version).isEqualTo(version.startsWith("7."));
        // The save already says what will happen to clones on this QEMU.
        assertThat(saveWarnings.stream().anyMatch(w -> w.code() == FindingCode.BALLOON_WITH_WRITABLE_FILE))
                .as("save warnings %s", saveWarnings).isEqualTo(writable);
        Path work = Files.createDirectory(dir.resolve("clones"));
        for (boolean resume : List.of(true, false)) {
            List<String> steps = new CopyOnWriteArrayList<>();
            CloneOptions options = CloneOptions.builder().workDir(work).resume(resume).listener(new ProgressListener() {
                @Override
                public void stepStarted(Step step, String vmName) {
                    steps.add("started " + step);
                }

                @Override
                public void stepFinished(Step step, String vmName, Duration took) {
                    if (step == Step.CLONE_CHECK) {
                        System.out.printf("[%s] %s: CLONE_CHECK took %.1f ms%n", version, vmName, took.toNanos() / 1e6);
                    }
                }

                @Override
                public void stepFailed(Step step, String vmName, Throwable failure) {
                    steps.add("failed " + step);
                }
            }).build();
            long before = ProcessHandle.current().descendants().count();
            if (writable) {
                assertThatThrownBy(() -> t.startClone(options))
                        .isInstanceOfSatisfying(UnsafeCloneException.class, e -> assertThat(e.errors())
                                .extracting(Finding::code).containsOnly(FindingCode.BALLOON_WITH_WRITABLE_FILE))
                        .isInstanceOf(TemplatingException.class)
                        .isNotInstanceOf(QmpException.class)
                        .hasMessageContaining("before any vCPU ran")
                        .hasMessageContaining(t.directory().toString())
                        .hasMessageContaining(fix)
                        .satisfies(e -> System.out.printf("[%s] resume=%s: %s%n", version, resume, e.getMessage()));
                assertThat(steps).contains("started CLONE_CHECK", "failed CLONE_CHECK").doesNotContain("started RESUME");
                assertThat(ProcessHandle.current().descendants().count()).as("its QEMU is gone").isEqualTo(before);
                try (Stream<Path> left = Files.list(work)) {
                    assertThat(left).as("its work directory is gone").isEmpty();
                }
            } else {
                try (CloneVm c = t.startClone(options)) {
                    assertThat(c.qmp().blocking().execute("query-status").path("status").asText())
                            .isEqualTo(resume ? "running" : "paused");
                    assertThat(steps).contains("started CLONE_CHECK").doesNotContain("failed CLONE_CHECK");
                }
            }
        }
        t.verifyRamFiles();
    }
}
