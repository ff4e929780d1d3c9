package dev.qmpkit.qmp;

/**
 * QEMU answered a command with an {@code error} reply. Carries the command, QEMU's error
 * class (e.g. {@code GenericError}, {@code CommandNotFound}, {@code DeviceNotFound}) and
 * its human-readable description.
 */
public class QmpCommandException extends QmpException {
    private static final long serialVersionUID = 1L;

    /** The QMP command that failed. */
    private final String command;
    /** QEMU's error class. */
    private final String errorClass;
    /** QEMU's description of the error. */
    private final String description;

    /**
     * @param command the QMP command that failed; never null
     * @param errorClass QEMU's error class; never null
     * @param description QEMU's description of the error; never null
     * @param qemuVersion the QEMU version that answered, for the message; may be null
     */
    public QmpCommandException(String command, String errorClass, String description, QemuVersion qemuVersion) {
        super("QMP command '" + command + "' failed: " + errorClass + ": " + description
                + (qemuVersion == null ? "" : " (QEMU " + qemuVersion + ")"));
        this.command = command;
        this.errorClass = errorClass;
        this.description = description;
    }

    /**
     * For subclasses that word the message themselves, such as the guest agent's errors.
     *
     * @param message the whole message; never null
     * @param command the command that failed; never null
     * @param errorClass the peer's error class; never null
     * @param description the peer's description of the error; never null
     */
    protected QmpCommandException(String message, String command, String errorClass, String description) {
        super(message);
        this.command = command;
        this.errorClass = errorClass;
        this.description = description;
    }

    /** @return the command that failed; never null */
    public String command() {
        return command;
    }

    /** @return QEMU's error class, e.g. {@code GenericError}; never null */
    public String errorClass() {
        return errorClass;
    }

    /** @return QEMU's error description; never null */
    public String description() {
        return description;
    }
}
