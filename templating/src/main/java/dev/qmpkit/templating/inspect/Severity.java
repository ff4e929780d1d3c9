package dev.qmpkit.templating.inspect;

/** How bad a {@link Finding} is. A report with an {@link #ERROR} is not ready. */
public enum Severity {
    /** The VM must not be used in its role: the result would be wrong, corrupt, or fail. */
    ERROR,
    /** Works, but with a risk the user should decide about (e.g. shared identifiers). */
    WARNING,
    /** Worth knowing; no action needed. */
    INFO
}
