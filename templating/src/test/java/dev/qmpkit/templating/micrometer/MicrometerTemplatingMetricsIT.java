package dev.qmpkit.templating.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.qmpkit.qmp.QmpOptions;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.micrometer.MicrometerQmpMetrics;
import dev.qmpkit.templating.Accel;
import dev.qmpkit.templating.Boot;
import dev.qmpkit.templating.CloneOptions;
import dev.qmpkit.templating.ClonePool;
import dev.qmpkit.templating.CloneVm;
import dev.qmpkit.templating.Template;
import dev.qmpkit.templating.TemplateVm;
import dev.qmpkit.templating.Templating;
import dev.qmpkit.templating.VmDescription;
import dev.qmpkit.templating.guest.BuiltinGuest;
import dev.qmpkit.templating.guest.SerialLog;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What a {@code SimpleMeterRegistry} holds after a real save, real clones and a real warm pool
 * of the built-in guest, on QEMU 10.0 and 7.2: the templating meters and, from the same
 * registry, the monitor clients' own.
 */
@Timeout(300)
class MicrometerTemplatingMetricsIT {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void saveClonesAndAPoolAsMeters(QemuBinary qemu) throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Templating templating = Templating.builder().metrics(MicrometerTemplatingMetrics.of(registry))
                .qmpOptions(QmpOptions.builder().metrics(MicrometerQmpMetrics.qmp(registry)).build()).build()) {
            Path kernel = BuiltinGuest.writeKernel(tmp);
            VmDescription description = VmDescription.builder().accel(Accel.TCG).ram(64L << 20)
                    .boot(Boot.kernel(kernel)).build();
            Template template;
            try (TemplateVm vm = templating.startTemplate(qemu, description, tmp.resolve("web"))) {
                SerialLog.awaitReady(vm.serialLog(), Duration.ofSeconds(30));
                template = vm.save();
            }
            for (int i = 0; i < 2; i++) {
                try (CloneVm clone = template.startClone()) {
                    assertThat(clone.isAlive()).isTrue();
                }
            }
            try (ClonePool pool = templating.startPool(template, 2, CloneOptions.defaults())) {
                waitFor(() -> pool.available() == 2);
                assertThat(poolSize(registry)).isEqualTo(2);
                try (CloneVm vm = pool.acquire()) {
                    assertThat(vm.isAlive()).isTrue();
                }
                waitFor(() -> refills(registry) == 3); // two to fill it, one to replace the clone taken
                waitFor(() -> poolSize(registry) == 2);
            }
            assertThat(poolSize(registry)).as("a closed pool holds no clone").isZero();
        }

        Timer save = registry.get("qmpkit.template.save").tag("outcome", "success").timer();
        assertThat(save.count()).isEqualTo(1);
        assertThat(registry.get("qmpkit.templating.step").tag("step", "save_state").timer().count()).isEqualTo(1);
        assertThat(registry.get("qmpkit.templating.step").tag("step", "template_launch").timer().count())
                .isEqualTo(1);
        // Five clones: two started directly, three by the pool.
        Timer starts = registry.get("qmpkit.clone.start").tag("outcome", "success").timer();
        assertThat(starts.count()).isEqualTo(5);
        assertThat(registry.get("qmpkit.clone.start").tag("outcome", "failure").timer().count()).isZero();
        for (String step : new String[] {"verify_manifest", "clone_launch", "restore_state"}) {
            Timer t = registry.get("qmpkit.templating.step").tag("step", step).timer();
            assertThat(t.count()).as(step).isEqualTo(5);
            assertThat(t.totalTime(TimeUnit.NANOSECONDS)).as(step).isPositive();
            assertThat(t.totalTime(TimeUnit.NANOSECONDS)).as(step + " is part of the clone start")
                    .isLessThan(starts.totalTime(TimeUnit.NANOSECONDS));
        }
        assertThat(registry.get("qmpkit.templating.step").tag("step", "resume").timer().count())
                .as("the two direct clones and the one acquired from the pool resumed (the step runs at the first "
                        + "resume); the clones waiting in the pool did not").isEqualTo(3);
        assertThat(registry.get("qmpkit.pool.acquires").tags("template", "web", "outcome", "success").timer()
                .count()).isEqualTo(1);
        assertThat(registry.find("qmpkit.pool.refills").tags("template", "web", "outcome", "failure").counter())
                .as("no refill failed").isNull();
        // The monitors' meters, in the same registry: one incoming migration per clone.
        assertThat(registry.get("qmpkit.qmp.commands").tags("command", "migrate-incoming", "outcome", "success")
                .timer().count()).isEqualTo(5);
        assertThat(registry.get("qmpkit.qmp.commands").tags("command", "migrate", "outcome", "success").timer()
                .count()).isEqualTo(1);
    }

    private static double poolSize(SimpleMeterRegistry registry) {
        return registry.get("qmpkit.pool.size").tag("template", "web").gauge().value();
    }

    private static double refills(SimpleMeterRegistry registry) {
        io.micrometer.core.instrument.Counter c = registry.find("qmpkit.pool.refills")
                .tags("template", "web", "outcome", "success").counter();
        return c == null ? 0 : c.count();
    }

    private static void waitFor(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 60 s").isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
