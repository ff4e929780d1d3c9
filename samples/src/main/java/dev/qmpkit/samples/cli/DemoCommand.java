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

    @Mixin
    GuestOptions vm;

    @Mixin
    QemuOptions qemu;

    @Option(names = "--work-dir", paramLabel = "DIR",
            description = "where the template and guest files go, kept afterwards; new or empty (default: a "
                    + "temporary folder, removed at the end)")
    Path workDir;

    @Option(names = "--json", paramLabel = "FILE", description = "write the summary as JSON (default: none)")
    Path json;

    @Override
    protected int run(Context ctx) throws Exception {
        Checks.range("--clones", clones, 1, TemplateCommands.MAX_CLONES);
        vm.check();
        Checks.newOrEmptyDir("--work-dir", workDir);
        Checks.outputFile("--json", json);
        QemuBinary binary = qemu.resolve(ctx);
        return Demo.run(new Demo.Settings(binary, vm.guest, vm.memory, clones, vm.accel, workDir, json), ctx);
    }
}
