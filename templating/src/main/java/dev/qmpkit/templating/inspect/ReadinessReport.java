package dev.qmpkit.templating.inspect;

import dev.qmpkit.qmp.QemuVersion;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The result of {@link ReadinessChecker#check}: every finding for one VM in one role.
 *
 * @param role the role checked; never null
 * @param qemuVersion the QEMU that was checked; never null
 * @param memory the inspected memory layout; never null
 * @param features what that QEMU supports; never null
 * @param findings ordered by severity (errors first), then code; never null, immutable
 */
public record ReadinessReport(
        VmRole role, QemuVersion qemuVersion, MemoryLayout memory, QemuFeatures features, List<Finding> findings) {

    /**
     * Copies and orders the findings.
     *
     * @param role the role checked; never null
     * @param qemuVersion the QEMU that was checked; never null
     * @param memory the inspected memory layout; never null
     * @param features what that QEMU supports; never null
     * @param findings ordered by severity (errors first), then code; never null, immutable
     */
    public ReadinessReport {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(qemuVersion, "qemuVersion");
        Objects.requireNonNull(memory, "memory");
        Objects.requireNonNull(features, "features");
        findings = Objects.requireNonNull(findings, "findings").stream()
                .sorted(Comparator.comparing(Finding::severity).thenComparing(Finding::code))
                .toList();
    }

    /** How a caller accepts {@link FindingCode#NIC_MAC_SHARED}, as fixes and messages name it. */
    public static final String ACCEPT_SHARED_MACS =
            "SaveOptions.acceptSharedMacs(true), or ./qmpkit check --accept-shared-macs";

    /**
     * The report for a caller who accepts that every clone has the template's NIC MACs
     * ({@link FindingCode#NIC_MAC_SHARED}, an error by default): those findings become warnings,
     * everything else is unchanged. What {@code TemplateVm.save} does with
     * {@code SaveOptions.acceptSharedMacs(true)} and {@code ./qmpkit check --accept-shared-macs}.
     *
     * @return this report with the shared-MAC errors as warnings; never null
     */
    public ReadinessReport acceptingSharedMacs() {
        return new ReadinessReport(role, qemuVersion, memory, features, findings.stream()
                .map(f -> f.code() == FindingCode.NIC_MAC_SHARED && f.severity() == Severity.ERROR
                        ? new Finding(Severity.WARNING, f.code(), f.subject(), f.problem(), f.fix()) : f)
                .toList());
    }

    /** @return whether there is no {@link Severity#ERROR} finding */
    public boolean isReady() {
        return findings.stream().noneMatch(f -> f.severity() == Severity.ERROR);
    }

    /**
     * @param severity a severity; never null
     * @return the findings of that severity; never null
     */
    public List<Finding> findings(Severity severity) {
        return findings.stream().filter(f -> f.severity() == severity).toList();
    }

    /**
     * @param code a code; never null
     * @return the findings with that code; never null
     */
    public List<Finding> findings(FindingCode code) {
        return findings.stream().filter(f -> f.code() == code).toList();
    }

    /**
     * @param code a code; never null
     * @return whether any finding has that code
     */
    public boolean has(FindingCode code) {
        return findings.stream().anyMatch(f -> f.code() == code);
    }

    /**
     * @return a text report: a header line (role, QEMU version, verdict, counts) then one line
     *         per finding ({@link Finding#render()}); never null
     */
    public String render() {
        long errors = findings(Severity.ERROR).size();
        long warnings = findings(Severity.WARNING).size();
        String header = String.format("%s check, QEMU %s: %s (%d error%s, %d warning%s, %d info)",
                role == VmRole.TEMPLATE ? "Template" : "Clone", qemuVersion,
                isReady() ? "READY" : "NOT READY",
                errors, errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s",
                findings.size() - errors - warnings);
        if (findings.isEmpty()) {
            return header;
        }
        return header + "\n" + findings.stream().map(f -> "  " + f.render()).collect(Collectors.joining("\n"));
    }

    @Override
    public String toString() {
        return render();
    }
}
