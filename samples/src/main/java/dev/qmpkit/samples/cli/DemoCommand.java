package dev.qmpkit.samples.cli;

import dev.qmpkit.qmp.launch.QemuBinary;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code demo}'s command line; {@link Demo} does the work. */
@Command(name = "demo",
        description = "Create a template VM, save it, start N clones at once, prove each alive, print the figures.")
final class DemoCommand extends CliCommand {

    @Option(names = "--clones", paramLabel = "N", defaultValue = "" + TemplateCommands.DEFAULT_CLONES,
            description = "clones started at once, 1-" + TemplateCommands.MAX_CLONES + " (default: ${DEFAULT-VALUE})")
    int clones;

    @Option(names = "--memory", paramLabel = "MiB", defaultValue = "" + TemplateCommands.DEFAULT_MEMORY_MIB,
            description = "guest RAM in MiB, " + TemplateCommands.MIN_MEMORY_MIB + "-" + TemplateCommands.MAX_MEMORY_MIB
                    + " (default: ${DEFAULT-VALUE})")
    int memory;

    @Option(names = "--guest", paramLabel = "builtin|linux", defaultValue = "builtin",
            completionCandidates = Choices.Guests.class,
            description = "builtin: the SDK's 1 KiB test kernel; linux: Linux 6.12, busybox and qemu-ga from Debian's "
                    + "packages, built once into $QMPKIT_CACHE (default: ${DEFAULT-VALUE})")
    String guest;

    @Mixin
    QemuOptions qemu;

    @Option(names = "--accel", paramLabel = "tcg|kvm|auto", defaultValue = "tcg",
            completionCandidates = Choices.Accels.class,
            description = "kvm without a usable /dev/kvm falls back to TCG with a note; auto picks KVM when usable "
                    + "(default: ${DEFAULT-VALUE})")
    String accel;

    @Option(names = "--work-dir", paramLabel = "DIR",
            description = "where the template and guest files go, kept afterwards; new or empty (default: a "
                    + "temporary folder, removed at the end)")
    Path workDir;

    @Option(names = "--json", paramLabel = "FILE", description = "write the summary as JSON (default: none)")
    Path json;

    @Override
    protected int run(Context ctx) throws Exception {
        Checks.range("--clones", clones, 1, TemplateCommands.MAX_CLONES);
        Checks.range("--memory", memory, TemplateCommands.MIN_MEMORY_MIB, TemplateCommands.MAX_MEMORY_MIB);
        Checks.choice("--guest", guest, Choices.GUESTS);
        Checks.choice("--accel", accel, Choices.ACCELS);
        Checks.newOrEmptyDir("--work-dir", workDir);
        Checks.outputFile("--json", json);
        QemuBinary binary = qemu.resolve(ctx);
        return Demo.run(new Demo.Settings(binary, guest, memory, clones, accel, workDir, json), ctx);
    }
}
