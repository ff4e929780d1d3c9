package dev.qmpkit.templating.internal;

import dev.qmpkit.qmp.launch.CleanupStack;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.launch.QemuProcess;
import dev.qmpkit.templating.Disk;
import dev.qmpkit.templating.ProgressListener;
import dev.qmpkit.templating.RamBackend;
import dev.qmpkit.templating.Step;
import dev.qmpkit.templating.TemplatingException;
import dev.qmpkit.templating.VmDescription;
import dev.qmpkit.templating.inspect.QemuErrorHints;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/** Prepares a template directory and starts the template's QEMU. */
public final class TemplateLaunch {

    /** Name of the serial log inside a template directory. */
    public static final String SERIAL_LOG = "serial.log";

    private final Launches launches;

    /**
     * @param launches starts the template's QEMU; never null
     */
    public TemplateLaunch(Launches launches) {
        this.launches = launches;
    }

    /**
     * What {@link #start} produced.
     *
     * @param directory the template directory, absolute
     * @param description the description with the accelerator resolved
     * @param process the template's QEMU
     * @param serialLog the serial log, or null
     * @param vmgenid the template's vmgenid GUID, or null
     */
    public record Started(Path directory, VmDescription description, QemuProcess process, Path serialLog,
                          UUID vmgenid) {
    }

    /**
     * Creates the directory and files, then launches QEMU; on failure removes what it created.
     *
     * @param binary the QEMU; never null
     * @param description the VM; never null
     * @param directory the template directory (absent or empty); never null
     * @param listener receives {@link Step#TEMPLATE_LAUNCH}; never null
     * @return the running template VM's parts
     */
    public Started start(QemuBinary binary, VmDescription description, Path directory, ProgressListener listener) {
        Path dir = directory.toAbsolutePath().normalize();
        VmDescription d = description.toBuilder().accel(description.accel().resolve()).build();
        CleanupStack cleanups = new CleanupStack();
        if (prepareDirectory(dir)) {
            // Only if empty: QEMU or the user may have put something there.
            cleanups.push("remove template directory " + dir, () -> Files.deleteIfExists(dir));
        }
        try {
            for (RamBackend b : d.ramBackends()) {
                Path f = dir.resolve(b.fileName());
                Durable.createPrivateFile(f);
                cleanups.push("delete " + f, () -> Files.deleteIfExists(f));
                try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
                    raf.setLength(b.sizeBytes());
                }
            }
            if (!d.disks().isEmpty()) {
                Path qemuImg = DiskImages.qemuImg(binary);
                for (Disk disk : d.disks()) {
                    Path layer = dir.resolve(disk.layerFileName());
                    cleanups.push("delete " + layer, () -> Files.deleteIfExists(layer));
                    DiskImages.createLayer(qemuImg, disk, layer);
                }
            }
            Path serial = null;
            if (d.serialLog()) {
                Path s = dir.resolve(SERIAL_LOG);
                Durable.createPrivateFile(s);
                cleanups.push("delete " + s, () -> Files.deleteIfExists(s));
                serial = s;
            }
            UUID vmgenid = d.vmgenid() ? UUID.randomUUID() : null;
            List<String> args = CommandLines.template(d, dir, serial, vmgenid);
            QemuProcess process = new Steps(listener, "template").run(Step.TEMPLATE_LAUNCH, () -> {
                try {
                    return launches.start(binary, args, "template", null, null, d.guestAgent());
                } catch (RuntimeException e) {
                    throw withHint(e);
                }
            });
            return new Started(dir, d, process, serial, vmgenid);
        } catch (IOException e) {
            cleanups.run();
            throw new TemplatingException("cannot create the files of template " + dir + ": " + e
                    + ". Fix: choose a writable directory on a file system with room for "
                    + (d.totalRamBytes() >> 20) + " MiB of RAM files.", e);
        } catch (RuntimeException | Error e) {
            cleanups.run();
            throw e;
        }
    }

    private static RuntimeException withHint(RuntimeException e) {
        return QemuErrorHints.find(e).<RuntimeException>map(h -> new TemplatingException(
                "the template's QEMU did not start: " + e.getMessage() + " -- " + h.render(), e)).orElse(e);
    }

    /** @return whether the directory was created here */
    private static boolean prepareDirectory(Path dir) {
        try {
            if (Files.exists(dir)) {
                if (!Files.isDirectory(dir)) {
                    throw new TemplatingException("template directory " + dir + " exists and is not a directory. "
                            + "Fix: choose a new path.");
                }
                try (Stream<Path> s = Files.list(dir)) {
                    if (s.findAny().isPresent()) {
                        throw new TemplatingException("template directory " + dir + " is not empty; a template "
                                + "directory holds exactly one template. Fix: choose a new directory, or delete "
                                + "this one if its template is no longer needed.");
                    }
                }
                Files.setPosixFilePermissions(dir, Durable.DIR_0700);
                return false;
            }
            if (dir.getParent() != null) {
                Files.createDirectories(dir.getParent());
            }
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(Durable.DIR_0700));
            return true;
        } catch (IOException e) {
            throw new TemplatingException("cannot create template directory " + dir + ": " + e
                    + ". Fix: choose a directory this user can write.", e);
        }
    }
}
