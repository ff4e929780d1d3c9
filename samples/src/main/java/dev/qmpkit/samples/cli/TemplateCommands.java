package dev.qmpkit.samples.cli;

import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.samples.TemplateAndClone;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** The templating subcommands: {@code demo}, {@code template create}, {@code template clone}. */
public final class TemplateCommands {
    /** Default clone count of the demo: enough to show sharing, small enough for 2 cores. */
    public static final int DEFAULT_CLONES = 5;
    /** Default guest memory in MiB. */
    public static final int DEFAULT_MEMORY_MIB = 256;
    /** The built-in guest fills 32 MiB with its pattern, so it needs a little more than that. */
    static final int MIN_MEMORY_MIB = 64;
    static final int MAX_MEMORY_MIB = 64 * 1024;
    static final int MAX_CLONES = 64;

    private static final List<String> GUESTS = List.of("builtin", "linux");
    private static final List<String> ACCELS = List.of("tcg", "kvm", "auto");
    private static final String QEMU_USAGE = "[--qemu PATH|VERSION] [--firmware-dir DIR]...";

    private TemplateCommands() {
    }

    /** @return {@code demo} */
    public static Subcommand demo() {
        return new Subcommand("demo", "[--clones N] [--memory MiB] [--guest builtin|linux] " + QEMU_USAGE
                + " [--accel tcg|kvm|auto] [--work-dir DIR] [--json FILE]",
                "create a template VM, save it, start N clones at once, prove each alive, print the figures",
                Set.of("--clones", "--memory", "--guest", "--qemu", "--firmware-dir", "--accel", "--work-dir", "--json"),
                Set.of(), (a, ctx) -> {
                    int clones = a.intValue("--clones", DEFAULT_CLONES, 1, MAX_CLONES);
                    int memory = a.intValue("--memory", DEFAULT_MEMORY_MIB, MIN_MEMORY_MIB, MAX_MEMORY_MIB);
                    String guest = a.choice("--guest", "builtin", GUESTS);
                    String accel = a.choice("--accel", "tcg", ACCELS);
                    String workDir = a.value("--work-dir");
                    Path json = path(a.value("--json"));
                    a.positional(0, 0, "");
                    QemuBinary qemu = QemuChoice.resolve(a.value("--qemu"), a.values("--firmware-dir"), ctx);
                    var settings = new TemplateAndClone.Settings(qemu, guest, memory, clones, accel,
                            workDir == null ? null : Path.of(workDir), json);
                    return TemplateAndClone.demo(settings, ctx);
                });
    }

    /** @return {@code template create} */
    public static Subcommand templateCreate() {
        return new Subcommand("template create", "--dir DIR [--memory MiB] [--guest builtin|linux] " + QEMU_USAGE
                + " [--accel tcg|kvm|auto]",
                "boot a template VM, wait for its guest, save it (RAM file, device state, manifest) into DIR",
                Set.of("--dir", "--memory", "--guest", "--qemu", "--firmware-dir", "--accel"), Set.of(), (a, ctx) -> {
                    Path dir = Path.of(a.required("--dir"));
                    int memory = a.intValue("--memory", DEFAULT_MEMORY_MIB, MIN_MEMORY_MIB, MAX_MEMORY_MIB);
                    String guest = a.choice("--guest", "builtin", GUESTS);
                    String accel = a.choice("--accel", "tcg", ACCELS);
                    a.positional(0, 0, "");
                    QemuBinary qemu = QemuChoice.resolve(a.value("--qemu"), a.values("--firmware-dir"), ctx);
                    return TemplateAndClone.createTemplate(qemu, guest, memory, accel, dir, ctx);
                });
    }

    /** @return {@code template clone} */
    public static Subcommand templateClone() {
        return new Subcommand("template clone", "--dir DIR [--clones N] " + QEMU_USAGE + " [--json FILE]",
                "start N clones at once from the template saved in DIR, prove each alive, report them, stop them",
                Set.of("--dir", "--clones", "--qemu", "--firmware-dir", "--json"), Set.of(), (a, ctx) -> {
                    Path dir = Path.of(a.required("--dir"));
                    int clones = a.intValue("--clones", 2, 1, MAX_CLONES);
                    Path json = path(a.value("--json"));
                    a.positional(0, 0, "");
                    QemuBinary qemu = a.value("--qemu") == null && a.values("--firmware-dir").isEmpty() ? null
                            : QemuChoice.resolve(a.value("--qemu"), a.values("--firmware-dir"), ctx);
                    if (!Files.isDirectory(dir)) {
                        throw new CliFailure("no template folder at " + dir,
                                "create one first: ./qmpkit template create --dir " + dir, null);
                    }
                    return TemplateAndClone.cloneTemplate(dir, qemu, clones, json, ctx);
                });
    }

    private static Path path(String s) {
        return s == null ? null : Path.of(s);
    }
}
