package dev.qmpkit.qmp.testing;

import dev.qmpkit.qmp.launch.QemuBinary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The QEMU builds real-QEMU tests run against. {@code ./qmpkit test} installs both and sets
 * the system properties: {@code qmpkit.qemu} (QEMU 10.0, a binary name or path) and
 * {@code qmpkit.qemu72} (the folder QEMU 7.2 was unpacked into). A test that needs QEMU fails,
 * never skips, when one is missing: CI must prove both.
 */
public final class TestQemus {
    private TestQemus() {
    }

    /** @return QEMU 10.0 (the system QEMU) */
    public static QemuBinary qemu10() {
        String q = System.getProperty("qmpkit.qemu", "qemu-system-x86_64");
        Path p = Path.of(q);
        return p.isAbsolute() ? QemuBinary.of(p) : QemuBinary.system(q);
    }

    /** @return QEMU 7.2 unpacked from Debian's packages, with its firmware directories */
    public static QemuBinary qemu72() {
        String dir = System.getProperty("qmpkit.qemu72", "");
        if (dir.isBlank()) {
            dir = System.getenv().getOrDefault("QMPKIT_CACHE", System.getProperty("user.home") + "/.cache/qmpkit")
                    + "/qemu-7.2";
        }
        Path root = Path.of(dir);
        Path bin = root.resolve("usr/bin/qemu-system-x86_64");
        if (!Files.isExecutable(bin)) {
            throw new IllegalStateException("QEMU 7.2 not found at " + bin + "; run ./scripts/install-qemu.sh");
        }
        return new QemuBinary(bin, List.of(root.resolve("usr/share/qemu"), root.resolve("usr/share/seabios")));
    }

    /** @return both QEMU builds, for {@code @MethodSource}: QEMU 10.0 first */
    public static List<QemuBinary> all() {
        List<QemuBinary> all = new ArrayList<>();
        all.add(qemu10());
        all.add(qemu72());
        return all;
    }
}
