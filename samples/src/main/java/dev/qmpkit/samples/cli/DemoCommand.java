package dev.qmpkit.samples.cli;

import dev.qmpkit.qmp.launch.QemuBinary;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code demo}'s command line; {@link Demo} does the work. */
@Command(name = "demo",
        description = "Create a template VM, save it, start N clones at once, prove each alive (with --guest linux: and "
                + "each its own: first command, clock, entropy, MAC, hostname, machine-id, network, disk), print the "
                + "figures.")
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

    @Option(names = "--template-age", paramLabel = "SECONDS", defaultValue = "0",
            description = "wait this long between the save and the clones, 0-" + MAX_TEMPLATE_AGE + "; with "
                    + "--guest linux the clones' clocks are then that far behind before the clock fix-up "
                    + "(default: ${DEFAULT-VALUE})")
    int templateAge;

    /** An hour: long enough to show any clock hazard, short enough to catch a typo. */
    static final int MAX_TEMPLATE_AGE = 3600;

    @Override
    protected int run(Context ctx) throws Exception {
        Checks.range("--clones", clones, 1, TemplateCommands.MAX_CLONES);
        Checks.range("--template-age", templateAge, 0, MAX_TEMPLATE_AGE);
        vm.check();
        Checks.newOrEmptyDir("--work-dir", workDir);
        Checks.outputFile("--json", json);
        QemuBinary binary = qemu.resolve(ctx);
        return Demo.run(new Demo.Settings(binary, vm.guest, vm.memory, clones, vm.accel, workDir, json, templateAge),
                ctx);
    }
}
