package dev.qmpkit.templating;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A template's {@code manifest.json} cannot be trusted as a description of what was saved: it
 * is missing (the save never finished), unreadable, of a format version this SDK does not read,
 * was edited after the save (its fingerprint no longer matches its contents), or contradicts
 * itself. {@link #reason()} says which. Raised by {@link Template#open} and before each clone;
 * nothing was launched. Fix: save the template again (or restore the manifest as it was
 * written). A manifest that is intact while the files or QEMU differ from it is a
 * {@link ManifestMismatchException} instead.
 */
public class ManifestCorruptException extends TemplatingException {
    private static final long serialVersionUID = 1L;

    private final transient Path manifest;
    /** Why the manifest cannot be trusted. */
    private final Reason reason;

    /** Why the manifest cannot be trusted. */
    public enum Reason {
        /** There is no manifest: not a template directory, or its save did not finish. */
        MISSING,
        /** The file cannot be read or parsed. */
        UNREADABLE,
        /** A format version this SDK does not read. */
        UNSUPPORTED_FORMAT,
        /** Changed after the save: its fingerprint does not match its contents. */
        EDITED,
        /**
         * Its fingerprint matches, but its fields contradict each other (e.g. a machine type that
         * differs from its description's): written by something other than a save.
         */
        INCONSISTENT
    }

    /**
     * @param manifest the manifest file; never null
     * @param reason why it cannot be trusted; never null
     * @param message what is wrong and the fix; never null
     * @param cause the underlying failure; may be null
     */
    public ManifestCorruptException(Path manifest, Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.manifest = Objects.requireNonNull(manifest, "manifest");
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** @return the manifest file; never null (null only after deserialisation) */
    public Path manifest() {
        return manifest;
    }

    /** @return why the manifest cannot be trusted; never null */
    public Reason reason() {
        return reason;
    }
}
