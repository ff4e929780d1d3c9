package dev.qmpkit.templating;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A writable disk of a VM: a {@code virtio-blk-pci} device whose contents are layered in qcow2
 * files, so a template and each of its clones write their own layer and never anyone else's.
 *
 * <ul>
 *   <li>The template writes into its <em>layer</em>, {@code disk-ID.qcow2} in the template
 *       directory: a qcow2 overlay on {@link #base()} (which is only ever read), or a blank qcow2
 *       of {@link #sizeBytes()}.</li>
 *   <li>At the save QEMU flushes the disk when the template stops, so the layer and the page
 *       cache in the saved RAM agree; after the template's QEMU quit, the layer is frozen:
 *       made read-only, recorded in the manifest with its size and SHA-256 (and so is the base).</li>
 *   <li>Each clone gets its own qcow2 overlay with the frozen layer as backing file, in its work
 *       directory; QEMU opens backing files read-only, so no clone can change the template's
 *       disk, and a clone's writes are seen by no other clone. The overlay is deleted when the
 *       clone closes, unless {@link CloneOptions#keepDisks()}.</li>
 * </ul>
 *
 * <p>The guest sees the disk as a virtio block device with serial number {@link #id()} (Linux:
 * {@code /dev/disk/by-id/virtio-ID} with udev, {@code /sys/block/vdX/serial}).
 *
 * <pre>{@code
 * VmDescription vm = VmDescription.builder().ram(512L << 20).boot(linux.boot())
 *     .disk(Disk.overlay("data", linux.dataDisk(), Disk.Format.RAW))   // the guest's /data
 *     .disk(Disk.blank("scratch", 1L << 30))
 *     .build();
 * }</pre>
 *
 * @param id names the disk: 1 to 20 letters, digits, {@code _} or {@code -}, starting with a
 *           letter or digit; unique within a description; never null
 * @param base the image the template's layer starts from, absolute; only ever read, by the
 *             template and by every clone, so it must not change while the template exists;
 *             null for a blank disk
 * @param baseFormat the format of {@link #base()}; null for a blank disk
 * @param sizeBytes the virtual size of a blank disk, a positive multiple of 512; 0 with a base
 *                  (the base's size)
 */
public record Disk(String id, Path base, Format baseFormat, long sizeBytes) {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,19}");

    /** The format of a base image, as {@code qemu-img} and {@code -drive format=} name it. */
    public enum Format {
        /** A raw image, e.g. an ext4 file system made with {@code mke2fs -d}. */
        RAW,
        /** A qcow2 image, e.g. a cloud image. */
        QCOW2;

        /** @return QEMU's name, e.g. {@code raw}; never null */
        public String qemuName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Validates.
     *
     * @param id the disk's name: 1 to 20 letters, digits, {@code _} or {@code -}; never null
     * @param base the base image, or null for a blank disk
     * @param baseFormat the base's format; null exactly when {@code base} is
     * @param sizeBytes a blank disk's size, a positive multiple of 512; 0 with a base
     */
    public Disk {
        Objects.requireNonNull(id, "id");
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("disk id '" + id + "' must be 1 to 20 letters, digits, '_' or '-', "
                    + "starting with a letter or digit (it names files, QEMU ids and the guest's disk serial)");
        }
        if ((base == null) != (baseFormat == null)) {
            throw new IllegalArgumentException("disk '" + id + "': give a base image with its format, or neither "
                    + "for a blank disk");
        }
        if (base != null) {
            base = base.toAbsolutePath().normalize();
            if (sizeBytes != 0) {
                throw new IllegalArgumentException("disk '" + id + "' has a base image, whose size it takes; "
                        + "sizeBytes must be 0, not " + sizeBytes);
            }
        } else if (sizeBytes <= 0 || sizeBytes % 512 != 0) {
            throw new IllegalArgumentException("blank disk '" + id + "' needs a positive size that is a multiple of "
                    + "512 bytes, not " + sizeBytes);
        }
    }

    /**
     * A disk whose template layer is a qcow2 overlay on an image of the user's, which is only
     * ever read.
     *
     * @param id the disk's name; never null
     * @param base the base image; never null
     * @param format its format; never null
     * @return the disk
     */
    public static Disk overlay(String id, Path base, Format format) {
        return new Disk(id, Objects.requireNonNull(base, "base"), Objects.requireNonNull(format, "format"), 0);
    }

    /**
     * A disk that starts empty (no partition table, no file system).
     *
     * @param id the disk's name; never null
     * @param sizeBytes its virtual size, a positive multiple of 512 (the file grows as written)
     * @return the disk
     */
    public static Disk blank(String id, long sizeBytes) {
        return new Disk(id, null, null, sizeBytes);
    }

    /** @return the name of the template's layer and of each clone's overlay, {@code disk-ID.qcow2}; never null */
    public String layerFileName() {
        return "disk-" + id + ".qcow2";
    }

    /** @return the QOM id of the disk's {@code -drive}; never null */
    public String driveId() {
        return "qmpkit-drive-" + id;
    }

    /** @return the QOM id of its {@code virtio-blk-pci} device; never null */
    public String deviceId() {
        return "qmpkit-disk-" + id;
    }
}
