package dev.qmpkit.templating;

/**
 * Root of the templating workflow's failures and refusals. Catch a subclass to handle one kind
 * differently:
 * <ul>
 *   <li>{@link ManifestCorruptException}: the manifest is missing, unreadable, of an unknown
 *       format, was edited after the save, or contradicts itself (its {@code reason()});</li>
 *   <li>{@link ManifestMismatchException}: the manifest is intact, but a template file or the
 *       QEMU that would run the clone differs from it (its {@code kind()});</li>
 *   <li>{@link TemplateNotReadyException}: the VM cannot serve as a template (carries the
 *       findings; nothing was changed);</li>
 *   <li>{@link TemplateSaveException}: saving failed; no manifest was written;</li>
 *   <li>{@link CloneRestoreException}: a clone could not load the template's state;</li>
 *   <li>{@link dev.qmpkit.templating.inspect.UnsafeCloneException}: the guard refused to let a
 *       restored clone run;</li>
 *   <li>{@link dev.qmpkit.templating.inspect.UnsafeCapabilityException}: the guard refused a
 *       migration capability.</li>
 * </ul>
 *
 * <p>Not a {@link dev.qmpkit.qmp.QmpException}: most templating failures (a checksum that
 * differs, a manifest that was edited, a directory that cannot be written) are not QMP
 * errors, and the guards' refusals are the SDK's decision, not QEMU's. When QEMU or its monitor
 * is the cause, the {@code QmpException} is the cause of this exception and its message is part
 * of this one's.
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
