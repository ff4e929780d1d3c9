package dev.qmpkit.samples.cli;

import dev.qmpkit.qmp.launch.QemuBinary;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code --qemu} and {@code --firmware-dir}, shared by the commands that start QEMU. */
final class QemuOptions {

    @Option(names = "--qemu", paramLabel = "PATH|VERSION",
            description = {"the QEMU to run: a binary path or name, a folder a QEMU package was unpacked into, or a "
                    + "version such as 7.2 for $QMPKIT_CACHE/qemu-7.2 (the install-qemu command unpacks it)",
                "(default: qemu-system-x86_64 on the PATH; for template clone the template's own QEMU)"})
    String qemu;

    @Option(names = "--firmware-dir", paramLabel = "DIR",
            description = "a folder of QEMU firmware, passed as -L DIR; repeatable (default: none, or those of an "
                    + "unpacked QEMU)")
    List<String> firmwareDirs = new ArrayList<>();

    /** @return whether either option was given */
    boolean given() {
        return qemu != null || !firmwareDirs.isEmpty();
    }

    /** @return the QEMU to run @throws CliFailure when it is missing, with how to get it */
    QemuBinary resolve(Context ctx) {
        return QemuChoice.resolve(qemu, firmwareDirs, ctx);
    }
}
