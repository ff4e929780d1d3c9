package dev.qmpkit.templating;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.qmpkit.qmp.QmpTimeoutException;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.launch.QemuProcess;
import dev.qmpkit.templating.guest.BuiltinGuest;
import dev.qmpkit.templating.guest.SerialLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The agent as a clone's readiness signal, when the agent never answers: the built-in guest on
 * real QEMU 10.0 and 7.2, with an agent channel and no agent behind it. The start fails at its
 * own step within the timeout, with what to check, and leaves no QEMU and no work directory;
 * without the wait the clone is handed out at once. A guest whose agent answers is
 * ForkCorrectnessIT's.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class CloneAgentIT {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void anAgentThatNeverAnswersFailsTheStartAtAwaitAgent_andLeavesNothing(QemuBinary qemu) throws Exception {
        List<QemuProcess> started = new CopyOnWriteArrayList<>();
        try (Templating templating = Templating.builder().launcher(l -> {
            QemuProcess p = l.start();
            started.add(p);
            return p;
        }).build()) {
            VmDescription d = VmDescription.builder().ram(64L << 20).guestAgent(true)
                    .boot(Boot.kernel(BuiltinGuest.writeKernel(tmp))).build();
            Template t;
            try (TemplateVm vm = templating.startTemplate(qemu, d, tmp.resolve("t"))) {
                SerialLog.awaitReady(vm.serialLog(), Duration.ofSeconds(60));
                assertThat(vm.agent().socket()).startsWith(vm.process().runDir());
                t = vm.save();
            }
            Path workDirs = Files.createDirectories(tmp.resolve("clones"));
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> t.startClone(CloneOptions.builder().workDir(workDirs)
                    .agentTimeout(Duration.ofSeconds(2)).build()))
                    .isInstanceOfSatisfying(CloneRestoreException.class,
                            e -> assertThat(e.step()).isEqualTo(Step.AWAIT_AGENT))
                    .hasMessageContaining("failed at step AWAIT_AGENT")
                    .hasMessageContaining("qemu-ga").hasMessageContaining("CloneOptions.agentTimeout")
                    .hasRootCauseInstanceOf(QmpTimeoutException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(20));
            QemuProcess clone = started.get(started.size() - 1);
            assertThat(clone.isAlive()).as("the clone's QEMU is stopped").isFalse();
            try (Stream<Path> left = Files.list(workDirs)) {
                assertThat(left).as("work directories left").isEmpty();
            }

            try (CloneVm c = t.startClone(CloneOptions.builder().awaitAgent(false).fixUps().build())) {
                assertThat(c.isAlive()).isTrue();
                assertThat(c.report().agentReady()).isNull();
                assertThat(c.agent().socket()).startsWith(c.process().runDir());
            }
        }
    }
}
