package dev.qmpkit.samples.cli;

import dev.qmpkit.qmp.launch.QemuBinary;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code template create} and {@code template clone}'s command lines; {@link TemplateCommands} does the work. */
@Command(name = "template", description = "Save a template VM into a folder, or start clones from one.",
        synopsisSubcommandLabel = "create|clone",
        subcommands = {TemplateCommand.Create.class, TemplateCommand.Clone.class})
final class TemplateCommand extends CliCommand {

    @Override
    protected int run(Context ctx) {
        throw new UsageException("expected 'create' or 'clone'");
    }

    /** {@code template create}. */
    @Command(name = "create",
            description = "Boot a template VM, wait for its guest, save it (RAM file, device state, manifest) into DIR.")
    static final class Create extends CliCommand {
        @Option(names = "--dir", paramLabel = "DIR", required = true,
                description = "the template folder to create, new or empty (required)")
        Path dir;

        @Mixin
        GuestOptions vm;

        @Mixin
        QemuOptions qemu;

        @Override
        protected int run(Context ctx) throws Exception {
            vm.check();
            Checks.newOrEmptyDir("--dir", dir);
            QemuBinary binary = qemu.resolve(ctx);
            return TemplateCommands.create(binary, vm.guest, vm.memory, vm.accel, dir, ctx);
        }
    }

    /** {@code template clone}. */
    @Command(name = "clone",
            description = "Start N clones at once from the template saved in DIR, prove each alive, report them, "
                    + "stop them.")
    static final class Clone extends CliCommand {
        @Option(names = "--dir", paramLabel = "DIR", required = true,
                description = "a folder template create saved into (required)")
        Path dir;

        @Option(names = "--clones", paramLabel = "N", defaultValue = "2",
                description = "clones started at once, 1-" + TemplateCommands.MAX_CLONES + " (default: ${DEFAULT-VALUE})")
        int clones;

        @Mixin
        QemuOptions qemu;

        @Option(names = "--json", paramLabel = "FILE", description = "write the clones' report as JSON (default: none)")
        Path json;

        @Override
        protected int run(Context ctx) throws Exception {
            Checks.range("--clones", clones, 1, TemplateCommands.MAX_CLONES);
            Checks.outputFile("--json", json);
            QemuBinary binary = qemu.given() ? qemu.resolve(ctx) : null;
            if (!Files.isDirectory(dir)) {
                throw new CliFailure("no template folder at " + dir,
                        "create one first: ./qmpkit template create --dir " + dir, null);
            }
            return TemplateCommands.cloneTemplate(dir, binary, clones, json, ctx);
        }
    }
}
