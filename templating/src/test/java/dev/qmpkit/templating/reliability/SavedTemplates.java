package dev.qmpkit.templating.reliability;

import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.templating.Accel;
import dev.qmpkit.templating.Boot;
import dev.qmpkit.templating.Template;
import dev.qmpkit.templating.TemplateVm;
import dev.qmpkit.templating.VmDescription;
import dev.qmpkit.templating.guest.BuiltinGuest;
import dev.qmpkit.templating.guest.SerialLog;
import dev.qmpkit.templating.WorkFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Templates of the built-in guest (64 MiB, TCG), saved once per QEMU and shared by the tests
 * of one class, in a temporary directory the class deletes at the end.
 */
final class SavedTemplates implements AutoCloseable {

    static final long RAM = 64L << 20;
    static final Duration BOOT = Duration.ofSeconds(30);

    private final Path root;
    private final Map<Path, Template> saved = new ConcurrentHashMap<>();

    SavedTemplates(String prefix) throws IOException {
        root = Files.createTempDirectory(prefix);
    }

    Path root() {
        return root;
    }

    /** @return whether clones of {@code t} open its RAM files read-only (QEMU 8.2+), not read-write (7.2) */
    static boolean readonlyRecipe(Template t) {
        return t.manifest().cloneRecipe() == dev.qmpkit.templating.TemplateManifest.CloneRecipe.READONLY_PRIVATE;
    }

    static VmDescription description(Path kernel) {
        return VmDescription.builder().accel(Accel.TCG).ram(RAM).boot(Boot.kernel(kernel)).build();
    }

    /** @return the template of the built-in guest for {@code qemu}, saved on first use */
    synchronized Template of(QemuBinary qemu) throws IOException, InterruptedException {
        Template t = saved.get(qemu.executable());
        if (t == null) {
            Path base = Files.createDirectories(root.resolve("q" + saved.size()));
            t = save(qemu, base, base.resolve("template"));
            saved.put(qemu.executable(), t);
        }
        return t;
    }

    /**
     * Boots the guest to READY in {@code dir}, then saves it with the default options and waits
     * for the RAM checksums the save records in the background: these tests copy and change the
     * files, and check what the recorded checksums catch.
     */
    static Template save(QemuBinary qemu, Path kernelDir, Path dir) throws IOException, InterruptedException {
        Path kernel = BuiltinGuest.writeKernel(kernelDir);
        Template saved;
        try (TemplateVm vm = TemplateVm.start(qemu, description(kernel), dir)) {
            SerialLog.awaitReady(vm.serialLog(), BOOT);
            saved = vm.save();
        }
        try {
            return saved.ramChecksumsRecorded().get(2, java.util.concurrent.TimeUnit.MINUTES);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("the RAM checksums of " + dir + " were not recorded", e);
        }
    }

    @Override
    public void close() throws IOException {
        WorkFiles.deleteTree(root);
    }
}
