package dev.qmpkit.templating.inspect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.qmpkit.qmp.QemuVersion;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The text a user reads from {@code check}: one line per finding, errors first, a verdict line. */
class ReadinessReportTest {

    private static final QemuFeatures FEATURES =
            new QemuFeatures(new QemuVersion(10, 0, 2), true, true, Set.of("x-ignore-shared"), Set.of("uri"));
    private static final MemoryLayout EMPTY = new MemoryLayout(List.of(), null, 0, 0, true, true);

    private static final Finding VMGENID = new Finding(Severity.WARNING, FindingCode.VMGENID_MISSING, "vmgenid",
            "No vmgenid device.", "Add -device vmgenid.");
    private static final Finding BALLOON = new Finding(Severity.ERROR, FindingCode.BALLOON_FREE_PAGE_REPORTING,
            "/machine/peripheral/balloon0", "Free page reporting is on.", "Set free-page-reporting=off.");
    private static final Finding UNUSED = new Finding(Severity.INFO, FindingCode.BACKEND_UNUSED, "spare",
            "Not used.", "Nothing to do.");

    @Test
    void findingRendersSeveritySubjectProblemAndFixOnOneLine() {
        assertThat(BALLOON.render()).isEqualTo("ERROR   BALLOON_FREE_PAGE_REPORTING [/machine/peripheral/balloon0]: "
                + "Free page reporting is on. Fix: Set free-page-reporting=off.");
        assertThat(BALLOON.render()).doesNotContain("\n");
        assertThat(VMGENID.toString()).isEqualTo(VMGENID.render());
    }

    @Test
    void reportListsErrorsFirstUnderAVerdictWithCounts() {
        ReadinessReport report = new ReadinessReport(VmRole.TEMPLATE, new QemuVersion(10, 0, 2), EMPTY, FEATURES,
                List.of(UNUSED, VMGENID, BALLOON));

        assertThat(report.isReady()).isFalse();
        assertThat(report.render().split("\n")).containsExactly(
                "Template check, QEMU 10.0.2: NOT READY (1 error, 1 warning, 1 info)",
                "  " + BALLOON.render(),
                "  " + VMGENID.render(),
                "  " + UNUSED.render());
        assertThat(report.findings(Severity.WARNING)).containsExactly(VMGENID);
        assertThat(report.has(FindingCode.BACKEND_UNUSED)).isTrue();
        assertThat(report.findings(FindingCode.RAM_NOT_FILE)).isEmpty();
    }

    @Test
    void warningsAloneLeaveTheVmReady() {
        ReadinessReport clone = new ReadinessReport(VmRole.CLONE, new QemuVersion(7, 2, 22), EMPTY, FEATURES,
                List.of(VMGENID, VMGENID));
        ReadinessReport clean = new ReadinessReport(VmRole.CLONE, new QemuVersion(7, 2, 22), EMPTY, FEATURES, List.of());

        assertThat(clone.isReady()).isTrue();
        assertThat(clone.render()).startsWith("Clone check, QEMU 7.2.22: READY (0 errors, 2 warnings, 0 info)\n");
        assertThat(clean.render()).isEqualTo("Clone check, QEMU 7.2.22: READY (0 errors, 0 warnings, 0 info)");
    }
}
