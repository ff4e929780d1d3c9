package dev.qmpkit.templating;

import java.util.Objects;

/**
 * A clone was launched but could not load the template's state ({@code migrate-incoming}
 * failed, QEMU exited, or the restore timed out). The clone's QEMU was stopped. The message
 * carries QEMU's own error (e.g. {@code Unknown ramblock}, {@code Machine type received is})
 * with what it means and the fix.
 */
public class CloneRestoreException extends TemplatingException {
    private static final long serialVersionUID = 1L;

    /** The step that failed. */
    private final Step step;

    /**
     * @param step the step that failed; never null
     * @param message what failed, the QEMU version, the template and the fix; never null
     * @param cause the underlying failure; may be null
     */
    public CloneRestoreException(Step step, String message, Throwable cause) {
        super(message, cause);
        this.step = Objects.requireNonNull(step, "step");
    }

    /** @return the step that failed; never null */
    public Step step() {
        return step;
    }
}
