package dev.qmpkit.samples;

import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.samples.cli.CliFailure;
import dev.qmpkit.samples.cli.Context;
import java.nio.file.Path;

/** PLACEHOLDER until the templating API lands. */
public final class TemplateAndClone {
    private TemplateAndClone() {
    }

    /**
     * What the demo does.
     *
     * @param qemu the QEMU to run; never null
     * @param guest builtin or linux; never null
     * @param memoryMiB guest RAM
     * @param clones how many clones
     * @param accel tcg, kvm or auto; never null
     * @param workDir where files go; null for a temp folder removed at the end
     * @param json where to write the summary; null for none
     */
    public record Settings(QemuBinary qemu, String guest, int memoryMiB, int clones, String accel, Path workDir,
                           Path json) {
    }

    /** @param s settings @param ctx context @return exit code */
    public static int demo(Settings s, Context ctx) {
        throw new CliFailure("demo is not implemented yet", null, null);
    }

    /** @return exit code */
    public static int createTemplate(QemuBinary qemu, String guest, int memoryMiB, String accel, Path dir, Context ctx) {
        throw new CliFailure("template create is not implemented yet", null, null);
    }

    /** @return exit code */
    public static int cloneTemplate(Path dir, QemuBinary qemu, int clones, Path json, Context ctx) {
        throw new CliFailure("template clone is not implemented yet", null, null);
    }
}
