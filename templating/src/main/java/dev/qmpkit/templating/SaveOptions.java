package dev.qmpkit.templating;

import java.util.Objects;

/**
 * How {@link TemplateVm#save(SaveOptions)} saves a template. Immutable; build with
 * {@link #builder()}.
 *
 * <pre>{@code
 * // The default: save() takes milliseconds whatever the guest's size; the RAM checksums are
 * // recorded on the owner's background thread while clones already start.
 * Template t = vm.save();
 * try (CloneVm clone = t.startClone()) { ... }
 * t.verifyRamFiles();   // waits for the background checksums, then proves the files unchanged
 * }</pre>
 *
 * @param ramChecksum when the RAM files are hashed (default {@link RamChecksum#BACKGROUND});
 *                    never null
 * @param listener receives step and migration progress, and the readiness check's warnings
 *                 (default {@link ProgressListener#NONE}); never null
 * @param acceptSharedMacs whether a template with a NIC may be saved although every clone then
 *                         has its MAC (default false: such a save is refused with
 *                         {@link TemplateNotReadyException}, finding
 *                         {@link dev.qmpkit.templating.inspect.FindingCode#NIC_MAC_SHARED}); when
 *                         true the finding is a warning, reported and recorded in the manifest
 */
public record SaveOptions(RamChecksum ramChecksum, ProgressListener listener, boolean acceptSharedMacs) {

    /**
     * Validates.
     *
     * @param ramChecksum when the RAM files are hashed (default {@link RamChecksum#BACKGROUND});
     *                           never null
     * @param listener receives step and migration progress, and the readiness check's warnings
     *                        (default {@link ProgressListener#NONE}); never null
     * @param acceptSharedMacs whether a template with a NIC may be saved although every clone then
     *                                has its MAC (default false)
     */
    public SaveOptions {
        Objects.requireNonNull(ramChecksum, "ramChecksum");
        Objects.requireNonNull(listener, "listener");
    }

    /** @return the defaults: RAM checksums recorded in the background, no listener, a NIC in the template refused */
    public static SaveOptions defaults() {
        return builder().build();
    }

    /** @return a builder with the defaults */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder initialised from these options */
    public Builder toBuilder() {
        return new Builder().ramChecksum(ramChecksum).listener(listener).acceptSharedMacs(acceptSharedMacs);
    }

    /**
     * Whether and when a save records the SHA-256 of each RAM file in the manifest. The
     * device-state file is always hashed by the save (it is small, and clone starts check it).
     */
    public enum RamChecksum {
        /**
         * The save reads every RAM file and records its SHA-256 before it returns (about 1-3 s
         * per GiB of guest RAM on a disk; most of a large template's save time).
         * {@link Template#verifyRamFiles()} can then prove the files unchanged, and a clone start
         * hashes a RAM file whose modification time is later than the save (e.g. a copy that did
         * not keep its times) and uses it only if it still matches.
         */
        FULL,
        /**
         * The default. The save returns as with {@link #NONE}, in the same time for any guest
         * size, and the owner ({@link Templating}) hashes the RAM files right after on its
         * background thread (step {@link Step#RAM_CHECKSUM}, reported to the save's listener)
         * and records them in the manifest as {@link Template#recordRamChecksums()} does.
         * Clones start meanwhile and do not wait: as with {@link #NONE}, they refuse a RAM file
         * whose modification time is later than the save. A file the background hashing finds
         * modified after the save (or changed while it was being read) is not recorded: it is
         * logged at ERROR, and this owner refuses every later clone of the template, whatever
         * the file's times say. {@link Template#verifyRamFiles()} waits for the hashing;
         * {@link Template#ramChecksumsRecorded()} tells when it is done. The hashing competes
         * for CPU and disk with whatever runs meanwhile (one thread).
         */
        BACKGROUND,
        /**
         * The save records no RAM checksum, so it takes the same time for any guest size. Clones
         * still refuse a RAM file whose modification time is later than the save (there is
         * nothing to compare it with, so it is never trusted), and
         * {@link Template#verifyRamFiles()} refuses to answer until the checksums are recorded
         * with {@link Template#recordRamChecksums()} (which may run after the save, while
         * clones already run). Copy such a template only with its modification times
         * ({@code cp -a}, {@code rsync -a}).
         */
        NONE
    }

    /** Builds {@link SaveOptions}. Not thread-safe. */
    public static final class Builder {
        private RamChecksum ramChecksum = RamChecksum.BACKGROUND;
        private ProgressListener listener = ProgressListener.NONE;
        private boolean acceptSharedMacs;

        private Builder() {
        }

        /**
         * @param mode when to hash the RAM files (default BACKGROUND); never null
         * @return this
         */
        public Builder ramChecksum(RamChecksum mode) {
            this.ramChecksum = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /**
         * @param listener receives progress; never null
         * @return this
         */
        public Builder listener(ProgressListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * @param accept whether to save a template with a NIC although every clone then gets its
         *               MAC (default false: refused). Accept only when clones never share a
         *               network segment, or get their addresses some other way
         * @return this
         */
        public Builder acceptSharedMacs(boolean accept) {
            this.acceptSharedMacs = accept;
            return this;
        }

        /** @return the options */
        public SaveOptions build() {
            return new SaveOptions(ramChecksum, listener, acceptSharedMacs);
        }
    }
}
