package dev.qmpkit.samples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.qmpkit.qmp.QmpTimeoutException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * How the command line words the SDK's failures: durations as people write them, the SDK's
 * "Fix:" on the fix line in command-line terms, and no advice twice.
 */
class FailuresTest {

    @Test
    void durationsReadAsPeopleWriteThem() {
        assertThat(Durations.human(Duration.ofSeconds(10))).isEqualTo("10 s");
        assertThat(Durations.human(Duration.ofMillis(250))).isEqualTo("250 ms");
        assertThat(Durations.human(Duration.ofSeconds(90))).isEqualTo("1 min 30 s");
        assertThat(Durations.human(Duration.ofMillis(1500))).isEqualTo("1.5 s");
        assertThat(Durations.humanize("no reply within PT30S; waited PT1M5S, then PT0.5S and PT2H"))
                .isEqualTo("no reply within 30 s; waited 1 min 5 s, then 500 ms and 2 h");
        assertThat(Durations.humanize("OPT10S PT stays")).isEqualTo("OPT10S PT stays");
    }

    @Test
    void theLibrarysFixGoesToTheFixLineInCommandLineTerms() {
        CliFailure f = new CliFailure("template /t was saved by QEMU 7.2.22 (/q72) but the clone would run QEMU "
                + "10.0.2 (/usr/bin/qemu-system-x86_64). Device state is only guaranteed to load on the QEMU that "
                + "saved it. Fix: clone with the template's QEMU (CloneOptions.binary(null)), or save the template "
                + "again with /usr/bin/qemu-system-x86_64.", null, null);
        Failures.Shown shown = Failures.present(f);
        assertThat(shown.message()).endsWith("only guaranteed to load on the QEMU that saved it.")
                .doesNotContain("Fix:");
        assertThat(shown.fix()).isEqualTo("leave out --qemu and --firmware-dir (template clone then runs the "
                + "template's own QEMU), or save the template again: ./qmpkit template create --qemu "
                + "/usr/bin/qemu-system-x86_64.");
    }

    @Test
    void aHintAlreadyInTheMessageIsNotRepeated() {
        // The clone workflow appends the hint to its message; the command line finds the same hint again.
        String hint = "The clone's machine type differs from the template's. Fix: clone with the template's "
                + "VmDescription.";
        CliFailure f = new CliFailure("cloning template /t failed at step RESTORE: Machine type received is "
                + "'pc-q35-7.2' -- " + hint + "\nQEMU stderr: qemu: load of migration failed", hint, null);
        Failures.Shown shown = Failures.present(f);
        assertThat(shown.message()).containsOnlyOnce("differs from the template's").doesNotContain("Fix:")
                .contains("QEMU stderr: qemu: load of migration failed");
        assertThat(shown.fix()).isEqualTo("clone with the template's VmDescription.");
        CliFailure same = new CliFailure("QEMU did not start: install it with apt-get install qemu-system-x86",
                "install it with apt-get install qemu-system-x86", null);
        assertThat(Failures.present(same).fix()).as("said in the message already").isNull();
    }

    @Test
    void aCommandTimeoutReadsInSecondsWithTheCommandLinesAdvice() {
        QmpTimeoutException e = new QmpTimeoutException("QMP command 'query-status' (id qk1) got no reply from "
                + "unix:/s within PT30S; a late reply will be dropped. Is QEMU stopped (SIGSTOP) or busy? Raise "
                + "CommandOptions.timeout for slow commands.", Duration.ofSeconds(30));
        Failures.Shown shown = Failures.present(Failures.explain(e));
        assertThat(shown.message()).isEqualTo("QMP command 'query-status' (id qk1) got no reply from unix:/s "
                + "within 30 s; a late reply will be dropped.");
        assertThat(shown.fix()).contains("kill -CONT").doesNotContain("CommandOptions");
    }
}
