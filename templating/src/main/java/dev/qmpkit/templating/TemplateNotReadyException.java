package dev.qmpkit.templating;

import dev.qmpkit.templating.inspect.Finding;
import dev.qmpkit.templating.inspect.ReadinessReport;
import java.util.List;
import java.util.Objects;

/**
 * The running VM cannot serve as a template: the readiness check found at least one error
 * (e.g. RAM not in a shared file backend, {@code discard-data=on}, vhost-user devices,
 * release-ram on). Nothing was saved. Each {@link Finding} says what is wrong and how to fix it.
 */
public class TemplateNotReadyException extends TemplatingException {
    private static final long serialVersionUID = 1L;

    private final transient ReadinessReport report;

    /**
     * @param report the failed report; never null
     */
    public TemplateNotReadyException(ReadinessReport report) {
        super("the VM cannot be saved as a template:\n" + Objects.requireNonNull(report, "report").render());
        this.report = report;
    }

    /** @return the report; never null (null only after deserialisation) */
    public ReadinessReport report() {
        return report;
    }

    /** @return the findings, errors first; never null */
    public List<Finding> findings() {
        return report == null ? List.of() : report.findings();
    }
}
