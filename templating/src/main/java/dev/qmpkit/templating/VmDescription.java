package dev.qmpkit.templating;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.qmpkit.qmp.launch.QemuOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * What a VM is made of: the single description from which both the template's and every
 * clone's QEMU command line are derived, so backend ids, sizes, machine type and devices
 * always match. Immutable; build with {@link #builder()}. Stored in the template's
 * {@code manifest.json} so clones reuse exactly what the template ran with.
 *
 * <pre>{@code
 * VmDescription vm = VmDescription.builder()
 *     .machineType("q35").accel(Accel.TCG).cpus(1)
 *     .ramBackend(RamBackend.main("ram0", 256L << 20))
 *     .boot(Boot.kernel(kernelPath))
 *     .build();
 * }</pre>
 *
 * @param machineType the machine type as given to {@code -machine}, e.g. {@code q35}; never null
 * @param accel the accelerator; never null
 * @param cpus the number of vCPUs, at least 1
 * @param ramBackends the RAM backends: exactly one {@link RamBackend.Kind#MAIN}, or one or
 *                       more {@link RamBackend.Kind#NUMA_NODE}, plus any {@link RamBackend.Kind#DIMM}s;
 *                       never null, immutable, ids unique
 * @param boot how the template boots; null for none (firmware only)
 * @param serialLog whether the serial port is written to a file (the template's lands in the
 *                  template directory, each clone's in its own work directory)
 * @param vmgenid whether the VM has a {@code vmgenid} device (default on): each clone gets a
 *                fresh generation id, so guests that watch it (Windows, Linux's RNG) notice the fork
 * @param hotplugPort whether a PCIe root port {@value #HOTPLUG_PORT_ID} is added on PCIe
 *                    machines (default on), so a clone can hot-plug a NIC with a fresh MAC
 * @param devices extra {@code -device} values, built with {@link QemuOption}; never null, immutable.
 *                Do not add NICs: a MAC travels in migrated state, so every clone would share
 *                the template's; use {@link CloneOptions.Builder#nic(boolean)} instead
 * @param extraArgs further QEMU arguments, passed unchanged to template and clones; never null,
 *                  immutable. Options that change RAM or the machine ({@code -mem-path},
 *                  {@code -mem-prealloc}, {@code -m}, {@code -machine}, {@code -numa},
 *                  {@code -incoming}) are refused: use the builder
 * @param maxMemoryBytes the most RAM the guest may reach with memory devices ({@code -m maxmem=}),
 *                       0 for no more than the DIMMs of {@link #ramBackends()}; room for
 *                       {@code virtio-mem} devices, in the template ({@code requested-size=0}) or
 *                       hot-plugged into clones (QEMU's VM templating guide, "virtio-mem"). Left out
 *                       of the manifest when 0, so templates saved before it existed keep their
 *                       fingerprint
 * @param disks writable disks, each layered so a template and every clone write only their own
 *              qcow2 layer ({@link Disk}); never null, immutable, ids unique. Left out of the
 *              manifest when empty
 * @param guestAgent whether the VM has a channel for the QEMU guest agent (a virtio-serial port
 *                   {@code org.qemu.guest_agent.0}, served on a socket in QEMU's run directory);
 *                   {@link TemplateVm#agent()} and {@link CloneVm#agent()} talk to it, and clones
 *                   wait for it to answer before they are handed out. Needs a PCI machine (q35, pc)
 *                   and {@code qemu-ga} in the guest. Left out of the manifest when off
 */
public record VmDescription(
        String machineType,
        Accel accel,
        int cpus,
        List<RamBackend> ramBackends,
        Boot boot,
        boolean serialLog,
        boolean vmgenid,
        boolean hotplugPort,
        List<String> devices,
        List<String> extraArgs,
        @JsonInclude(JsonInclude.Include.NON_DEFAULT) long maxMemoryBytes,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Disk> disks,
        @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean guestAgent) {

    /** QOM id of the PCIe root port added for NIC hot-plug when {@link #hotplugPort()} is on. */
    public static final String HOTPLUG_PORT_ID = "qmpkit-hp0";

    private static final Set<String> REFUSED_ARGS = Set.of("-m", "-machine", "-M", "-numa", "-incoming");

    /**
     * Validates and copies.
     *
     * @param machineType the machine type as given to {@code -machine}, e.g. {@code q35}; never null
     * @param accel the accelerator; never null
     * @param cpus the number of vCPUs, at least 1
     * @param ramBackends the RAM backends: exactly one {@link RamBackend.Kind#MAIN}, or one or
     *                              more {@link RamBackend.Kind#NUMA_NODE}, plus any {@link RamBackend.Kind#DIMM}s;
     *                              never null, immutable, ids unique
     * @param boot how the template boots; null for none (firmware only)
     * @param serialLog whether the serial port is written to a file (the template's lands in the
     *                         template directory, each clone's in its own work directory)
     * @param vmgenid whether the VM has a {@code vmgenid} device (default on): each clone gets a
     *                       fresh generation id, so guests that watch it (Windows, Linux's RNG) notice the fork
     * @param hotplugPort whether a PCIe root port {@value #HOTPLUG_PORT_ID} is added on PCIe
     *                           machines (default on), so a clone can hot-plug a NIC with a fresh MAC
     * @param devices extra {@code -device} values, built with {@link QemuOption}; never null, immutable.
     *                       Do not add NICs: a MAC travels in migrated state, so every clone would share
     *                       the template's; use {@link CloneOptions.Builder#nic(boolean)} instead
     * @param extraArgs further QEMU arguments, passed unchanged to template and clones; never null,
     *                         immutable. Options that change RAM or the machine ({@code -mem-path},
     *                         {@code -mem-prealloc}, {@code -m}, {@code -machine}, {@code -numa},
     *                         {@code -incoming}) are refused: use the builder
     * @param maxMemoryBytes the most RAM the guest may reach with memory devices ({@code -m maxmem=}); 0 for none beyond the DIMMs
     * @param disks writable disks; null (a manifest saved before disks existed) for none
     * @param guestAgent whether the VM has a guest agent channel
     */
    public VmDescription {
        Objects.requireNonNull(machineType, "machineType");
        Objects.requireNonNull(accel, "accel");
        ramBackends = List.copyOf(Objects.requireNonNull(ramBackends, "ramBackends"));
        devices = List.copyOf(Objects.requireNonNull(devices, "devices"));
        extraArgs = List.copyOf(Objects.requireNonNull(extraArgs, "extraArgs"));
        disks = disks == null ? List.of() : List.copyOf(disks);
        if (disks.stream().map(Disk::id).distinct().count() != disks.size()) {
            throw new IllegalArgumentException("disk ids must be unique: " + disks.stream().map(Disk::id).toList());
        }
        if (machineType.isBlank() || machineType.contains(",")) {
            throw new IllegalArgumentException("machine type must be a plain name such as 'q35', not '" + machineType
                    + "'; memory is configured with ramBackend(...)");
        }
        if (cpus < 1) {
            throw new IllegalArgumentException("cpus must be at least 1, not " + cpus);
        }
        validateBackends(ramBackends);
        long total = ramBackends.stream().mapToLong(RamBackend::sizeBytes).sum();
        if (maxMemoryBytes != 0 && (maxMemoryBytes % (1L << 20) != 0 || maxMemoryBytes < total)) {
            throw new IllegalArgumentException("maxMemory " + maxMemoryBytes + " must be a multiple of 1 MiB and at "
                    + "least the RAM of all backends (" + total + " bytes), or 0 for none");
        }
        for (String arg : extraArgs) {
            checkArg(Objects.requireNonNull(arg, "extraArgs element"));
        }
        for (String dev : devices) {
            if (Objects.requireNonNull(dev, "devices element").isBlank()) {
                throw new IllegalArgumentException("a device option must not be blank");
            }
        }
    }

    /** @return a builder with the defaults: q35, TCG, 1 vCPU, serial log, vmgenid and hot-plug port on */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder initialised from this description */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.machineType = machineType;
        b.accel = accel;
        b.cpus = cpus;
        b.ramBackends.addAll(ramBackends);
        b.boot = boot;
        b.serialLog = serialLog;
        b.vmgenid = vmgenid;
        b.hotplugPort = hotplugPort;
        b.devices.addAll(devices);
        b.extraArgs.addAll(extraArgs);
        b.maxMemoryBytes = maxMemoryBytes;
        b.disks.addAll(disks);
        b.guestAgent = guestAgent;
        return b;
    }

    /** @return the size of the RAM the machine boots with (main or NUMA backends), in bytes */
    public long bootRamBytes() {
        return ramBackends.stream().filter(b -> b.kind() != RamBackend.Kind.DIMM)
                .mapToLong(RamBackend::sizeBytes).sum();
    }

    /** @return the size of all backends together, in bytes */
    public long totalRamBytes() {
        return ramBackends.stream().mapToLong(RamBackend::sizeBytes).sum();
    }

    /**
     * @return the {@code -m maxmem=} value in bytes: {@link #maxMemoryBytes()} if set, else the
     *         RAM of all backends when there are DIMMs, else 0 (no memory devices)
     */
    public long maxmemBytes() {
        if (maxMemoryBytes > 0) {
            return maxMemoryBytes;
        }
        return ramBackends.stream().anyMatch(b -> b.kind() == RamBackend.Kind.DIMM) ? totalRamBytes() : 0;
    }

    /**
     * @return the driver names of the extra devices (the text before the first unescaped comma),
     *         lower case; never null
     */
    public List<String> deviceDrivers() {
        List<String> drivers = new ArrayList<>();
        for (String dev : devices) {
            String d = dev.startsWith("driver=") ? dev.substring("driver=".length()) : dev;
            int i = 0;
            while (i < d.length()) {
                if (d.charAt(i) == ',') {
                    if (i + 1 < d.length() && d.charAt(i + 1) == ',') {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i++;
            }
            drivers.add(d.substring(0, i).replace(",,", ",").toLowerCase(Locale.ROOT));
        }
        return drivers;
    }

    private static void validateBackends(List<RamBackend> backends) {
        if (backends.isEmpty()) {
            throw new IllegalArgumentException("a VM description needs at least one memory backend, e.g. "
                    + "ramBackend(RamBackend.main(\"ram0\", 256L << 20))");
        }
        long main = backends.stream().filter(b -> b.kind() == RamBackend.Kind.MAIN).count();
        long numa = backends.stream().filter(b -> b.kind() == RamBackend.Kind.NUMA_NODE).count();
        if (main > 1 || (main == 1) == (numa > 0)) {
            throw new IllegalArgumentException("a VM description needs exactly one MAIN memory backend, or one or "
                    + "more NUMA_NODE backends (not both); got " + main + " MAIN and " + numa + " NUMA_NODE");
        }
        if (backends.stream().map(RamBackend::id).distinct().count() != backends.size()) {
            throw new IllegalArgumentException("memory backend ids must be unique: " + backends);
        }
    }

    private static void checkArg(String arg) {
        String a = arg.startsWith("--") ? arg.substring(1) : arg;
        if (a.equals("-mem-path") || a.equals("-mem-prealloc")) {
            throw new IllegalArgumentException(a + " is not supported for templates: a RAM block is skipped by "
                    + "x-ignore-shared only when it is a named memory-backend-file with share=on, and -mem-path "
                    + "creates an unnamed, private one, so clones would neither share nor match the template's RAM. "
                    + "Describe RAM with VmDescription.builder().ramBackend(RamBackend.main(id, size)) "
                    + ": the template directory then holds a shared RAM file per backend, which clones map privately");
        }
        if (REFUSED_ARGS.contains(a)) {
            throw new IllegalArgumentException(a + " is set by the templating workflow from the description; "
                    + "use VmDescription.builder().machineType(...)/ramBackend(...) instead of extraArgs");
        }
    }

    /** Builds a {@link VmDescription}. Not thread-safe. */
    public static final class Builder {
        private String machineType = "q35";
        private Accel accel = Accel.TCG;
        private int cpus = 1;
        private final List<RamBackend> ramBackends = new ArrayList<>();
        private Boot boot;
        private boolean serialLog = true;
        private boolean vmgenid = true;
        private boolean hotplugPort = true;
        private final List<String> devices = new ArrayList<>();
        private final List<String> extraArgs = new ArrayList<>();
        private long maxMemoryBytes;
        private final List<Disk> disks = new ArrayList<>();
        private boolean guestAgent;

        private Builder() {
        }

        /**
         * @param machineType e.g. {@code q35} (default) or {@code pc}; never null
         * @return this
         */
        public Builder machineType(String machineType) {
            this.machineType = Objects.requireNonNull(machineType, "machineType");
            return this;
        }

        /**
         * @param accel the accelerator; default {@link Accel#TCG}, QEMU's own default, because
         *              {@link Accel#AUTO} picks KVM wherever {@code /dev/kvm} opens, and nested KVM
         *              can hang guests; never null
         * @return this
         */
        public Builder accel(Accel accel) {
            this.accel = Objects.requireNonNull(accel, "accel");
            return this;
        }

        /**
         * @param cpus the number of vCPUs (default 1)
         * @return this
         */
        public Builder cpus(int cpus) {
            this.cpus = cpus;
            return this;
        }

        /**
         * @param backend a RAM backend to add; never null
         * @return this
         */
        public Builder ramBackend(RamBackend backend) {
            ramBackends.add(Objects.requireNonNull(backend, "backend"));
            return this;
        }

        /**
         * Removes every RAM backend added so far (e.g. on a builder from {@link #toBuilder()}).
         *
         * @return this
         */
        public Builder clearRamBackends() {
            ramBackends.clear();
            return this;
        }

        /**
         * Shorthand for a single main RAM backend with id {@code ram0}.
         *
         * @param sizeBytes the RAM size in bytes, a multiple of 1 MiB
         * @return this
         */
        public Builder ram(long sizeBytes) {
            return ramBackend(RamBackend.main("ram0", sizeBytes));
        }

        /**
         * @param boot how to boot; null for none
         * @return this
         */
        public Builder boot(Boot boot) {
            this.boot = boot;
            return this;
        }

        /**
         * @param on whether the serial port is logged to a file (default on)
         * @return this
         */
        public Builder serialLog(boolean on) {
            this.serialLog = on;
            return this;
        }

        /**
         * @param on whether the VM has a vmgenid device (default on)
         * @return this
         */
        public Builder vmgenid(boolean on) {
            this.vmgenid = on;
            return this;
        }

        /**
         * @param on whether a PCIe root port for NIC hot-plug is added (default on)
         * @return this
         */
        public Builder hotplugPort(boolean on) {
            this.hotplugPort = on;
            return this;
        }

        /**
         * @param device a {@code -device} value; never null. Rendered now (QemuOption is single-use)
         * @return this
         */
        public Builder device(QemuOption device) {
            devices.add(Objects.requireNonNull(device, "device").toString());
            return this;
        }

        /**
         * Room for memory devices beyond the description's RAM backends: QEMU's
         * {@code -m ...,maxmem=}, which {@code virtio-mem} needs. The guide's two recipes:
         * give the template a {@code virtio-mem-pci} with {@code requested-size=0} on a backend
         * that is not a template file (e.g. {@code -object memory-backend-ram} in
         * {@link #extraArgs}), or hot-plug {@code virtio-mem-pci} devices into each clone
         * ({@code object-add}, {@code device_add}; on q35 into a {@code pcie-root-port} of their own).
         *
         * @param bytes the most guest RAM with memory devices, a multiple of 1 MiB and at least the
         *              RAM of all backends; 0 (default) for none beyond the DIMMs
         * @return this
         */
        public Builder maxMemory(long bytes) {
            this.maxMemoryBytes = bytes;
            return this;
        }

        /**
         * Adds a writable disk, layered so that the template and each clone write only their own
         * qcow2 layer; see {@link Disk}.
         *
         * @param disk the disk; never null
         * @return this
         */
        public Builder disk(Disk disk) {
            disks.add(Objects.requireNonNull(disk, "disk"));
            return this;
        }

        /**
         * @param on whether the VM has a channel for the QEMU guest agent (default off); see
         *           {@link VmDescription#guestAgent()}
         * @return this
         */
        public Builder guestAgent(boolean on) {
            this.guestAgent = on;
            return this;
        }

        /**
         * @param args QEMU arguments appended unchanged; never null
         * @return this
         */
        public Builder extraArgs(String... args) {
            for (String a : args) {
                extraArgs.add(Objects.requireNonNull(a, "arg"));
            }
            return this;
        }

        /**
         * @return the description
         * @throws IllegalArgumentException when it is inconsistent (no RAM, duplicate ids,
         *         {@code -mem-path} in the extra arguments, ...), with what to do instead
         */
        public VmDescription build() {
            return new VmDescription(machineType, accel, cpus, ramBackends, boot, serialLog, vmgenid, hotplugPort,
                    devices, extraArgs, maxMemoryBytes, disks, guestAgent);
        }
    }
}
