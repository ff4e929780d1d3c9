package dev.qmpkit.templating.internal;

import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.launch.QemuLauncher;
import dev.qmpkit.qmp.launch.QemuProcess;
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
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/** Prepares a template directory and starts the template's QEMU. */
public final class TemplateLaunch {

    /** Name of the serial log inside a template directory. */
    public static final String SERIAL_LOG = "serial.log";

    private TemplateLaunch() {
    }

    /** What {@link #start} produced. */
    public record Started(Path directory, VmDescription description, QemuProcess process, Path serialLog,
                          UUID vmgenid) {
    }

    /** Creates the directory and files, then launches QEMU; on failure removes what it created. */
    public static Started start(QemuBinary binary, VmDescription description, Path directory,
                                ProgressListener listener) {
        Path dir = directory.toAbsolutePath().normalize();
        VmDescription d = description.toBuilder().accel(description.accel().resolve()).build();
        List<Path> created = new ArrayList<>();
        boolean createdDir = prepareDirectory(dir);
        try {
            for (RamBackend b : d.ramBackends()) {
                Path f = dir.resolve(b.fileName());
                Durable.createPrivateFile(f);
                created.add(f);
                try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
                    raf.setLength(b.sizeBytes());
                }
            }
            Path serial = null;
            if (d.serialLog()) {
                serial = dir.resolve(SERIAL_LOG);
                Durable.createPrivateFile(serial);
                created.add(serial);
            }
            UUID vmgenid = d.vmgenid() ? UUID.randomUUID() : null;
            List<String> args = CommandLines.template(d, dir, serial, vmgenid);
            Path serialLog = serial;
            QemuProcess process = new Steps(listener, "template").run(Step.TEMPLATE_LAUNCH, () -> {
                try {
                    return QemuLauncher.builder(binary).args(args).name("template").build().start();
                } catch (RuntimeException e) {
                    throw withHint(e);
                }
            });
            return new Started(dir, d, process, serialLog, vmgenid);
        } catch (IOException e) {
            cleanup(created, createdDir ? dir : null);
            throw new TemplatingException("cannot create the files of template " + dir + ": " + e
                    + ". Fix: choose a writable directory on a file system with room for "
                    + (d.totalRamBytes() >> 20) + " MiB of RAM files.", e);
        } catch (RuntimeException e) {
            cleanup(created, createdDir ? dir : null);
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

    private static void cleanup(List<Path> files, Path dir) {
        for (Path f : files) {
            try {
                Files.deleteIfExists(f);
            } catch (IOException ignored) {
                // best effort: nothing here is a manifest, so nothing can be cloned from it
            }
        }
        if (dir != null) {
            try {
                Files.deleteIfExists(dir);
            } catch (IOException ignored) {
                // not empty: QEMU or the user put something there
            }
        }
    }
}
