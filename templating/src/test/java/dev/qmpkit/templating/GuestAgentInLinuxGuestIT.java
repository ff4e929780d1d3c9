package dev.qmpkit.templating;

import static org.assertj.core.api.Assertions.assertThat;

import dev.qmpkit.qmp.agent.BlockingGuestAgent;
import dev.qmpkit.qmp.agent.ExecRequest;
import dev.qmpkit.qmp.agent.ExecResult;
import dev.qmpkit.qmp.agent.GuestAgentCommandInfo;
import dev.qmpkit.qmp.agent.GuestAgentInfo;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.templating.fixup.FixUps;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The guest agent client against the real {@code qemu-ga} inside the real Linux guest, over the
 * virtio-serial channel QEMU serves, on QEMU 10.0 and 7.2: {@code guest-info}, {@code guest-exec}
 * (output, exit code, standard input) and {@code guest-get-time}. The host-side {@code qemu-ga}
 * tests (qmp-client's {@code GuestAgentIT}) cover every command; this shows the same client
 * works through a clone's channel, on the guest the templating tests build.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class GuestAgentInLinuxGuestIT {

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void infoExecAndTimeThroughAClonesChannel(QemuBinary qemu) throws Exception {
        LinuxTemplates.Saved saved = LinuxTemplates.withAgentAndDisk(qemu);
        try (CloneVm clone = saved.template().startClone(CloneOptions.builder().fixUps(FixUps.clock()).build())) {
            BlockingGuestAgent agent = clone.agent().blocking();

            GuestAgentInfo info = agent.info();
            assertThat(info.version()).as("qemu-ga's version").matches("\\d+\\.\\d+.*");
            assertThat(info.commands()).extracting(GuestAgentCommandInfo::name)
                    .contains("guest-info", "guest-exec", "guest-exec-status", "guest-get-time", "guest-set-time");
            assertThat(info.enabled("guest-exec")).isTrue();

            ExecResult uname = agent.exec(ExecRequest.of("uname", "-r"));
            assertThat(uname.exitCode()).as(uname.stderrText()).isZero();
            assertThat(uname.stdoutText()).as("the guest's kernel").startsWith("6.12");

            ExecResult failing = agent.exec(ExecRequest.of("sh", "-c", "echo oops >&2; exit 3"));
            assertThat(failing.exitCode()).isEqualTo(3);
            assertThat(failing.stderrText()).isEqualTo("oops\n");

            ExecResult echoed = agent.exec(ExecRequest.builder("tr").args("a-z", "A-Z").input("from the host\n").build());
            assertThat(echoed.stdoutText()).as("standard input reached the guest's process").isEqualTo("FROM THE HOST\n");

            // The clock fix-up set the guest's clock from the host: get-time must agree with it.
            Duration skew = ForkCorrectnessIT.skew(agent);
            System.out.printf("[%s] qemu-ga %s in the guest, kernel %s, clock skew %d ms%n",
                    saved.template().manifest().qemu().version(), info.version(), uname.stdoutText().strip(),
                    skew.toMillis());
            assertThat(skew.abs()).as("guest-get-time against the host after the clock fix-up")
                    .isLessThan(Duration.ofSeconds(1));
        }
    }
}
