package dev.qmpkit.templating.internal;

import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.templating.Disk;
import dev.qmpkit.templating.TemplatingException;
import dev.qmpkit.templating.guest.internal.HostCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Creates the qcow2 files of {@link Disk}s with {@code qemu-img}: the template's layer (an
 * overlay on the disk's base, or blank) and each clone's overlay on the frozen layer. Every
 * file is created empty with mode 0600 first, so {@code qemu-img} (which keeps an existing
 * file's mode) never leaves one readable by others.
 */
public final class DiskImages {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private DiskImages() {
    }

    /**
     * @param binary the QEMU the images are for; {@code qemu-img} next to it is preferred
     * @return the {@code qemu-img} to run
     * @throws TemplatingException when there is none, with the fix
     */
    public static Path qemuImg(QemuBinary binary) {
        Path sibling = binary.executable().toAbsolutePath().resolveSibling("qemu-img");
        if (Files.isRegularFile(sibling) && Files.isExecutable(sibling)) {
            return sibling;
        }
        return HostCommand.find("qemu-img").orElseThrow(() -> new TemplatingException("a VM with disks needs "
                + "qemu-img to create their qcow2 layers, and there is none beside " + binary.executable()
                + " or on the PATH. Fix: install it (Debian: apt-get install qemu-utils)."));
    }

    /**
     * Creates the template's layer of {@code disk}: a qcow2 overlay on its base, or a blank qcow2.
     *
     * @param qemuImg from {@link #qemuImg}
     * @param disk the disk; never null
     * @param layer the file to create; must not exist
     */
    public static void createLayer(Path qemuImg, Disk disk, Path layer) throws IOException {
        if (disk.base() != null) {
            if (!Files.isRegularFile(disk.base())) {
                throw new TemplatingException("the base image " + disk.base() + " of disk '" + disk.id()
                        + "' does not exist or is not a file. Fix: build it first (e.g. LinuxGuest.builder().build()"
                        + " for its data disk) or correct the path in Disk.overlay(...).");
            }
            create(qemuImg, layer, List.of("-b", disk.base().toString(), "-F", disk.baseFormat().qemuName()), null);
        } else {
            create(qemuImg, layer, List.of(), disk.sizeBytes());
        }
    }

    /**
     * Creates a clone's overlay whose backing file is the template's frozen layer.
     *
     * @param qemuImg from {@link #qemuImg}
     * @param layer the template's layer (read-only); never null
     * @param overlay the file to create; must not exist
     */
    public static void createOverlay(Path qemuImg, Path layer, Path overlay) throws IOException {
        create(qemuImg, overlay, List.of("-b", layer.toString(), "-F", "qcow2"), null);
    }

    private static void create(Path qemuImg, Path file, List<String> backing, Long size) throws IOException {
        Durable.createPrivateFile(file);
        List<String> cmd = new ArrayList<>(List.of(qemuImg.toString(), "create", "-q", "-f", "qcow2"));
        cmd.addAll(backing);
        cmd.add(file.toString());
        if (size != null) {
            cmd.add(Long.toString(size));
        }
        HostCommand.Result r;
        try {
            r = HostCommand.run(cmd, null, Map.of(), TIMEOUT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Files.deleteIfExists(file);
            throw new TemplatingException("interrupted while creating disk image " + file, e);
        } catch (IOException e) {
            Files.deleteIfExists(file);
            throw e;
        }
        if (r.exitCode() != 0) {
            Files.deleteIfExists(file);
            throw new TemplatingException("qemu-img could not create disk image " + file + " (exit " + r.exitCode()
                    + "): " + r.tail() + "\ncommand: " + String.join(" ", cmd)
                    + "\nFix: check that the backing file exists and is readable, and that " + file.getParent()
                    + " is writable and has space.");
        }
    }
}
