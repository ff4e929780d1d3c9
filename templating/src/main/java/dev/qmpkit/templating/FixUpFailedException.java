package dev.qmpkit.templating;

import dev.qmpkit.templating.fixup.FixUpResult;
import java.util.Objects;

/**
 * A fix-up with {@link dev.qmpkit.templating.fixup.FailurePolicy#FAIL_CLONE} failed, so the
 * clone was not handed out: its QEMU was stopped and its work directory deleted. The message
 * names the fix-up, what went wrong in the guest and the fix.
 */
public class FixUpFailedException extends CloneRestoreException {
    private static final long serialVersionUID = 1L;

    /** The failed fix-up's result. */
    private final transient FixUpResult result;

    /**
     * @param result the failed fix-up's result; never null
     * @param message what failed and the fix; never null
     * @param cause the fix-up's exception; may be null
     */
    public FixUpFailedException(FixUpResult result, String message, Throwable cause) {
        super(Step.FIX_UPS, message, cause);
        this.result = Objects.requireNonNull(result, "result");
    }

    /** @return the failed fix-up's name; never null */
    public String fixUp() {
        return result.name();
    }

    /** @return its result (status {@link FixUpResult.Status#FAILED}); never null */
    public FixUpResult result() {
        return result;
    }
}
