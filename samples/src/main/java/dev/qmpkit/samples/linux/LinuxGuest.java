package dev.qmpkit.samples.linux;

import dev.qmpkit.samples.cli.CliFailure;
import dev.qmpkit.samples.cli.Progress;
import dev.qmpkit.templating.WorkFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real Linux guest for the demo, made from Debian's packages without installing them:
 * the 6.1 cloud kernel ({@code linux-image-6.1.0-N-cloud-amd64}) and a static busybox
 * ({@code busybox-static}), fetched with {@code apt-get download}, unpacked with
 * {@code dpkg -x}, and an initramfs written by {@link NewcCpio}. Its {@code /init} prints
 * {@code READY} and then {@code COUNT <hex>} lines to the serial console, the same lines as
 * the built-in guest, so one parser proves a clone continued counting instead of booting again.
 *
 * <p>The result is cached under {@code $QMPKIT_CACHE/linux-guest/<kernel package>/}; a second
 * run needs no network.
 *
 * @param kernel the kernel image ({@code vmlinuz}); never null
 * @param initramfs the initramfs (uncompressed newc cpio); never null
 * @param append the kernel command line; never null
 * @param kernelPackage the Debian package the kernel came from; never null
 */
public record LinuxGuest(Path kernel, Path initramfs, String append, String kernelPackage) {

    /** The kernel command line: serial console, no EDD probe (it hangs under nested KVM), quiet. */
    public static final String APPEND = "console=ttyS0 edd=off quiet panic=-1 rdinit=/init";

    /** The guest's /init: the counter lives only in the shell's memory, so a clone continues it. */
    static final String INIT = """
            #!/bin/busybox sh
            # qmpkit demo guest: READY, then a counter that lives only in this shell's memory.
            /bin/busybox mount -t proc proc /proc
            /bin/busybox mount -t sysfs sysfs /sys
            exec >/dev/ttyS0 2>&1 </dev/null
            echo READY
            n=0
            while true; do
              n=$((n + 1))
              /bin/busybox printf 'COUNT %016x\\n' "$n"
              /bin/busybox usleep 100000
            done
            """;

    private static final Pattern KERNEL_PKG = Pattern.compile("linux-image-6\\.1\\.0-(\\d+)-cloud-amd64");
    private static final String APT_FIX = "run 'apt-get update' (as root) so apt knows Debian's packages, or use "
            + "--guest builtin, which needs no download";

    /** Validates. */
    public LinuxGuest {
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(initramfs, "initramfs");
        Objects.requireNonNull(append, "append");
        Objects.requireNonNull(kernelPackage, "kernelPackage");
    }

    /**
     * Returns the cached guest, or builds it (downloads about 16 MB).
     *
     * @param cacheDir {@code $QMPKIT_CACHE}; never null
     * @param progress receives progress lines; never null
     * @return the guest
     * @throws CliFailure when apt or dpkg fail, with the fix
     * @throws IOException when the cache cannot be written
     * @throws InterruptedException when interrupted
     */
    public static LinuxGuest prepare(Path cacheDir, Progress progress) throws IOException, InterruptedException {
        Path root = cacheDir.resolve("linux-guest");
        LinuxGuest cached = newestCached(root);
        if (cached != null) {
            progress.step("Linux guest: using the cached %s (%s)", cached.kernelPackage(), cached.kernel().getParent());
            return cached;
        }
        List<String> candidates = kernelPackages();
        Files.createDirectories(root);
        Path build = Files.createTempDirectory(root, ".build-");
        try {
            CliFailure last = null;
            for (String pkg : candidates.subList(0, Math.min(3, candidates.size()))) {
                try {
                    progress.step("Linux guest: apt-get download %s busybox-static", pkg);
                    run(List.of("apt-get", "download", "-q", pkg, "busybox-static"), build, 600);
                    return assemble(root, build, pkg, progress);
                } catch (CliFailure e) {
                    last = e;
                }
            }
            throw last;
        } finally {
            WorkFiles.deleteTree(build);
        }
    }

    private static LinuxGuest assemble(Path root, Path build, String pkg, Progress progress)
            throws IOException, InterruptedException {
        Path kernelDeb = only(build, pkg + "_*.deb");
        Path busyboxDeb = only(build, "busybox-static_*.deb");
        Path x = build.resolve("x");
        run(List.of("dpkg", "-x", kernelDeb.toString(), x.toString()), build, 300);
        run(List.of("dpkg", "-x", busyboxDeb.toString(), x.toString()), build, 300);
        Path vmlinuz = only(x.resolve("boot"), "vmlinuz-*");
        Path busybox = x.resolve("bin/busybox");
        if (!Files.isRegularFile(busybox)) {
            throw new CliFailure("busybox-static did not contain bin/busybox", APT_FIX, null);
        }
        progress.step("Linux guest: writing the initramfs (busybox %d KiB, /init prints READY and a counter)",
                Files.size(busybox) / 1024);
        Path out = build.resolve("out");
        Files.createDirectories(out);
        Files.copy(vmlinuz, out.resolve("vmlinuz"));
        try (OutputStream os = Files.newOutputStream(out.resolve("initramfs.cpio"))) {
            writeInitramfs(os, Files.readAllBytes(busybox));
        }
        Files.writeString(out.resolve("complete"), pkg + "\n");
        Path target = root.resolve(pkg);
        WorkFiles.deleteTree(target);
        try {
            Files.move(out, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(out, target);
        }
        progress.step("Linux guest: cached in %s", target);
        return of(target, pkg);
    }

    /**
     * Writes the initramfs: busybox, {@code /init}, and the device nodes the kernel needs before
     * anything mounts {@code /dev} (the console, the serial port).
     *
     * @param out receives the cpio archive; never null
     * @param busybox the static busybox binary; never null
     * @throws IOException on write failure
     */
    static void writeInitramfs(OutputStream out, byte[] busybox) throws IOException {
        try (NewcCpio cpio = new NewcCpio(out)) {
            for (String d : List.of("bin", "dev", "proc", "sys", "tmp")) {
                cpio.directory(d, 0755);
            }
            cpio.file("bin/busybox", 0755, busybox);
            cpio.symlink("bin/sh", "busybox");
            cpio.charDevice("dev/console", 0600, 5, 1);
            cpio.charDevice("dev/ttyS0", 0660, 4, 64);
            cpio.charDevice("dev/null", 0666, 1, 3);
            cpio.file("init", 0755, INIT.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** @return the 6.1 cloud kernel packages apt knows, newest ABI first */
    static List<String> kernelPackages() throws IOException, InterruptedException {
        String found = run(List.of("apt-cache", "search", "--names-only", "^linux-image-6\\.1\\.0-[0-9]+-cloud-amd64$"),
                null, 60);
        List<String> pkgs = new ArrayList<>();
        Matcher m = KERNEL_PKG.matcher(found);
        while (m.find()) {
            if (!pkgs.contains(m.group())) {
                pkgs.add(m.group());
            }
        }
        if (pkgs.isEmpty()) {
            throw new CliFailure("apt knows no linux-image-6.1.0-*-cloud-amd64 package", APT_FIX, null);
        }
        pkgs.sort(Comparator.comparingInt((String p) -> abi(p)).reversed());
        return pkgs;
    }

    private static int abi(String pkg) {
        Matcher m = KERNEL_PKG.matcher(pkg);
        return m.matches() ? Integer.parseInt(m.group(1)) : -1;
    }

    private static LinuxGuest newestCached(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            return null;
        }
        try (Stream<Path> dirs = Files.list(root)) {
            return dirs.filter(d -> KERNEL_PKG.matcher(d.getFileName().toString()).matches())
                    .filter(d -> Files.isRegularFile(d.resolve("complete")))
                    .max(Comparator.comparingInt(d -> abi(d.getFileName().toString())))
                    .map(d -> of(d, d.getFileName().toString()))
                    .orElse(null);
        }
    }

    private static LinuxGuest of(Path dir, String pkg) {
        return new LinuxGuest(dir.resolve("vmlinuz"), dir.resolve("initramfs.cpio"), APPEND, pkg);
    }

    private static Path only(Path dir, String glob) throws IOException {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, glob)) {
            for (Path p : s) {
                return p;
            }
        }
        throw new CliFailure("expected " + glob + " in " + dir + " after unpacking", APT_FIX, null);
    }

    /** Runs a command, returns its standard output; fails with its output as the message. */
    private static String run(List<String> cmd, Path cwd, long timeoutSeconds) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        if (cwd != null) {
            pb.directory(cwd.toFile());
        }
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new CliFailure("cannot run " + cmd.get(0) + ": " + e.getMessage(),
                    "--guest linux needs Debian's apt-get and dpkg; use --guest builtin elsewhere", e);
        }
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        Thread reader = new Thread(() -> {
            try (InputStream in = p.getInputStream()) {
                in.transferTo(buf);
            } catch (IOException ignored) {
                // the process ended; what was read is enough for the message
            }
        }, "qmpkit-" + cmd.get(0));
        reader.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new CliFailure(String.join(" ", cmd) + " did not finish within " + timeoutSeconds + " s",
                    "check the network connection to Debian's package mirror", null);
        }
        reader.join(5000);
        String output = buf.toString(StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            String tail = output.strip();
            tail = tail.length() > 400 ? "..." + tail.substring(tail.length() - 400) : tail;
            throw new CliFailure(String.join(" ", cmd) + " failed (exit " + p.exitValue() + "): " + tail, APT_FIX, null);
        }
        return output;
    }

}
