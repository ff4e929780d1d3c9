package dev.qmpkit.templating.inspect;

import dev.qmpkit.templating.TemplatingException;
import java.util.List;
import java.util.Objects;

/**
 * Refusal to let a clone's vCPUs run, raised by {@link CloneGuard}: the launched clone has
 * something that would change the template's files or break the clone (e.g. a virtio-balloon
 * while the template file is mapped writable, {@code discard-data=on}, release-ram). Nothing was
 * resumed. From {@link CloneGuard#verifyBeforeResume} the clone is still paused and the caller
 * stops it; from {@link dev.qmpkit.templating.Template#startClone} its QEMU was already stopped and
 * its work directory removed. A templating refusal, not a QMP error (QEMU would have resumed it):
 * a {@link TemplatingException}, never a {@link dev.qmpkit.qmp.QmpException}.
 */
public class UnsafeCloneException extends TemplatingException {
    private static final long serialVersionUID = 1L;

    private final transient ReadinessReport report;

    /** @param report the clone-role report with at least one error; never null */
    public UnsafeCloneException(ReadinessReport report) {
        this("refusing to resume the clone (its vCPUs were not started)", report);
    }

    /**
     * @param what which clone was refused and what was done with it, e.g. "refusing clone-3 of
     *             template DIR: its QEMU was stopped before any vCPU ran"; never null
     * @param report the clone-role report with at least one error; never null
     */
    public UnsafeCloneException(String what, ReadinessReport report) {
        super(Objects.requireNonNull(what, "what") + ":\n" + Objects.requireNonNull(report, "report").render());
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
