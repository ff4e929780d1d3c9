package dev.qmpkit.qmp.launch;

/**
 * Starts the QEMU a {@link QemuLauncher} describes. Code that starts QEMU on its callers'
 * behalf takes one instead of calling {@link QemuLauncher#start()} itself (the templating
 * layer does), so the real launcher can be replaced: by a test double that answers like QEMU
 * without running it, or by a wrapper that adjusts each launch ({@link QemuLauncher#toBuilder()})
 * before starting it.
 *
 * <pre>{@code
 * QemuStarter confined = launch -> launch.toBuilder()
 *         .args(withSandbox(launch.args())).build().start();
 * }</pre>
 */
@FunctionalInterface
public interface QemuStarter {

    /**
     * Starts QEMU and waits until its monitor is negotiated.
     *
     * @param launch what to start: binary, arguments, name, timeouts, monitor options; never null
     * @return the running process with a connected client; never null
     * @throws QemuLaunchException when QEMU fails to start, with the command line and QEMU's stderr
     */
    QemuProcess start(QemuLauncher launch);

    /** @return the starter that runs real QEMU child processes ({@link QemuLauncher#start()}); never null */
    static QemuStarter processes() {
        return QemuLauncher::start;
    }
}
