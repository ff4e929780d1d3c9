package dev.qmpkit.templating;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A template cannot be cloned as it is: a file is missing or has the wrong size or checksum,
 * the QEMU that would run the clone differs from the one that saved the template, or the
 * manifest's machine type or memory sizes do not match what was saved. Detected before any
 * clone is launched, so no clone ever runs on a wrong base.
 */
public class ManifestMismatchException extends TemplatingException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    /** What differs, e.g. {@code sha256} or {@code size}. */
    private final String what;

    /**
     * @param file the file that does not match (a RAM file, the state file, the manifest, the
     *             QEMU binary); never null
     * @param what a short key for what differs, e.g. {@code machineType}, {@code size},
     *             {@code sha256}, {@code qemuVersion}; never null
     * @param message the expected and actual values, the QEMU version and the fix; never null
     */
    public ManifestMismatchException(Path file, String what, String message) {
        super(message);
        this.file = Objects.requireNonNull(file, "file");
        this.what = Objects.requireNonNull(what, "what");
    }

    /** @return the file that does not match; never null (null only after deserialisation) */
    public Path file() {
        return file;
    }

    /** @return what differs, e.g. {@code machineType}, {@code size}, {@code sha256}; never null */
    public String what() {
        return what;
    }
}
