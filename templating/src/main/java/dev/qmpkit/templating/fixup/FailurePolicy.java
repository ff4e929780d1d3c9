package dev.qmpkit.templating.fixup;

/** What a failed {@link FixUp} does to the clone it ran on. */
public enum FailurePolicy {
    /**
     * The clone is not handed out: its QEMU is stopped, its work directory deleted, and the
     * start (or the first {@code resume()} of a paused clone) throws
     * {@link dev.qmpkit.templating.FixUpFailedException}. The default: a clone whose clock or
     * random numbers are its siblings' is wrong in ways nobody notices.
     */
    FAIL_CLONE,
    /**
     * The failure is logged at WARN and reported ({@link FixUpResult.Status#WARNED}), and the
     * remaining fix-ups run: for what is nice to have.
     */
    WARN
}
