package dev.qmpkit.templating;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A template's files, or the QEMU that would run its clone, do not match its manifest: a file
 * is missing, unreadable, or has another size or checksum than at the save, the state file is
 * not the migration stream of the manifest's machine type, a RAM file changed after a save
 * without RAM checksums, or the QEMU version differs. The manifest itself is intact (an edited
 * manifest is a {@link ManifestCorruptException}). Detected before any clone is launched, so no
 * clone ever runs on a wrong base. {@link #kind()} says what differs, {@link #file()} where.
 */
public class ManifestMismatchException extends TemplatingException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    /** What differs. */
    private final Kind kind;

    /** What does not match the manifest. */
    public enum Kind {
        /** A RAM, state or disk file is missing, or its attributes cannot be read. */
        MISSING,
        /** A RAM, state or disk file cannot be read to hash it. */
        UNREADABLE,
        /** A RAM, state or disk file (a layer or its base) has another size than the manifest records. */
        SIZE,
        /** A RAM, state or disk file (a layer or its base) has another SHA-256 than the manifest records. */
        SHA256,
        /**
         * A RAM or disk file was modified after the save and cannot be verified: the template was saved
         * with {@link SaveOptions.RamChecksum#NONE} and its checksums were not recorded since.
         */
        NO_RAM_CHECKSUM,
        /** The state file is not a QEMU migration stream. */
        NOT_A_MIGRATION_STREAM,
        /** The state file was saved on another machine type than the manifest records. */
        MACHINE_TYPE,
        /** The QEMU that would run the clone is another version than the one that saved the template. */
        QEMU_VERSION
    }

    /**
     * @param file the file that does not match (a RAM file, the state file, the QEMU binary);
     *             never null
     * @param kind what differs; never null
     * @param message the expected and actual values, the QEMU version and the fix; never null
     */
    public ManifestMismatchException(Path file, Kind kind, String message) {
        super(message);
        this.file = Objects.requireNonNull(file, "file");
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    /** @return the file that does not match; never null (null only after deserialisation) */
    public Path file() {
        return file;
    }

    /** @return what differs; never null */
    public Kind kind() {
        return kind;
    }
}
