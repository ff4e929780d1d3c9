package dev.qmpkit.templating.internal;

import dev.qmpkit.qmp.QmpOptions;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.launch.QemuLauncher;
import dev.qmpkit.qmp.launch.QemuProcess;
import dev.qmpkit.qmp.launch.QemuStarter;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/** Starts the QEMU of a template or a clone through the owner's starter, with the owner's monitor options. */
public final class Launches {

    private final QemuStarter starter;
    private final QmpOptions qmpOptions;

    /**
     * @param starter starts every QEMU; never null
     * @param qmpOptions the options of every monitor client; never null
     */
    public Launches(QemuStarter starter, QmpOptions qmpOptions) {
        this.starter = Objects.requireNonNull(starter, "starter");
        this.qmpOptions = Objects.requireNonNull(qmpOptions, "qmpOptions");
    }

    /**
     * @param binary the QEMU; never null
     * @param args its arguments (the launcher adds the monitor); never null
     * @param name for logs and the run directory; never null
     * @param startTimeout how long QEMU may take to serve its monitor, or null for the launcher's default
     * @return the running QEMU
     */
    QemuProcess start(QemuBinary binary, List<String> args, String name, Duration startTimeout) {
        QemuLauncher.Builder b = QemuLauncher.builder(binary).args(args).name(name).qmpOptions(qmpOptions);
        if (startTimeout != null) {
            b.startTimeout(startTimeout);
        }
        QemuLauncher launch = b.build();
        return Objects.requireNonNull(starter.start(launch), () -> "the QemuStarter returned no process for " + name);
    }
}
