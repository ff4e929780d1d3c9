package dev.qmpkit.templating.inspect.internal;

import static dev.qmpkit.templating.inspect.Severity.ERROR;
import static dev.qmpkit.templating.inspect.Severity.INFO;
import static dev.qmpkit.templating.inspect.Severity.WARNING;

import dev.qmpkit.qmp.launch.QemuOption;
import dev.qmpkit.templating.inspect.BackendOrigin;
import dev.qmpkit.templating.inspect.BackendRole;
import dev.qmpkit.templating.inspect.Finding;
import dev.qmpkit.templating.inspect.FindingCode;
import dev.qmpkit.templating.inspect.MemoryBackend;
import dev.qmpkit.templating.inspect.MemoryLayout;
import dev.qmpkit.templating.inspect.RomMode;
import dev.qmpkit.templating.inspect.VmRole;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The RAM rules of VM templating (QEMU's docs/system/vm-templating.rst, "Memory
 * configuration"), applied to an inspected {@link MemoryLayout}. The one place that decides
 * whether memory is template- or clone-ready: {@link MemoryLayout#canServeAsTemplate()} and the
 * readiness report both use it.
 */
public final class MemoryRules {
    private MemoryRules() {
    }

    static final String GUIDE = "docs/system/vm-templating.rst";

    /**
     * @param layout the inspected layout; never null
     * @param role the role to check for; never null
     * @return the RAM findings; never null
     */
    public static List<Finding> ramFindings(MemoryLayout layout, VmRole role) {
        List<Finding> findings = new ArrayList<>();
        if (layout.hasRamWithoutBackend()) {
            findings.add(new Finding(ERROR, FindingCode.RAM_WITHOUT_BACKEND, "/machine",
                    "Guest RAM (" + mib(layout.baseMemory()) + ") is not in any memory backend, so migration always "
                            + "copies it and no file holds it.",
                    Fixes.add("-object " + fileBackend("ram0", layout.baseMemory(), Fixes.FILE, role,
                            layout.romPropertySupported()) + " -machine memory-backend=ram0")));
        }
        for (MemoryBackend b : layout.backends()) {
            if (b.role() == BackendRole.VIRTIO_MEM) {
                continue; // judged with the virtio-mem device (it must NOT use the template file)
            }
            if (b.role() == BackendRole.OTHER && b.usedBy() == null) {
                findings.add(new Finding(INFO, FindingCode.BACKEND_UNUSED, b.id(),
                        b.qomType() + " " + b.id() + " is not used by the machine, a NUMA node or a memory device.",
                        "Nothing to do unless it was meant to hold guest RAM."));
                continue;
            }
            if (b.discardsDataAtExit()) {
                findings.add(discardData(b, role));
            }
            if (b.origin() == BackendOrigin.MEM_PATH) {
                findings.add(memPathOption(b, role, layout.romPropertySupported()));
            } else if (b.isFileBacked() && isDirectory(b.memPath())) {
                findings.add(new Finding(ERROR, FindingCode.RAM_MEM_PATH, b.id(),
                        describe(b) + " is an unnamed temporary file in directory " + b.memPath()
                                + ", which no other VM can open.",
                        Fixes.append("mem-path=" + (role == VmRole.TEMPLATE ? Fixes.FILE : Fixes.TEMPLATE_FILE),
                                Fixes.option(b)) + " FILE is a file, not a directory."));
            } else if (role == VmRole.TEMPLATE) {
                templateRules(b, layout, findings);
            } else {
                cloneRules(b, layout.romPropertySupported(), findings);
            }
        }
        return findings;
    }

    private static Finding discardData(MemoryBackend b, VmRole role) {
        String problem = describe(b) + " has discard-data=on: when QEMU exits it punches the data out of "
                + b.memPath() + " (madvise REMOVE), ";
        problem += role == VmRole.TEMPLATE || b.share()
                ? "so the RAM file reads back as zeros (measured on QEMU 7.2 and 10.0): every clone's base is gone."
                : "which the kernel refuses for this clone's private mapping (the file was left intact when "
                        + "measured), but one share=on turns it into zeroing the template file for every clone; no "
                        + "clone has a reason to ask for it.";
        return new Finding(ERROR, FindingCode.DISCARD_DATA, b.id(), problem,
                Fixes.append("discard-data=off", Fixes.option(b)) + " Or delete discard-data=on: off is QEMU's default.");
    }

    private static Finding memPathOption(MemoryBackend b, VmRole role, boolean romSupported) {
        boolean directory = isDirectory(b.memPath());
        String file = !directory ? b.memPath() : role == VmRole.TEMPLATE ? Fixes.FILE : Fixes.TEMPLATE_FILE;
        return new Finding(ERROR, FindingCode.RAM_MEM_PATH, b.id(),
                describe(b) + " comes from -mem-path " + b.memPath()
                        + (directory ? ": an unnamed temporary file in that directory, which no other VM can open;"
                        : ", which maps the file private (share=off) and takes no share=, readonly= or rom=;")
                        + " the guide says -mem-path cannot be used for templates or for VMs made from them ("
                        + GUIDE + ").",
                Fixes.replace("-mem-path " + b.memPath(), "-object " + fileBackend(b.id(), b.size(), file, role,
                        romSupported) + " -machine memory-backend=" + b.id())
                        + (directory ? " FILE is a file, not a directory." : ""));
    }

    private static void templateRules(MemoryBackend b, MemoryLayout layout, List<Finding> findings) {
        if (!b.isFileBacked()) {
            String why;
            if (b.share() && layout.skippedByIgnoreShared(b)) {
                why = " has share=on, and this QEMU's x-ignore-shared (before 8.1) skips every shared RAM block, "
                        + "named file or not: a save stores this RAM nowhere and clones start with zeroed memory.";
            } else if (b.share()) {
                why = " with share=on is still migrated in full: x-ignore-shared skips only shared RAM in a named "
                        + "file (QEMU 8.1+), so clones cannot share it.";
            } else {
                why = " is anonymous memory: migration copies it in full and clones cannot share it.";
            }
            findings.add(new Finding(ERROR, FindingCode.RAM_NOT_FILE, b.id(), describe(b) + why,
                    notFileFix(b, VmRole.TEMPLATE, layout.romPropertySupported())));
        } else if (b.isReadonly() || b.rom() == RomMode.ON) {
            findings.add(new Finding(ERROR, FindingCode.RAM_READONLY, b.id(),
                    describe(b) + (b.isReadonly() ? " opens " + b.memPath() + " read-only, so the template's RAM "
                            + "cannot be written to it; readonly=on is for clones."
                            : " has rom=on: the guest sees its RAM read-only and cannot run."),
                    Fixes.append(layout.romPropertySupported() ? "readonly=off,rom=off,share=on" : "readonly=off,share=on",
                            Fixes.option(b))));
        } else if (!b.share()) {
            findings.add(new Finding(ERROR, FindingCode.RAM_NOT_SHARED, b.id(),
                    describe(b) + " has share=off: the guest's writes stay private and never reach " + b.memPath() + ".",
                    Fixes.append("share=on", Fixes.option(b)) + memPathAlternative(b, VmRole.TEMPLATE,
                            layout.romPropertySupported())));
        }
    }

    private static void cloneRules(MemoryBackend b, boolean romSupported, List<Finding> findings) {
        String recipe = cloneRecipe(romSupported);
        if (!b.isFileBacked()) {
            findings.add(new Finding(ERROR, FindingCode.RAM_NOT_FILE, b.id(),
                    describe(b) + " is not the template's RAM file, so this VM is not a clone of a template.",
                    notFileFix(b, VmRole.CLONE, romSupported)));
        } else if (b.share()) {
            findings.add(new Finding(ERROR, FindingCode.CLONE_RAM_SHARED, b.id(),
                    describe(b) + " maps " + b.memPath() + " shared: this clone's writes change the template "
                            + "and every other clone.",
                    Fixes.append(recipe, Fixes.option(b))));
        } else if (b.isReadonly() && (!romSupported || b.rom() != RomMode.OFF)) {
            findings.add(new Finding(ERROR, FindingCode.CLONE_RAM_READONLY_GUEST, b.id(),
                    describe(b) + " has readonly=on" + (romSupported ? " without rom=off" : " on a QEMU without 'rom'")
                            + ": guest RAM is read-only and the guest cannot run.",
                    Fixes.append(romSupported ? "rom=off" : "readonly=off", Fixes.option(b))
                            + (romSupported ? "" : " This QEMU cannot open the file read-only for a writable guest.")));
        } else if (!b.isReadonly()) {
            if (romSupported) {
                findings.add(new Finding(ERROR, FindingCode.CLONE_RAM_WRITABLE_FILE, b.id(),
                        describe(b) + " opens " + b.memPath() + " writable: a discard (balloon, free page reporting, "
                                + "release-ram) would punch a hole into the template file under every clone.",
                        Fixes.append("readonly=on,rom=off", Fixes.option(b))
                                + " The template file is then opened read-only.")
                );
            } else {
                findings.add(new Finding(WARNING, FindingCode.CLONE_RAM_WRITABLE_FILE, b.id(),
                        describe(b) + " opens " + b.memPath() + " writable (this QEMU has no 'rom', so readonly=on "
                                + "is not possible): a discard would punch a hole into the template file.",
                        "None on this QEMU: keep virtio-balloon, free page reporting and release-ram away from "
                                + "clones (the readiness check and the clone guard refuse them); QEMU 8.2+ opens the "
                                + "file read-only with `share=off,readonly=on,rom=off`."));
            }
        }
    }

    /** The fix for RAM that is not a file: how to write the backend depends on who made it. */
    private static String notFileFix(MemoryBackend b, VmRole role, boolean romSupported) {
        String file = role == VmRole.TEMPLATE ? Fixes.FILE : Fixes.TEMPLATE_FILE;
        String object = "-object " + fileBackend(b.id(), b.size(), file, role, romSupported);
        return switch (b.origin()) {
            case OBJECT -> Fixes.replace(Fixes.option(b), object);
            case MACHINE_DEFAULT -> Fixes.add(object + " -machine memory-backend=" + b.id())
                    + " QEMU made " + b.id() + " for -m; -machine memory-backend= makes it take yours instead.";
            case MEM_PATH, UNKNOWN -> Fixes.add(object + " -machine memory-backend=" + b.id())
                    + " If your command line already has an -object with id=" + b.id() + ", replace it with this one.";
        };
    }

    /** For a backend that may be QEMU's own -mem-path one (command line unknown): the other way to fix it. */
    private static String memPathAlternative(MemoryBackend b, VmRole role, boolean romSupported) {
        if (b.origin() != BackendOrigin.UNKNOWN) {
            return "";
        }
        return " If it comes from -mem-path (which takes no share=), replace `-mem-path " + b.memPath() + "` with `-object "
                + fileBackend(b.id(), b.size(), b.memPath(), role, romSupported) + " -machine memory-backend="
                + b.id() + "` instead.";
    }

    /** @return the memory-backend-file option of the role's recipe */
    private static String fileBackend(String id, long size, String file, VmRole role, boolean romSupported) {
        QemuOption o = QemuOption.of("memory-backend-file").set("id", id).set("size", size).set("mem-path", file);
        if (role == VmRole.TEMPLATE) {
            o.set("share", true);
        } else {
            o.set("share", false);
            if (romSupported) {
                o.set("readonly", true).set("rom", false);
            }
        }
        return o.toString();
    }

    /** @return the clone recipe's flags on a QEMU with or without {@code rom} */
    static String cloneRecipe(boolean romSupported) {
        return romSupported ? "share=off,readonly=on,rom=off" : "share=off";
    }

    private static String describe(MemoryBackend b) {
        String what = switch (b.role()) {
            case MAIN_RAM -> "Main RAM";
            case NUMA_NODE -> "NUMA node RAM";
            case DIMM -> "DIMM " + b.usedBy();
            case VIRTIO_MEM -> "virtio-mem " + b.usedBy();
            case OTHER -> "Memory";
        };
        String owner = switch (b.origin()) {
            case MACHINE_DEFAULT -> ", QEMU's own for -m";
            case MEM_PATH -> ", QEMU's own for -mem-path";
            default -> "";
        };
        return what + " backend " + b.id() + " (" + b.qomType() + ", " + mib(b.size()) + owner + ")";
    }

    static String mib(long bytes) {
        return bytes % (1L << 20) == 0 ? (bytes >> 20) + " MiB" : bytes + " bytes";
    }

    private static boolean isDirectory(String path) {
        if (path == null) {
            return false;
        }
        try {
            return Files.isDirectory(Path.of(path));
        } catch (InvalidPathException e) {
            return false;
        }
    }
}
