package dev.qmpkit.templating.inspect;

import dev.qmpkit.qmp.QmpCommandException;
import java.util.List;
import java.util.Optional;

/**
 * Turns QEMU's templating-related error messages (from a QMP error, or QEMU's stderr) into an
 * explanation and a fix, so callers print something a person can act on. Matching is by
 * substring, so surrounding text (device ids, file names) does not matter.
 */
public final class QemuErrorHints {
    private QemuErrorHints() {
    }

    /** @return every known hint, in match order; never null, immutable */
    public static List<ErrorHint> all() {
        return dev.qmpkit.templating.inspect.internal.KnownErrors.HINTS;
    }

    /**
     * @param qemuMessage a message QEMU printed or returned; may be null
     * @return the hint for the first known message it contains; empty for null or unknown text
     */
    public static Optional<ErrorHint> find(String qemuMessage) {
        if (qemuMessage == null) {
            return Optional.empty();
        }
        return all().stream().filter(h -> qemuMessage.contains(h.match())).findFirst();
    }

    /**
     * Looks through a failure and its causes: the description of a {@link QmpCommandException},
     * and every message.
     *
     * @param failure a failure; may be null
     * @return the first hint found; empty when none matches
     */
    public static Optional<ErrorHint> find(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            Optional<ErrorHint> hint = t instanceof QmpCommandException qce ? find(qce.description()) : Optional.empty();
            if (hint.isEmpty()) {
                hint = find(t.getMessage());
            }
            if (hint.isPresent()) {
                return hint;
            }
        }
        return Optional.empty();
    }

    /**
     * @param qemuMessage QEMU's message; may be null
     * @return the message followed by the hint's explanation and fix when one matches, else the
     *         message unchanged ({@code ""} for null); never null
     */
    public static String explain(String qemuMessage) {
        String base = qemuMessage == null ? "" : qemuMessage;
        return find(qemuMessage).map(h -> base + " -- " + h.render()).orElse(base);
    }
}
