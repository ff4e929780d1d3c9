package dev.qmpkit.samples.cli;

import picocli.CommandLine.Option;

/** {@code --memory}, {@code --guest} and {@code --accel}: the VM that {@code demo} and {@code template create} boot. */
final class GuestOptions {

    @Option(names = "--memory", paramLabel = "MiB", defaultValue = "" + TemplateCommands.DEFAULT_MEMORY_MIB,
            description = "guest RAM in MiB, " + TemplateCommands.MIN_MEMORY_MIB + "-" + TemplateCommands.MAX_MEMORY_MIB
                    + " (default: ${DEFAULT-VALUE})")
    int memory;

    @Option(names = "--guest", paramLabel = "builtin|linux", defaultValue = "builtin",
            completionCandidates = Choices.Guests.class,
            description = "builtin: the SDK's 1 KiB test kernel; linux: Linux 6.12, busybox and qemu-ga from Debian's "
                    + "packages, built once into $QMPKIT_CACHE (default: ${DEFAULT-VALUE})")
    String guest;

    @Option(names = "--accel", paramLabel = "tcg|kvm|auto", defaultValue = "tcg",
            completionCandidates = Choices.Accels.class,
            description = "kvm without a usable /dev/kvm falls back to TCG with a note; auto picks KVM when usable "
                    + "(default: ${DEFAULT-VALUE})")
    String accel;

    /** @throws UsageException when a value is out of range or not one of the choices */
    void check() {
        Checks.range("--memory", memory, TemplateCommands.MIN_MEMORY_MIB, TemplateCommands.MAX_MEMORY_MIB);
        Checks.choice("--guest", guest, Choices.GUESTS);
        Checks.choice("--accel", accel, Choices.ACCELS);
    }
}
