package dev.qmpkit.templating.internal;

import dev.qmpkit.qmp.launch.QemuOption;
import dev.qmpkit.templating.Boot;
import dev.qmpkit.templating.Disk;
import dev.qmpkit.templating.RamBackend;
import dev.qmpkit.templating.TemplateManifest.CloneRecipe;
import dev.qmpkit.templating.VmDescription;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * The one place that turns a {@link VmDescription} into QEMU arguments, for the template and
 * for clones alike: only the memory backends' sharing flags, the machine type's spelling
 * (clones use the resolved name from the state file), the serial log, the vmgenid GUID and the
 * clone-only options differ. Every key=value option goes through {@link QemuOption}.
 */
public final class CommandLines {

    /** QOM id of the vmgenid device. */
    public static final String VMGENID_ID = "qmpkit-vmgenid";
    /** Chardev id of the serial port. */
    public static final String SERIAL_ID = "qmpkit-serial0";

    private CommandLines() {
    }

    /**
     * @param d the description; never null
     * @param dir the template directory (absolute); never null
     * @param serialLog the serial log file, or null for none
     * @param vmgenid the template's GUID, or null without vmgenid
     * @return the template's QEMU arguments (launcher adds monitor and display)
     */
    public static List<String> template(VmDescription d, Path dir, Path serialLog, UUID vmgenid) {
        List<String> args = new ArrayList<>();
        common(args, d, d.machineType(), dir, null, serialLog, vmgenid, Map.of());
        return args;
    }

    /**
     * @param d the description from the manifest; never null
     * @param dir the template directory (absolute); never null
     * @param machineType the resolved machine type the template ran with; never null
     * @param recipe how the RAM files are mapped; never null
     * @param serialLog the clone's serial log, or null for none
     * @param vmgenid the clone's fresh GUID, or null without vmgenid
     * @param uuid the clone's UUID, or null to leave QEMU's default
     * @return the clone's QEMU arguments, paused ({@code -S}) and waiting for {@code migrate-incoming}
     */
    public static List<String> clone(VmDescription d, Path dir, String machineType, CloneRecipe recipe,
                                     Path serialLog, UUID vmgenid, UUID uuid) {
        return clone(d, dir, machineType, recipe, serialLog, vmgenid, uuid, Map.of());
    }

    /**
     * As {@link #clone(VmDescription, Path, String, CloneRecipe, Path, UUID, UUID)}, with the
     * clone's own overlay of each disk.
     *
     * @param overlays each disk's overlay in the clone's work directory, by disk id; a disk
     *                 missing here would get the template's layer, so every disk must be in it
     * @return the clone's QEMU arguments
     */
    public static List<String> clone(VmDescription d, Path dir, String machineType, CloneRecipe recipe,
                                     Path serialLog, UUID vmgenid, UUID uuid, Map<String, Path> overlays) {
        for (Disk disk : d.disks()) {
            if (!overlays.containsKey(disk.id())) {
                throw new IllegalArgumentException("no overlay for disk '" + disk.id() + "': a clone must never "
                        + "open the template's layer itself");
            }
        }
        List<String> args = new ArrayList<>();
        common(args, d, machineType, dir, recipe, serialLog, vmgenid, overlays);
        if (uuid != null) {
            args.add("-uuid");
            args.add(uuid.toString());
        }
        // -S: after the state is loaded QEMU would otherwise start the vCPUs itself; the workflow
        // decides (cont, or stay paused in a pool).
        args.add("-S");
        args.add("-incoming");
        args.add("defer");
        return args;
    }

    private static void common(List<String> args, VmDescription d, String machineType, Path dir, CloneRecipe recipe,
                               Path serialLog, UUID vmgenid, Map<String, Path> overlays) {
        List<RamBackend> backends = d.ramBackends();
        QemuOption machine = QemuOption.of(machineType);
        backends.stream().filter(b -> b.kind() == RamBackend.Kind.MAIN).findFirst()
                .ifPresent(b -> machine.set("memory-backend", b.id()));
        args.add("-machine");
        args.add(machine.toString());
        args.add("-accel");
        args.add(d.accel().qemuName());
        args.add("-smp");
        args.add(Integer.toString(d.cpus()));

        QemuOption m = QemuOption.keyValues().set("size", mib(d.bootRamBytes()));
        List<RamBackend> dimms = backends.stream().filter(b -> b.kind() == RamBackend.Kind.DIMM).toList();
        if (!dimms.isEmpty()) {
            m.set("slots", dimms.size());
        }
        // virtio-mem needs maxmem too (not slots): without it QEMU refuses the device.
        if (d.maxmemBytes() > 0) {
            m.set("maxmem", mib(d.maxmemBytes()));
        }
        args.add("-m");
        args.add(m.toString());

        for (RamBackend b : backends) {
            QemuOption o = QemuOption.of("memory-backend-file")
                    .set("id", b.id())
                    .set("size", b.sizeBytes())
                    .set("mem-path", dir.resolve(b.fileName()));
            if (recipe == null) {
                o.set("share", true);
            } else if (recipe == CloneRecipe.READONLY_PRIVATE) {
                o.set("share", false).set("readonly", true).set("rom", false);
            } else {
                o.set("share", false);
            }
            args.add("-object");
            args.add(o.toString());
        }
        int node = 0;
        for (RamBackend b : backends) {
            if (b.kind() == RamBackend.Kind.NUMA_NODE) {
                args.add("-numa");
                args.add(QemuOption.of("node").set("nodeid", node++).set("memdev", b.id()).toString());
            }
        }
        for (RamBackend b : dimms) {
            args.add("-device");
            args.add(QemuOption.of("pc-dimm").set("id", "dimm-" + b.id()).set("memdev", b.id()).toString());
        }

        // No default devices: a default NIC would carry the template's MAC into every clone.
        args.add("-nodefaults");
        Boot boot = d.boot();
        if (boot != null) {
            if (boot.kernel() != null) {
                args.add("-kernel");
                args.add(boot.kernel().toString());
                if (boot.initrd() != null) {
                    args.add("-initrd");
                    args.add(boot.initrd().toString());
                }
                if (boot.append() != null) {
                    args.add("-append");
                    args.add(boot.append());
                }
            } else {
                args.add("-drive");
                args.add(QemuOption.keyValues().set("file", boot.disk()).set("format", "raw").set("if", "virtio")
                        .set("readonly", true).toString());
            }
        }
        if (serialLog != null) {
            args.add("-chardev");
            args.add(QemuOption.of("file").set("id", SERIAL_ID).set("path", serialLog).toString());
            args.add("-serial");
            args.add("chardev:" + SERIAL_ID);
        }
        if (d.vmgenid() && vmgenid != null) {
            args.add("-device");
            args.add(QemuOption.of("vmgenid").set("id", VMGENID_ID).set("guid", vmgenid.toString()).toString());
        }
        if (d.hotplugPort() && isPcie(d.machineType())) {
            args.add("-device");
            args.add(QemuOption.of("pcie-root-port").set("id", VmDescription.HOTPLUG_PORT_ID)
                    .set("chassis", 254).set("slot", 0).toString());
        }
        for (Disk disk : d.disks()) {
            // The template writes its layer; a clone its overlay, whose backing file (the frozen
            // layer) QEMU opens read-only.
            Path file = overlays.getOrDefault(disk.id(), dir.resolve(disk.layerFileName()));
            args.add("-drive");
            // auto-read-only=off: the file keeps the access mode it was opened with, so QEMU never
            // reopens it by name when its permissions change (a save inactivates the image, an
            // incoming migration activates it), which a QEMU that dropped its uid could not.
            args.add(QemuOption.keyValues().set("file", file).set("format", "qcow2").set("if", "none")
                    .set("id", disk.driveId()).set("file.auto-read-only", false).toString());
            args.add("-device");
            args.add(QemuOption.of("virtio-blk-pci").set("drive", disk.driveId()).set("id", disk.deviceId())
                    .set("serial", disk.id()).toString());
        }
        for (String dev : d.devices()) {
            args.add("-device");
            args.add(dev);
        }
        args.addAll(d.extraArgs());
    }

    /**
     * @param machineType a machine type as described
     * @return whether its root bus is PCIe (no hot-plug on it)
     */
    public static boolean isPcie(String machineType) {
        String m = machineType.toLowerCase(Locale.ROOT);
        return m.contains("q35");
    }

    private static String mib(long bytes) {
        return (bytes >> 20) + "M";
    }
}
