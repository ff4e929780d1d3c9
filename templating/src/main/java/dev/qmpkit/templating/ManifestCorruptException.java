package dev.qmpkit.templating;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A template's {@code manifest.json} is missing, unreadable, of an unknown format version, or
 * was altered after it was written (its fingerprint no longer matches). Nothing was launched.
 * Fix: save the template again.
 */
public class ManifestCorruptException extends TemplatingException {
    private static final long serialVersionUID = 1L;

    private final transient Path manifest;

    /**
     * @param manifest the manifest file; never null
     * @param message what is wrong and the fix; never null
     * @param cause the underlying failure; may be null
     */
    public ManifestCorruptException(Path manifest, String message, Throwable cause) {
        super(message, cause);
        this.manifest = Objects.requireNonNull(manifest, "manifest");
    }

    /** @return the manifest file; never null (null only after deserialisation) */
    public Path manifest() {
        return manifest;
    }
}
