package dev.qmpkit.templating;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How a template boots: a kernel (with optional initrd and command line) loaded by QEMU's
 * {@code -kernel}, or a raw disk image. A clone does not boot: it resumes the template's
 * state, but QEMU still needs the same options, so clones reuse this unchanged.
 *
 * <p>A disk is attached read-only ({@code readonly=on}) to the template and to every clone:
 * clones share the template's disk contents and must never write them.
 *
 * @param kernel the kernel image, or null when booting a disk
 * @param initrd the initrd, or null
 * @param append the kernel command line, or null
 * @param disk a raw disk image, or null when booting a kernel
 */
public record Boot(Path kernel, Path initrd, String append, Path disk) {

    /**
     * Validates: exactly one of kernel and disk.
     *
     * @param kernel the kernel image, or null when booting a disk
     * @param initrd the initrd, or null
     * @param append the kernel command line, or null
     * @param disk a raw disk image, or null when booting a kernel
     */
    public Boot {
        if ((kernel == null) == (disk == null)) {
            throw new IllegalArgumentException("boot needs exactly one of a kernel or a disk");
        }
        if (disk != null && (initrd != null || append != null)) {
            throw new IllegalArgumentException("initrd and append apply only to a kernel boot");
        }
    }

    /**
     * @param kernel the kernel image (e.g. a multiboot image); never null
     * @return a kernel boot
     */
    public static Boot kernel(Path kernel) {
        return new Boot(Objects.requireNonNull(kernel, "kernel"), null, null, null);
    }

    /**
     * @param disk a raw disk image, attached read-only; never null
     * @return a disk boot
     */
    public static Boot disk(Path disk) {
        return new Boot(null, null, null, Objects.requireNonNull(disk, "disk"));
    }

    /**
     * @param initrd the initrd; never null
     * @return a copy with the initrd
     */
    public Boot withInitrd(Path initrd) {
        return new Boot(kernel, Objects.requireNonNull(initrd, "initrd"), append, disk);
    }

    /**
     * @param append the kernel command line; never null
     * @return a copy with it
     */
    public Boot withAppend(String append) {
        return new Boot(kernel, initrd, Objects.requireNonNull(append, "append"), disk);
    }
}
