package dev.qmpkit.templating.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.qmpkit.qmp.Futures;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.reliability.Resources;
import dev.qmpkit.templating.CloneOptions;
import dev.qmpkit.templating.CloneVm;
import dev.qmpkit.templating.ManifestCorruptException;
import dev.qmpkit.templating.Template;
import dev.qmpkit.templating.TemplateManifest;
import dev.qmpkit.templating.TemplateSaveException;
import dev.qmpkit.templating.TemplateVm;
import dev.qmpkit.templating.TemplatingException;
import dev.qmpkit.templating.guest.BuiltinGuest;
import dev.qmpkit.templating.guest.SerialLog;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Template and clone directories on a full or read-only file system, on real QEMU 10.0 and 7.2.
 * Needs root for the mounts (CI and the dev machines run the suite as root; root also ignores
 * permission bits, so only a mount makes a directory truly unwritable).
 */
@Timeout(180)
class WorkDirFaultsIT extends SavedTemplateTests {

    WorkDirFaultsIT() {
        super("qmpkit-workdir-faults-");
    }

    @BeforeAll
    void requireRoot() {
        assertThat(System.getProperty("user.name")).as("these tests mount file systems").isEqualTo("root");
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void templateDirectoryFullAtSave_saveFailsClearly_noManifestNoStateFile(QemuBinary qemu) throws Exception {
        Path mnt = Files.createDirectories(templates.root().resolve("full-" + qemu.executable().hashCode()));
        run("mount", "-t", "tmpfs", "-o", "size=80m,mode=700", "tmpfs", mnt.toString());
        try {
            Path kernel = BuiltinGuest.writeKernel(templates.root());
            Path dir = mnt.resolve("tpl");
            TemplateSaveException failure;
            try (TemplateVm vm = TemplateVm.start(qemu, SavedTemplates.description(kernel), dir)) {
                SerialLog.awaitReady(vm.serialLog(), SavedTemplates.BOOT);
                long filled = fill(mnt.resolve("filler"));
                Throwable t = org.assertj.core.api.Assertions.catchThrowable(vm::save);
                assertThat(t).isInstanceOf(TemplateSaveException.class);
                failure = (TemplateSaveException) t;
                System.out.printf("[%s] save into a full file system (filler %d MiB): step %s, message: %s%n",
                        qemu.executable(), filled >> 20, failure.step(), failure.getMessage().lines().findFirst()
                                .orElse(""));
                assertThat(vm.process().isAlive()).isFalse();
            }
            assertThat(failure).hasMessageContaining(dir.toString()).hasMessageContaining("No manifest was written")
                    .hasMessageContaining("is full");
            assertThat(dir.resolve(TemplateManifest.FILE_NAME)).doesNotExist();
            try (Stream<Path> files = Files.list(dir)) {
                assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("state")
                        || n.startsWith(TemplateManifest.FILE_NAME));
            }
            assertThatThrownBy(() -> Template.open(dir)).isInstanceOf(ManifestCorruptException.class);
        } finally {
            run("umount", mnt.toString());
        }
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void readOnlyTemplateOrCloneDirectory_failsClearlyBeforeAnyQemuStarts(QemuBinary qemu) throws Exception {
        Template t = templates.of(qemu);
        Path ro = Files.createDirectories(templates.root().resolve("ro-" + qemu.executable().hashCode()));
        run("mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", ro.toString());
        try {
            int qemus = Resources.qemuPids().size();
            Path kernel = BuiltinGuest.writeKernel(templates.root());
            assertThatThrownBy(() -> TemplateVm.start(qemu, SavedTemplates.description(kernel), ro.resolve("tpl")))
                    .isInstanceOf(TemplatingException.class)
                    .hasMessageContaining(ro.resolve("tpl").toString())
                    .hasMessageContaining("Read-only file system");
            assertThatThrownBy(() -> t.startClone(CloneOptions.builder().workDir(ro.resolve("clones")).build()))
                    .isInstanceOf(TemplatingException.class)
                    .hasMessageContaining("Read-only file system")
                    .hasMessageContaining("CloneOptions.workDir");
            assertThat(Resources.qemuPids()).hasSize(qemus);
            assertThat(Resources.entries(ro)).isZero();
        } finally {
            run("umount", ro.toString());
        }
    }

    /**
     * Templates on read-only media: on QEMU 8.2+ a clone never needs to write the template
     * files, so a read-only mount works (the kernel itself refuses any writable open); QEMU 7.2's
     * recipe opens the RAM file read-write, and the clone fails with QEMU's reason.
     */
    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void templateOnAReadOnlyMount_clonesOnQemu82Plus_failsClearlyOn72(QemuBinary qemu) throws Exception {
        Template t = templates.of(qemu);
        Path ro = Files.createDirectories(templates.root().resolve("ro-bind-" + qemu.executable().hashCode()));
        run("mount", "--bind", t.directory().toString(), ro.toString());
        try {
            run("mount", "-o", "remount,bind,ro", ro.toString());
            Template onRo = Template.open(ro);
            Path work = Files.createDirectories(templates.root().resolve("ro-bind-clones-"
                    + qemu.executable().hashCode()));
            if (onRo.manifest().cloneRecipe() == TemplateManifest.CloneRecipe.READONLY_PRIVATE) {
                try (CloneVm c = onRo.startClone(CloneOptions.builder().workDir(work).build())) {
                    assertThat(Futures.await(c.qmp().execute("query-status")).path("status").asText())
                            .isEqualTo("running");
                    long saved = BuiltinGuest.readCounter(ro.resolve(onRo.manifest().backends().get(0).file()), 0);
                    assertThat(SerialLog.awaitCountAbove(c.serialLog(), saved + 2, Duration.ofSeconds(30)).ready())
                            .isFalse();
                }
            } else {
                assertThatThrownBy(() -> onRo.startClone(CloneOptions.builder().workDir(work).build()))
                        .isInstanceOf(TemplatingException.class)
                        .hasMessageContaining(ro.toString())
                        .hasMessageContaining("Read-only file system");
            }
            assertThat(Resources.entries(work)).isZero();
        } finally {
            run("umount", ro.toString());
        }
    }

    private static long fill(Path file) throws IOException {
        long n = 0;
        byte[] block = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(file)) {
            while (true) {
                out.write(block);
                n += block.length;
            }
        } catch (IOException expected) {
            return n; // No space left on device
        }
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("%s: %s", String.join(" ", cmd), out).isZero();
    }
}
