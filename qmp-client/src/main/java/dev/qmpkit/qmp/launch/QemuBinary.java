package dev.qmpkit.qmp.launch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A QEMU system emulator and the firmware directories it needs ({@code -L}), e.g. a QEMU
 * 7.2 unpacked from Debian's packages next to the system's QEMU 10.0.
 *
 * @param executable the {@code qemu-system-*} binary; never null
 * @param firmwareDirs directories passed with {@code -L}, in order; never null, immutable
 */
public record QemuBinary(Path executable, List<Path> firmwareDirs) {

    /**
     * Copies and validates.
     *
     * @param executable the {@code qemu-system-*} binary; never null
     * @param firmwareDirs directories passed with {@code -L}, in order; never null, immutable
     */
    public QemuBinary {
        Objects.requireNonNull(executable, "executable");
        firmwareDirs = List.copyOf(firmwareDirs);
    }

    /**
     * @param executable the binary; never null
     * @return the binary with no extra firmware directories
     */
    public static QemuBinary of(Path executable) {
        return new QemuBinary(executable, List.of());
    }

    /**
     * Finds {@code qemu-system-x86_64} on the {@code PATH}.
     *
     * @return the binary
     * @throws QemuLaunchException when it is not installed, with how to install it
     */
    public static QemuBinary system() {
        return system("qemu-system-x86_64");
    }

    /**
     * @param name an executable name such as {@code qemu-system-x86_64}; never null
     * @return the binary found on the {@code PATH}
     * @throws QemuLaunchException when it is not installed, with how to install it
     */
    public static QemuBinary system(String name) {
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(java.io.File.pathSeparator)) {
                if (dir.isEmpty()) {
                    continue;
                }
                Path candidate = Path.of(dir, name);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return of(candidate);
                }
            }
        }
        throw new QemuLaunchException(name + " was not found on the PATH. Install QEMU: "
                + "./scripts/install-qemu.sh (as root), or apt-get install qemu-system-x86", null);
    }

    /**
     * @param dir a firmware directory; never null
     * @return a copy with {@code dir} appended
     */
    public QemuBinary withFirmwareDir(Path dir) {
        List<Path> dirs = new ArrayList<>(firmwareDirs);
        dirs.add(Objects.requireNonNull(dir, "dir"));
        return new QemuBinary(executable, dirs);
    }

    /**
     * Asks the binary its version without starting a VM ({@code --version}, cached per binary;
     * see {@link QemuVersionProbe}).
     *
     * @return the version; never null
     * @throws QemuLaunchException when the binary cannot be run or is not QEMU
     */
    public dev.qmpkit.qmp.QemuVersion version() {
        return QemuVersionProbe.probe(this).version();
    }

    /** @return {@code -L DIR} for each firmware directory; never null */
    public List<String> firmwareArgs() {
        List<String> args = new ArrayList<>();
        for (Path dir : firmwareDirs) {
            args.add("-L");
            args.add(dir.toString());
        }
        return args;
    }
}
