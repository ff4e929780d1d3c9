package dev.qmpkit.templating.guest.internal;

import dev.qmpkit.templating.guest.GuestBuildException;
import dev.qmpkit.templating.guest.LinuxGuest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The guest's root file system, as an {@link Initramfs}, from the unpacked Debian packages:
 * busybox and its applet links, the kernel modules in load order (decompressed; dependencies
 * from each module's {@code .modinfo}), {@code qemu-ga} with the libraries its ELF names and
 * the dynamic loader, {@code /init}, the lease script and {@code /etc}.
 */
final class GuestRootFs {
    /** The guest's {@code /init}. */
    static final String INIT = resource("init.sh");
    /** The guest's udhcpc lease script. */
    static final String LEASE_SCRIPT = resource("udhcpc.script");

    private static final Duration TOOL_TIMEOUT = Duration.ofMinutes(2);
    private static final List<String> LIBRARY_DIRS = List.of("lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu",
            "lib64", "usr/lib64", "lib", "usr/lib");
    private static final String GUEST_LIB_DIR = "lib/x86_64-linux-gnu";

    private final Initramfs fs = new Initramfs();
    private final Path tree;
    private final String kernelPackage;
    private final String hostname;
    private final List<String> wanted;
    private int applets;
    private List<String> modules = List.of();
    private List<String> libraries = List.of();

    /**
     * @param tree where the packages were unpacked
     * @param kernelPackage the kernel package, for messages
     * @param hostname the guest's host name
     * @param wanted the modules to load (dependencies are added)
     */
    GuestRootFs(Path tree, String kernelPackage, String hostname, List<String> wanted) {
        this.tree = tree;
        this.kernelPackage = kernelPackage;
        this.hostname = hostname;
        this.wanted = List.copyOf(wanted);
    }

    /**
     * Collects everything.
     *
     * @param release the kernel release, the name of its folder under {@code lib/modules}
     * @return the tree, ready to write
     */
    Initramfs build(String release) throws IOException, InterruptedException {
        base();
        Path busybox = tree.resolve("bin/busybox");
        requirePackageFile(busybox, "busybox-static");
        applets = busybox(busybox);
        modules = modules(tree.resolve("lib/modules").resolve(release), busybox);
        libraries = agent();
        return fs;
    }

    /** @return how many busybox applet links there are */
    int applets() {
        return applets;
    }

    /** @return the module files' names, in load order */
    List<String> modules() {
        return modules;
    }

    /** @return the sonames of the libraries qemu-ga needs */
    List<String> libraries() {
        return libraries;
    }

    /** The skeleton: folders, the console device (the kernel opens it before /init runs), /etc, the scripts. */
    private void base() {
        for (String d : List.of("bin", "sbin", "usr/bin", "usr/sbin", "dev", "proc", "sys", "run", "tmp", "var/log",
                "data", "root", "etc/qmpkit")) {
            fs.directory(d, 0755);
        }
        fs.directory("tmp", 01777);
        fs.charDevice("dev/console", 0600, 5, 1);
        fs.symlink("var/run", "../run");
        fs.file("init", 0755, INIT);
        fs.file(LinuxGuest.DHCP_LEASE_SCRIPT.substring(1), 0755, LEASE_SCRIPT);
        fs.file("etc/hostname", 0644, hostname + "\n");
        // Empty: /init writes a fresh id at each cold boot, like systemd's first boot.
        fs.file("etc/machine-id", 0444, "");
        fs.file("etc/hosts", 0644, "127.0.0.1 localhost\n::1 localhost\n");
        fs.file("etc/passwd", 0644, "root:x:0:0:root:/root:/bin/sh\n");
        fs.file("etc/group", 0644, "root:x:0:\n");
        // hwclock (run by the agent's guest-set-time) keeps the RTC in UTC.
        fs.file("etc/adjtime", 0644, "0.0 0 0.0\n0\nUTC\n");
    }

    /** @return the number of applet links */
    private int busybox(Path busybox) throws IOException, InterruptedException {
        fs.copy("bin/busybox", 0755, busybox);
        HostCommand.Result list = HostCommand.run(List.of(busybox.toString(), "--list-full"), null, Map.of(),
                TOOL_TIMEOUT);
        if (list.exitCode() != 0) {
            throw new GuestBuildException("cannot run busybox --list-full from busybox-static: " + list.tail(),
                    "the folder " + busybox.getParent() + " must allow executing files (not a noexec mount); "
                            + "set QMPKIT_CACHE elsewhere", null);
        }
        List<String> applets = list.stdoutText().lines().map(String::strip)
                .filter(a -> !a.isEmpty() && !a.equals("bin/busybox")).toList();
        for (String a : applets) {
            fs.symlink(a, "/bin/busybox");
        }
        byte[] binary = Files.readAllBytes(busybox);
        if (indexOf(binary, LinuxGuest.DHCP_LEASE_SCRIPT.getBytes(StandardCharsets.US_ASCII)) < 0) {
            throw new GuestBuildException("busybox-static's udhcpc does not run " + LinuxGuest.DHCP_LEASE_SCRIPT
                    + ", where the guest's lease script is", "use Debian bookworm's busybox-static", null);
        }
        if (!applets.contains(LinuxGuest.HWCLOCK.substring(1))) {
            throw new GuestBuildException("busybox-static has no " + LinuxGuest.HWCLOCK + " applet, which the agent's "
                    + "guest-set-time runs", "use Debian bookworm's busybox-static", null);
        }
        return applets.size();
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** Adds the modules and their dependencies, decompressed, and /etc/qmpkit/modules in load order. */
    private List<String> modules(Path moduleDir, Path busybox)
            throws IOException, InterruptedException {
        Map<String, Path> index = new HashMap<>();
        if (Files.isDirectory(moduleDir)) {
            try (Stream<Path> walk = Files.walk(moduleDir)) {
                walk.filter(p -> p.getFileName().toString().matches(".+\\.ko(\\.xz)?"))
                        .forEach(p -> index.put(moduleName(p), p));
            }
        }
        LinkedHashSet<String> order = new LinkedHashSet<>();
        Map<String, byte[]> bytes = new HashMap<>();
        for (String m : wanted) {
            addModule(normalize(m), index, busybox, order, bytes, new LinkedHashSet<>());
        }
        List<String> files = new ArrayList<>();
        for (String m : order) {
            String file = index.get(m).getFileName().toString().replaceFirst("\\.ko(\\.xz)?$", "");
            fs.file("lib/modules/" + file + ".ko", 0644, bytes.get(m));
            files.add(file);
        }
        fs.file("etc/qmpkit/modules", 0644, files.isEmpty() ? "" : String.join("\n", files) + "\n");
        return files;
    }

    private void addModule(String name, Map<String, Path> index, Path busybox,
                           Set<String> order, Map<String, byte[]> bytes, Set<String> visiting)
            throws IOException, InterruptedException {
        if (order.contains(name)) {
            return;
        }
        if (!visiting.add(name)) {
            throw new GuestBuildException("kernel modules depend on each other in a cycle: " + visiting,
                    "remove one of them from the builder's modules", null);
        }
        Path file = index.get(name);
        if (file == null) {
            throw new GuestBuildException("the kernel package " + kernelPackage + " has no module " + name
                    + " (it may be built into the kernel)", "drop .module(\"" + name + "\") from the builder", null);
        }
        byte[] ko = file.toString().endsWith(".xz") ? unxz(busybox, file) : Files.readAllBytes(file);
        for (String dep : Elf.of(file.toString(), ko).moduleDepends()) {
            addModule(normalize(dep), index, busybox, order, bytes, visiting);
        }
        bytes.put(name, ko);
        order.add(name);
    }

    private static byte[] unxz(Path busybox, Path file) throws IOException, InterruptedException {
        HostCommand.Result r = HostCommand.run(List.of(busybox.toString(), "unxz", "-c", file.toString()), null,
                Map.of(), TOOL_TIMEOUT);
        if (r.exitCode() != 0) {
            throw new GuestBuildException("busybox unxz could not decompress " + file + ": " + r.tail(),
                    "delete the cached kernel package in linux-guest/debs so it is downloaded again", null);
        }
        return r.stdout();
    }

    private static String moduleName(Path p) {
        return normalize(p.getFileName().toString().replaceFirst("\\.ko(\\.xz)?$", ""));
    }

    /** The kernel treats '-' and '_' in module names alike. */
    private static String normalize(String module) {
        return module.replace('-', '_');
    }

    /** Adds qemu-ga, every library it needs (transitively) and the dynamic loader. @return the libraries' sonames */
    private List<String> agent() throws IOException {
        Path qga = tree.resolve("usr/sbin/qemu-ga");
        requirePackageFile(qga, "qemu-guest-agent");
        fs.copy("usr/sbin/qemu-ga", 0755, qga);
        Elf elf = Elf.read(qga);
        String interp = elf.interpreter().orElseThrow(() -> new GuestBuildException(qga + " has no program interpreter",
                "use Debian bookworm's qemu-guest-agent", null));
        fs.copy(interp.substring(1), 0755, inTree(tree, Path.of(interp)));
        List<String> done = new ArrayList<>();
        List<String> todo = new ArrayList<>(elf.needed());
        while (!todo.isEmpty()) {
            String soname = todo.remove(0);
            if (done.contains(soname) || Path.of(interp).getFileName().toString().equals(soname)) {
                continue;
            }
            Path lib = library(tree, soname);
            fs.copy(GUEST_LIB_DIR + "/" + soname, 0755, lib);
            done.add(soname);
            todo.addAll(Elf.read(lib).needed());
        }
        return done;
    }

    private static Path library(Path tree, String soname) throws IOException {
        for (String dir : LIBRARY_DIRS) {
            Path p = tree.resolve(dir).resolve(soname);
            if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                return inTree(tree, tree.relativize(p));
            }
        }
        throw new GuestBuildException("qemu-ga needs " + soname + ", which none of the packages "
                + LinuxGuest.GUEST_PACKAGES + " contains", "this builder expects Debian bookworm's qemu-guest-agent; "
                + "a newer one needs more libraries", null);
    }

    /** Follows symbolic links as the guest would see them: absolute targets are relative to the tree. */
    private static Path inTree(Path tree, Path guestPath) throws IOException {
        Path p = tree.resolve(guestPath.toString().replaceFirst("^/+", ""));
        for (int hops = 0; Files.isSymbolicLink(p); hops++) {
            if (hops > 20) {
                throw new IOException("too many symbolic links at " + p);
            }
            Path target = Files.readSymbolicLink(p);
            p = target.isAbsolute() ? tree.resolve(target.toString().substring(1)) : p.getParent().resolve(target);
        }
        if (!Files.isRegularFile(p) || !p.normalize().startsWith(tree)) {
            throw new IOException(guestPath + " is not a file in the unpacked packages");
        }
        return p;
    }

    static void requirePackageFile(Path file, String pkg) {
        if (!Files.isRegularFile(file)) {
            throw new GuestBuildException("the package " + pkg + " did not contain " + file.getFileName(),
                    "use Debian bookworm's " + pkg, null);
        }
    }

    private static String resource(String name) {
        try (InputStream in = LinuxGuest.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("resource " + name + " is missing from the templating jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
