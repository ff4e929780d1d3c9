package dev.qmpkit.templating.fixup;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How one {@link FixUp} went on one clone, as the clone's
 * {@link dev.qmpkit.templating.CloneReport} and
 * {@link dev.qmpkit.templating.ProgressListener#fixUpFinished} report it.
 *
 * @param name the fix-up's {@link FixUp#name()}; never null
 * @param status how it ended; never null
 * @param took how long it ran; never null
 * @param summary one line: what it did, or why it failed or was skipped; never null
 * @param detail the value the fix-up returned (e.g. {@link ClockFixUp.Result}), or null
 * @param failure the exception when it failed or warned, or null
 */
public record FixUpResult(String name, Status status, Duration took, String summary, Object detail,
                          Throwable failure) {

    /** How a fix-up ended. */
    public enum Status {
        /** It did what it does. */
        DONE,
        /** It failed, and its policy was {@link FailurePolicy#WARN}: the clone was handed out anyway. */
        WARNED,
        /** It failed, and its policy was {@link FailurePolicy#FAIL_CLONE}: the clone was stopped. */
        FAILED,
        /** It needs the guest agent and the VM has no agent channel; nothing was done. */
        SKIPPED
    }

    /**
     * Validates.
     *
     * @param name the fix-up's name; never null
     * @param status how it ended; never null
     * @param took how long it ran; never null
     * @param summary one line; never null
     * @param detail the fix-up's value, or null
     * @param failure the exception, or null
     */
    public FixUpResult {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(took, "took");
        Objects.requireNonNull(summary, "summary");
    }

    /**
     * @param type the detail's type, e.g. {@code ClockFixUp.Result.class}; never null
     * @param <T> that type
     * @return the detail when it is of that type; never null
     */
    public <T> Optional<T> detail(Class<T> type) {
        return type.isInstance(detail) ? Optional.of(type.cast(detail)) : Optional.empty();
    }

    @Override
    public String toString() {
        return name + " " + status + " in " + took.toMillis() + " ms: " + summary;
    }
}
