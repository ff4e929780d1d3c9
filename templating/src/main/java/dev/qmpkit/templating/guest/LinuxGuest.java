package dev.qmpkit.templating.guest;

import dev.qmpkit.templating.Boot;
import dev.qmpkit.templating.guest.internal.LinuxGuestBuild;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * A real Linux guest built from Debian's packages without installing anything on the host:
 * a cloud kernel, an initramfs with a static busybox, the QEMU guest agent ({@code qemu-ga})
 * with the libraries it needs and the virtio modules, and an ext4 data disk. Build one with
 * {@link #builder()}; boot it with {@link #boot()}.
 *
 * <pre>{@code
 * LinuxGuest guest = LinuxGuest.builder().build();   // cached in $QMPKIT_CACHE/linux-guest
 * VmDescription vm = VmDescription.builder().ram(512L << 20).boot(guest.boot()).build();
 * }</pre>
 *
 * <h2>What the guest does</h2>
 * Its root file system is the initramfs (in RAM, writable, so it is part of a template's RAM
 * and private to each clone). Its {@code /init}, PID 1:
 * <ol>
 *   <li>mounts {@code /proc}, {@code /sys}, {@code /dev} (devtmpfs) and {@code /dev/pts};
 *       sends its output to {@code ttyS0};</li>
 *   <li>loads the modules ({@code virtio_net} with {@code failover} and {@code net_failover},
 *       {@code virtio_blk}, and any added with {@link Builder#module}) in dependency order;</li>
 *   <li>writes {@code /etc/machine-id} (a random id per cold boot) and sets the host name
 *       from {@code /etc/hostname};</li>
 *   <li>when the VM has a virtio-serial controller, links each port to
 *       {@code /dev/virtio-ports/NAME} (what udev would do) and, when the port
 *       {@value #AGENT_PORT_NAME} exists, starts {@code qemu-ga} on {@value #AGENT_DEVICE}
 *       (restarted if it exits);</li>
 *   <li>mounts the ext4 file system labelled {@value #DATA_DISK_LABEL}, when a disk with it is
 *       attached, on {@value #DATA_MOUNT_POINT};</li>
 *   <li>prints {@code READY} on the serial port, then a {@code COUNT <hex>} line every 100 ms
 *       from a counter in the shell's memory: the lines of the {@link BuiltinGuest built-in
 *       guest}, so {@link SerialLog} shows that a clone ran on instead of booting again;</li>
 *   <li>after {@code READY}, reads {@code /dev/random} once in the background so the kernel's
 *       RNG gets seeded (under TCG nothing else does; it takes a second or two) and then prints
 *       {@code qmpkit-init: crng ready}: a template saved after that line makes its clones
 *       reseed on a new vmgenid.</li>
 * </ol>
 * For fix-ups through the agent it has {@value #HWCLOCK} (busybox; {@code guest-set-time} needs
 * it), a lease script for busybox's DHCP client at {@value #DHCP_LEASE_SCRIPT} (run
 * {@code udhcpc -i eth0 -n -q} after hot-plugging a virtio-net NIC), and a writable
 * {@code /etc/hostname} and {@code /etc/machine-id}. The 6.12 kernel has the vmgenid driver
 * built in: with {@code -device vmgenid} it binds as
 * {@code /sys/bus/platform/drivers/vmgenid/QEMUVGID:00} and reseeds the kernel's RNG when a
 * clone's generation id changes.
 *
 * <h2>Cache</h2>
 * The result lives in {@code <cache>/linux-guest/<kernel>-<key>/}, where the key is a hash of
 * every input: the package versions apt resolves, the {@code /init} and lease scripts, the
 * builder's version and options. A later {@code build()} with the same inputs returns it
 * without calling apt; a changed input builds a new one (downloaded packages are kept in
 * {@code linux-guest/debs/}). When apt cannot answer (its lists removed, no network), the
 * versions resolved before are used, so a guest built once is found offline. A build happens in a temporary folder renamed into place only
 * when complete, so an interrupted build is never used. The files are made read-only:
 * attach the data disk as the backing file of an overlay
 * ({@code qemu-img create -f qcow2 -b data.ext4 -F raw overlay.qcow2}), never writable;
 * {@code VmDescription.builder().disk(Disk.overlay("data", guest.dataDisk(), Disk.Format.RAW))}
 * does that for a template and each of its clones.
 *
 * @param kernel the kernel image ({@code vmlinuz}); never null
 * @param initramfs the initramfs (an uncompressed newc cpio archive); never null
 * @param dataDisk the raw ext4 data disk image, or null when there is none
 * @param append the kernel command line; never null
 * @param kernelPackage the Debian package the kernel came from, or null for a kernel of the user's
 * @param packages every Debian package the guest was built from, name to version; never null,
 *                 empty for a kernel and initramfs of the user's
 */
public record LinuxGuest(Path kernel, Path initramfs, Path dataDisk, String append, String kernelPackage,
                         Map<String, String> packages) {

    /** The kernel command line: serial console, no EDD probe (it hangs under nested KVM), quiet, no reboot on panic. */
    public static final String DEFAULT_APPEND = "console=ttyS0 edd=off quiet panic=-1 rdinit=/init";
    /** The name of the agent's virtio-serial port: {@code -device virtserialport,name=...,chardev=...}. */
    public static final String AGENT_PORT_NAME = "org.qemu.guest_agent.0";
    /** Where {@code /init} links the agent's port in the guest and where {@code qemu-ga} listens. */
    public static final String AGENT_DEVICE = "/dev/virtio-ports/" + AGENT_PORT_NAME;
    /** The label of the data disk's ext4 file system; {@code /init} mounts the disk that has it. */
    public static final String DATA_DISK_LABEL = "qmpkit-data";
    /** Where the data disk is mounted in the guest. */
    public static final String DATA_MOUNT_POINT = "/data";
    /** The guest's {@code hwclock} (busybox), which the agent's {@code guest-set-time} runs. */
    public static final String HWCLOCK = "/sbin/hwclock";
    /** The lease script Debian's busybox {@code udhcpc} runs by default: it sets the address, route and DNS. */
    public static final String DHCP_LEASE_SCRIPT = "/etc/udhcpc/default.script";
    /**
     * Which kernels the builder picks from when none is named: the newest 6.12 cloud kernel apt
     * offers (bookworm-security and bookworm-backports have them; 6.12 has the vmgenid driver,
     * bookworm's own 6.1 does not).
     */
    public static final String DEFAULT_KERNEL_PATTERN = "linux-image-6\\.12\\.[0-9]+\\+[a-z0-9.]+-cloud-amd64";
    /** The Debian packages besides the kernel, with the libraries {@code qemu-ga} needs. */
    public static final List<String> GUEST_PACKAGES = List.of("busybox-static", "qemu-guest-agent", "libc6",
            "libglib2.0-0", "libnuma1", "libudev1", "liburing2", "libpcre2-8-0");
    /** The kernel modules loaded by default (their dependencies are added). */
    public static final List<String> DEFAULT_MODULES = List.of("virtio_net", "virtio_blk");

    /**
     * Validates and copies.
     *
     * @param kernel the kernel image; never null
     * @param initramfs the initramfs; never null
     * @param dataDisk the data disk image, or null
     * @param append the kernel command line; never null
     * @param kernelPackage the kernel's Debian package, or null for a kernel of the user's
     * @param packages the Debian packages, name to version; never null
     */
    public LinuxGuest {
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(initramfs, "initramfs");
        Objects.requireNonNull(append, "append");
        packages = Map.copyOf(Objects.requireNonNull(packages, "packages"));
    }

    /**
     * 
     *
     * @return a builder with the defaults: the newest 6.12 cloud kernel, a 64 MiB data disk, cache in {@link #defaultCacheDir()}
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * 
     *
     * @return {@code $QMPKIT_CACHE}, or {@code ~/.cache/qmpkit} when it is unset; never null
     */
    public static Path defaultCacheDir() {
        String c = System.getenv("QMPKIT_CACHE");
        return c != null && !c.isBlank() ? Path.of(c) : Path.of(System.getProperty("user.home"), ".cache", "qmpkit");
    }

    /**
     * 
     *
     * @return how a {@link dev.qmpkit.templating.VmDescription} boots this guest: kernel, initramfs, command line
     */
    public Boot boot() {
        return Boot.kernel(kernel).withInitrd(initramfs).withAppend(append);
    }

    /**
     * Configures and builds a {@link LinuxGuest}. Not thread-safe; {@link #build()} may be
     * called from several threads or processes at once on one cache (each builds in its own
     * temporary folder; the first complete one is used).
     */
    public static final class Builder {
        private static final Pattern PACKAGE = Pattern.compile("[a-z0-9][a-z0-9.+-]+");
        private static final Pattern MODULE = Pattern.compile("[A-Za-z0-9_-]{1,64}");
        private static final Pattern HOSTNAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");
        private static final long MIN_DATA_DISK = 8L << 20;

        private Path cacheDir = defaultCacheDir();
        private PackageSource source = PackageSource.apt();
        private String kernelPackage;
        private final List<String> modules = new ArrayList<>(DEFAULT_MODULES);
        private String hostname = "qmpkit-guest";
        private long dataDiskBytes = 64L << 20;
        private final Map<String, byte[]> dataFiles = new LinkedHashMap<>();
        private Path ownKernel;
        private Path ownInitramfs;
        private Path ownDataDisk;
        private String append = DEFAULT_APPEND;
        private Consumer<String> progress = line -> { };

        private Builder() {
        }

        /**
         * @param dir the cache folder; the guest goes to {@code dir/linux-guest}; never null
         * @return this
         */
        public Builder cacheDir(Path dir) {
            this.cacheDir = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /**
         * @param source where Debian packages come from (default {@link PackageSource#apt()}); never null
         * @return this
         */
        public Builder packageSource(PackageSource source) {
            this.source = Objects.requireNonNull(source, "source");
            return this;
        }

        /**
         * @param name the kernel package, e.g. {@code linux-image-6.12.95+deb12-cloud-amd64}
         *             (default: the newest matching {@link #DEFAULT_KERNEL_PATTERN}); never null
         * @return this
         */
        public Builder kernelPackage(String name) {
            Objects.requireNonNull(name, "name");
            if (!PACKAGE.matcher(name).matches()) {
                throw new IllegalArgumentException("not a Debian package name: '" + name + "'");
            }
            this.kernelPackage = name;
            return this;
        }

        /**
         * @param name a module of the kernel package to load at boot, e.g. {@code virtio_rng}; never null
         * @return this
         */
        public Builder module(String name) {
            Objects.requireNonNull(name, "name");
            if (!MODULE.matcher(name).matches()) {
                throw new IllegalArgumentException("not a kernel module name: '" + name + "'");
            }
            if (!modules.contains(name)) {
                modules.add(name);
            }
            return this;
        }

        /**
         * @param name the guest's host name (default {@code qmpkit-guest}); never null
         * @return this
         */
        public Builder hostname(String name) {
            Objects.requireNonNull(name, "name");
            if (!HOSTNAME.matcher(name).matches()) {
                throw new IllegalArgumentException("not a host name (letters, digits, inner '-', up to 63): '" + name + "'");
            }
            this.hostname = name;
            return this;
        }

        /**
         * @param bytes the data disk's size (default 64 MiB, at least 8 MiB, a multiple of 4 KiB);
         *              the image file is sparse
         * @return this
         */
        public Builder dataDiskSize(long bytes) {
            if (bytes < MIN_DATA_DISK || bytes % 4096 != 0) {
                throw new IllegalArgumentException("data disk size must be at least 8 MiB and a multiple of 4 KiB, got "
                        + bytes);
            }
            this.dataDiskBytes = bytes;
            return this;
        }

        /**
         * Puts a file on the data disk (it appears as {@code /data/PATH} in the guest).
         *
         * @param path relative, e.g. {@code in/job.txt}; never null
         * @param content the bytes; never null
         * @return this
         */
        public Builder dataFile(String path, byte[] content) {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(content, "content");
            if (path.isEmpty() || path.startsWith("/") || path.endsWith("/") || path.contains("//")
                    || List.of(path.split("/")).contains("..") || List.of(path.split("/")).contains(".")) {
                throw new IllegalArgumentException("data file path must be relative and normal: '" + path + "'");
            }
            dataFiles.put(path, content.clone());
            return this;
        }

        /**
         * No data disk: {@link LinuxGuest#dataDisk()} is null.
         *
         * @return this
         */
        public Builder withoutDataDisk() {
            this.dataDiskBytes = 0;
            this.ownDataDisk = null;
            return this;
        }

        /**
         * @param image a data disk image of the user's (e.g. ext4 labelled {@value #DATA_DISK_LABEL}), used as is; never null
         * @return this
         */
        public Builder dataDisk(Path image) {
            this.ownDataDisk = Objects.requireNonNull(image, "image");
            return this;
        }

        /**
         * A kernel of the user's, instead of Debian's. Needs {@link #initramfs(Path)} too (the
         * built initramfs holds modules for the Debian kernel only); then nothing is built or
         * fetched, and the data disk is the one given with {@link #dataDisk(Path)}, or none.
         *
         * @param kernel the kernel image; never null
         * @return this
         */
        public Builder kernel(Path kernel) {
            this.ownKernel = Objects.requireNonNull(kernel, "kernel");
            return this;
        }

        /**
         * @param initramfs the initramfs of the user's, for {@link #kernel(Path)}; never null
         * @return this
         */
        public Builder initramfs(Path initramfs) {
            this.ownInitramfs = Objects.requireNonNull(initramfs, "initramfs");
            return this;
        }

        /**
         * @param append the kernel command line (default {@link #DEFAULT_APPEND}); never null
         * @return this
         */
        public Builder append(String append) {
            this.append = Objects.requireNonNull(append, "append");
            return this;
        }

        /**
         * @param listener receives one line per step of a build (also logged at INFO); never null
         * @return this
         */
        public Builder progress(Consumer<String> listener) {
            this.progress = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Returns the cached guest for these inputs, or builds it: resolves the package
         * versions, downloads the packages not yet cached (about 40 MB the first time),
         * unpacks them, writes the initramfs and the data disk.
         *
         * @return the guest; never null
         * @throws GuestBuildException when a package cannot be resolved or fetched, a host tool
         *         ({@code apt-get}, {@code dpkg-deb}, {@code mke2fs}) is missing or fails, or a
         *         file given is missing; the message names it and the fix
         * @throws IOException when the cache cannot be read or written
         * @throws InterruptedException when interrupted (the partial build is removed)
         * @throws IllegalStateException when only one of a kernel and an initramfs was given
         */
        public LinuxGuest build() throws IOException, InterruptedException {
            if ((ownKernel == null) != (ownInitramfs == null)) {
                throw new IllegalStateException("give both a kernel and an initramfs of your own, or neither: the "
                        + "built initramfs holds modules for the Debian kernel only");
            }
            if (ownDataDisk != null) {
                requireFile(ownDataDisk, "data disk");
            }
            if (ownKernel != null) {
                requireFile(ownKernel, "kernel");
                requireFile(ownInitramfs, "initramfs");
                return new LinuxGuest(ownKernel, ownInitramfs, ownDataDisk, append, null, Map.of());
            }
            LinuxGuestBuild.Result r = new LinuxGuestBuild(new LinuxGuestBuild.Recipe(cacheDir, source, kernelPackage,
                    modules, hostname, ownDataDisk != null ? 0 : dataDiskBytes, dataFiles, progress)).run();
            return new LinuxGuest(r.kernel(), r.initramfs(), ownDataDisk != null ? ownDataDisk : r.dataDisk(), append,
                    r.kernelPackage(), r.packages());
        }

        private static void requireFile(Path file, String what) {
            if (!Files.isRegularFile(file)) {
                throw new GuestBuildException("the " + what + " " + file + " given to LinuxGuest.builder() does not exist"
                        + " or is not a file", "pass an existing " + what + " image", null);
            }
        }
    }
}
