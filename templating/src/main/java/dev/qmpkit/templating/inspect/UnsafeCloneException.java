package dev.qmpkit.templating.inspect;

import dev.qmpkit.qmp.QmpException;
import java.util.List;
import java.util.Objects;

/**
 * Refusal to let a clone's vCPUs run, raised by {@link CloneGuard}: the launched clone has
 * something that would change the template's files or break the clone (e.g. a virtio-balloon
 * while the template file is mapped writable, {@code discard-data=on}, release-ram). The clone
 * is still paused; nothing was resumed.
 */
public class UnsafeCloneException extends QmpException {
    private static final long serialVersionUID = 1L;

    private final transient ReadinessReport report;

    /** @param report the clone-role report with at least one error; never null */
    public UnsafeCloneException(ReadinessReport report) {
        super("refusing to resume the clone (its vCPUs were not started):\n"
                + Objects.requireNonNull(report, "report").render());
        this.report = report;
    }

    /** @return the report; never null (null only after deserialisation) */
    public ReadinessReport report() {
        return report;
    }

    /** @return the error findings; never null */
    public List<Finding> errors() {
        return report == null ? List.of() : report.findings(Severity.ERROR);
    }
}
