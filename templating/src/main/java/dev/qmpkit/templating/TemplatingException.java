package dev.qmpkit.templating;

/**
 * Root of the templating workflow's failures. Catch a subclass to handle one kind differently:
 * {@link ManifestCorruptException} (the manifest cannot be read or was altered),
 * {@link ManifestMismatchException} (the template does not fit this QEMU or its files changed),
 * {@link TemplateNotReadyException} (the VM cannot serve as a template; carries the findings),
 * {@link TemplateSaveException} (saving failed; no manifest was written) and
 * {@link CloneRestoreException} (a clone could not load the template's state).
 * Refusals of unsafe migration capabilities are
 * {@link dev.qmpkit.templating.inspect.UnsafeCapabilityException}.
 *
 * <p>Not a {@link dev.qmpkit.qmp.QmpException}: most templating failures (a checksum that
 * differs, a manifest that was edited, a directory that cannot be written) are not QMP
 * errors. When QEMU or its monitor is the cause, the {@code QmpException} is the cause of
 * this exception and its message is part of this one's.
 */
public class TemplatingException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, the file and QEMU version involved, and the fix; never null
     */
    public TemplatingException(String message) {
        super(message);
    }

    /**
     * @param message what failed, the file and QEMU version involved, and the fix; never null
     * @param cause the underlying failure; may be null
     */
    public TemplatingException(String message, Throwable cause) {
        super(message, cause);
    }
}
