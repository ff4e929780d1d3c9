package dev.qmpkit.templating;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Saving a template failed midway (QEMU died, the migration failed, a file could not be
 * written or synced). No {@code manifest.json} was written, so the half-saved directory can
 * never be cloned from; the template VM was stopped. Fix: remove the directory and save again.
 */
public class TemplateSaveException extends TemplatingException {
    private static final long serialVersionUID = 1L;

    private final transient Path directory;
    /** The step that failed. */
    private final Step step;

    /**
     * @param directory the template directory; never null
     * @param step the step that failed; never null
     * @param message what failed, the QEMU version and the fix; never null
     * @param cause the underlying failure; may be null
     */
    public TemplateSaveException(Path directory, Step step, String message, Throwable cause) {
        super(message, cause);
        this.directory = Objects.requireNonNull(directory, "directory");
        this.step = Objects.requireNonNull(step, "step");
    }

    /** @return the template directory; never null (null only after deserialisation) */
    public Path directory() {
        return directory;
    }

    /** @return the step that failed; never null */
    public Step step() {
        return step;
    }
}
