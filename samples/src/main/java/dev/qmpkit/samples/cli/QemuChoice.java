package dev.qmpkit.samples.cli;

import dev.qmpkit.qmp.QmpException;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.launch.QemuVersionProbe;
import dev.qmpkit.qmp.launch.QemuVersionProbe.QemuBinaryInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Resolves {@code --qemu} and {@code --firmware-dir} to a {@link QemuBinary}: nothing means the
 * system's {@code qemu-system-x86_64}; a version such as {@code 7.2} means the build the
 * install step unpacked into {@code $QMPKIT_CACHE/qemu-7.2}; a folder holding
 * {@code usr/bin/qemu-system-x86_64} means such an unpacked build; anything else is a binary
 * path or name.
 */
public final class QemuChoice {
    private static final Pattern VERSION = Pattern.compile("\\d+\\.\\d+");
    /** The version besides the system's that {@code ./qmpkit install-qemu} unpacks into the cache. */
    static final String INSTALLED_OLD_VERSION = "7.2";
    private static final String INSTALL_FIX =
            "install it with ./qmpkit install-qemu (as root), or: apt-get install qemu-system-x86";

    private QemuChoice() {
    }

    /**
     * @param qemu the {@code --qemu} value; null for the system QEMU
     * @param firmwareDirs the {@code --firmware-dir} values; never null
     * @param ctx for the cache folder; never null
     * @return the binary with its firmware folders
     * @throws CliFailure when it is missing, with how to install it
     */
    public static QemuBinary resolve(String qemu, List<String> firmwareDirs, Context ctx) {
        QemuBinary binary;
        if (qemu == null) {
            try {
                binary = QemuBinary.system();
            } catch (QmpException e) {
                throw new CliFailure("QEMU (qemu-system-x86_64) is not installed", INSTALL_FIX, e);
            }
        } else if (VERSION.matcher(qemu).matches()) {
            Path dir = ctx.cacheDir().resolve("qemu-" + qemu);
            if (!Files.isExecutable(dir.resolve("usr/bin/qemu-system-x86_64"))) {
                // Only 7.2 is unpacked by the install step: suggesting it for another version would not help.
                throw new CliFailure("QEMU " + qemu + " is not unpacked at " + dir, qemu.equals(INSTALLED_OLD_VERSION)
                        ? "run ./qmpkit install-qemu (it unpacks QEMU " + INSTALLED_OLD_VERSION + " there), or pass "
                        + "--qemu /path/to/qemu-system-x86_64"
                        : "./qmpkit install-qemu unpacks only QEMU " + INSTALLED_OLD_VERSION + "; for " + qemu
                        + " unpack its Debian packages into " + dir + " (dpkg -x), or pass --qemu "
                        + "/path/to/qemu-system-x86_64 or the folder it was unpacked into", null);
            }
            binary = unpacked(dir);
        } else if (Files.isDirectory(Path.of(qemu))) {
            Path dir = Path.of(qemu);
            if (!Files.isExecutable(dir.resolve("usr/bin/qemu-system-x86_64"))) {
                throw new CliFailure(dir + " is a folder without usr/bin/qemu-system-x86_64",
                        "pass the qemu-system-x86_64 binary, or the folder a QEMU package was unpacked into", null);
            }
            binary = unpacked(dir);
        } else if (qemu.contains("/")) {
            Path p = Path.of(qemu);
            if (!Files.isRegularFile(p) || !Files.isExecutable(p)) {
                throw new CliFailure("no executable QEMU at " + p, "pass the path of a qemu-system-x86_64 binary, or "
                        + INSTALL_FIX, null);
            }
            binary = QemuBinary.of(p.toAbsolutePath());
        } else {
            try {
                binary = QemuBinary.system(qemu);
            } catch (QmpException e) {
                throw new CliFailure(qemu + " was not found on the PATH", INSTALL_FIX, e);
            }
        }
        for (String d : firmwareDirs) {
            Path dir = Path.of(d);
            if (!Files.isDirectory(dir)) {
                throw new CliFailure("--firmware-dir " + d + " is not a folder",
                        "pass the folder holding QEMU's firmware (bios-256k.bin etc.), e.g. <unpacked>/usr/share/qemu",
                        null);
            }
            binary = binary.withFirmwareDir(dir.toAbsolutePath());
        }
        return binary;
    }

    /**
     * @param binary the QEMU; never null
     * @return its version and features
     * @throws CliFailure when it does not run
     */
    public static QemuBinaryInfo probe(QemuBinary binary) {
        try {
            return QemuVersionProbe.probe(binary);
        } catch (QmpException e) {
            // Installing QEMU helps only when the binary is the system's; a binary of the user's own must be fixed.
            boolean system = binary.executable().getFileName().toString().equals("qemu-system-x86_64")
                    && binary.executable().startsWith("/usr/bin");
            throw new CliFailure("cannot run " + binary.executable() + ": " + e.getMessage(), system ? INSTALL_FIX
                    : "check that " + binary.executable() + " --version runs, with its firmware folders given as "
                    + "--firmware-dir", e);
        }
    }

    private static QemuBinary unpacked(Path dir) {
        List<Path> fw = new ArrayList<>();
        for (String sub : List.of("usr/share/qemu", "usr/share/seabios")) {
            if (Files.isDirectory(dir.resolve(sub))) {
                fw.add(dir.resolve(sub).toAbsolutePath());
            }
        }
        return new QemuBinary(dir.resolve("usr/bin/qemu-system-x86_64").toAbsolutePath(), fw);
    }
}
