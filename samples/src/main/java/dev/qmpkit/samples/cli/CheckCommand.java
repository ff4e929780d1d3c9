package dev.qmpkit.samples.cli;

import dev.qmpkit.templating.inspect.VmRole;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code check}'s command line; the {@code CheckVm} sample does the work. */
@Command(name = "check", description = "Readiness report: can this running VM be a template (or is it a proper clone)? "
        + "Exit 0 when ready, 1 when not. For a template, the verdict TemplateVm.save gives; then how its QEMU "
        + "is confined (uid, seccomp, NoNewPrivs).")
final class CheckCommand extends CliCommand {
    @Mixin
    SocketOption socket;

    @Option(names = "--role", paramLabel = "template|clone", defaultValue = "template",
            completionCandidates = Choices.Roles.class,
            description = "what the VM is to be: a template, or a clone of one (default: ${DEFAULT-VALUE})")
    String role;

    @Option(names = "--json", paramLabel = "FILE", description = "write the report as JSON too (default: none)")
    Path json;

    @Option(names = "--pid", paramLabel = "PID",
            description = "the QEMU's process id, 1 or more, for the confinement lines (default: found from the "
                    + "socket's peer)")
    Integer pid;

    @Option(names = "--accept-shared-macs",
            description = "a NIC in a template is a warning, not an error: every clone gets its MAC, as "
                    + "SaveOptions.acceptSharedMacs(true) accepts (default: off)")
    boolean acceptSharedMacs;

    @Override
    protected int run(Context ctx) throws Exception {
        Checks.choice("--role", role, Choices.ROLES);
        Checks.outputFile("--json", json);
        if (pid != null) {
            Checks.atLeast("--pid", pid, 1);
        }
        return SocketCommands.check(socket.path(), VmRole.valueOf(role.toUpperCase(Locale.ROOT)), acceptSharedMacs,
                pid == null ? null : pid.longValue(), json, ctx);
    }
}
