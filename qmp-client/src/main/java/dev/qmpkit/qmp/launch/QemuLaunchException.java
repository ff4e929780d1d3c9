package dev.qmpkit.qmp.launch;

import dev.qmpkit.qmp.QmpException;

/**
 * QEMU could not be started, or exited before its monitor was ready. The message includes
 * the command line and the tail of QEMU's standard error, which usually names the bad option.
 */
public class QemuLaunchException extends QmpException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, with QEMU's stderr when there is one; never null
     * @param cause the underlying failure; may be null
     */
    public QemuLaunchException(String message, Throwable cause) {
        super(message, cause);
    }
}
