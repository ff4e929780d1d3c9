package dev.qmpkit.templating.inspect.internal;

import static dev.qmpkit.templating.inspect.Severity.ERROR;
import static dev.qmpkit.templating.inspect.Severity.INFO;
import static dev.qmpkit.templating.inspect.Severity.WARNING;

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

    private static final String FILE_BACKEND_FMT = "-object memory-backend-file,id=%s,size=%d,mem-path=FILE,share=on";
    private static final String TEMPLATE_FIX_FMT = "Back it with " + FILE_BACKEND_FMT + " (a named, writable file).";

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
                    "Give the machine a backend: -object memory-backend-file,id=pc.ram,...,share=on "
                            + "-machine memory-backend=pc.ram."));
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
            if (b.isFileBacked() && isDirectory(b.memPath())) {
                findings.add(new Finding(ERROR, FindingCode.RAM_MEM_PATH, b.id(),
                        "RAM is an unnamed temporary file in directory " + b.memPath()
                                + " (-mem-path), which no other VM can open.",
                        "Replace -mem-path with " + String.format(FILE_BACKEND_FMT, b.id(), b.size())
                                + " -machine memory-backend=" + b.id() + " (FILE a named file, not a directory)."));
                continue;
            }
            if (role == VmRole.TEMPLATE) {
                templateRules(b, findings);
            } else {
                cloneRules(b, layout.romPropertySupported(), findings);
            }
        }
        return findings;
    }

    private static void templateRules(MemoryBackend b, List<Finding> findings) {
        if (!b.isFileBacked()) {
            String why = b.share()
                    ? " with share=on is still migrated in full: x-ignore-shared skips only shared named files."
                    : " is anonymous memory: migration copies it and clones cannot share it.";
            findings.add(new Finding(ERROR, FindingCode.RAM_NOT_FILE, b.id(),
                    describe(b) + why, String.format(TEMPLATE_FIX_FMT, b.id(), b.size())));
        } else if (b.isReadonly()) {
            findings.add(new Finding(ERROR, FindingCode.RAM_READONLY, b.id(),
                    describe(b) + " opens " + b.memPath() + " read-only, so the template's RAM cannot be written to it.",
                    "Use readonly=off (the default) and share=on on the template; readonly=on is for clones."));
        } else if (!b.share()) {
            findings.add(new Finding(ERROR, FindingCode.RAM_NOT_SHARED, b.id(),
                    describe(b) + " has share=off: the guest's writes stay private and never reach " + b.memPath() + ".",
                    "Set share=on on the template's memory backend."));
        }
    }

    private static void cloneRules(MemoryBackend b, boolean romSupported, List<Finding> findings) {
        String recipe = romSupported ? "share=off,readonly=on,rom=off" : "share=off,readonly=off";
        if (!b.isFileBacked()) {
            findings.add(new Finding(ERROR, FindingCode.RAM_NOT_FILE, b.id(),
                    describe(b) + " is not the template's RAM file, so this VM is not a clone of a template.",
                    "Start clones with memory-backend-file,id=" + b.id() + ",mem-path=TEMPLATE-FILE," + recipe + "."));
        } else if (b.share()) {
            findings.add(new Finding(ERROR, FindingCode.CLONE_RAM_SHARED, b.id(),
                    describe(b) + " maps " + b.memPath() + " shared: this clone's writes change the template "
                            + "and every other clone.",
                    "Use " + recipe + " for clones."));
        } else if (b.isReadonly() && (!romSupported || b.rom() != RomMode.OFF)) {
            findings.add(new Finding(ERROR, FindingCode.CLONE_RAM_READONLY_GUEST, b.id(),
                    describe(b) + " has readonly=on" + (romSupported ? " without rom=off" : " on a QEMU without 'rom'")
                            + ": guest RAM is read-only and the guest cannot run.",
                    romSupported ? "Add rom=off." : "On this QEMU use share=off,readonly=off (keep the discard guards on)."));
        } else if (!b.isReadonly()) {
            if (romSupported) {
                findings.add(new Finding(ERROR, FindingCode.CLONE_RAM_WRITABLE_FILE, b.id(),
                        describe(b) + " opens " + b.memPath() + " writable: a discard (balloon, free page reporting, "
                                + "release-ram) would punch a hole into the template file under every clone.",
                        "Use " + recipe + " so the template file is opened read-only."));
            } else {
                findings.add(new Finding(WARNING, FindingCode.CLONE_RAM_WRITABLE_FILE, b.id(),
                        describe(b) + " opens " + b.memPath() + " writable (this QEMU has no 'rom', so readonly=on "
                                + "is not possible): a discard would punch a hole into the template file.",
                        "Keep balloon inflation, free page reporting and release-ram off; on QEMU 8.2+ use "
                                + "share=off,readonly=on,rom=off."));
            }
        }
    }

    private static String describe(MemoryBackend b) {
        String what = switch (b.role()) {
            case MAIN_RAM -> "Main RAM";
            case NUMA_NODE -> "NUMA node RAM";
            case DIMM -> "DIMM " + b.usedBy();
            case VIRTIO_MEM -> "virtio-mem " + b.usedBy();
            case OTHER -> "Memory";
        };
        return what + " backend " + b.id() + " (" + b.qomType() + ", " + mib(b.size()) + ")";
    }

    static String mib(long bytes) {
        return bytes % (1L << 20) == 0 ? (bytes >> 20) + " MiB" : bytes + " bytes";
    }

    private static boolean isDirectory(String path) {
        try {
            return Files.isDirectory(Path.of(path));
        } catch (InvalidPathException e) {
            return false;
        }
    }
}
