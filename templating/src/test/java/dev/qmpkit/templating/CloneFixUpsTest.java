package dev.qmpkit.templating;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.qmpkit.templating.fixup.ClockFixUp;
import dev.qmpkit.templating.fixup.EntropyFixUp;
import dev.qmpkit.templating.fixup.FailurePolicy;
import dev.qmpkit.templating.fixup.FixUp;
import dev.qmpkit.templating.fixup.FixUpContext;
import dev.qmpkit.templating.fixup.FixUpOutcome;
import dev.qmpkit.templating.fixup.FixUpResult;
import dev.qmpkit.templating.fixup.FixUps;
import dev.qmpkit.templating.fixup.HostnameFixUp;
import dev.qmpkit.templating.fixup.MachineIdFixUp;
import dev.qmpkit.templating.fixup.NetworkFixUp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The fix-up sequence of a clone start, against {@link FakeQemu}, with fix-ups of the test's
 * own (the built-ins in a real guest are ForkCorrectnessIT's): each is reported with its result
 * and time, its failure policy decides whether the clone is handed out, those that need an agent
 * are skipped without one, and a clone left paused runs them at its first resume.
 */
class CloneFixUpsTest extends FakeTemplateTests {

    private final List<FixUpResult> heard = new CopyOnWriteArrayList<>();
    private final List<Step> failedSteps = new CopyOnWriteArrayList<>();

    private CloneOptions.Builder options() {
        return CloneOptions.builder().workDir(workDirs).listener(new ProgressListener() {
            @Override
            public void fixUpFinished(String vmName, FixUpResult result) {
                heard.add(result);
            }

            @Override
            public void stepFailed(Step step, String vmName, Throwable failure) {
                failedSteps.add(step);
            }
        });
    }

    private static FixUp failing(String name) {
        return FixUp.of(name, ctx -> {
            throw new IllegalStateException("the guest's disk is full");
        });
    }

    @Test
    void aFixUpThatFailsWithWarn_isReported_andTheCloneIsHandedOutWithTheRestDone() {
        AtomicInteger after = new AtomicInteger();
        try (CloneVm clone = template.startClone(options().fixUps(failing("certs").onFailure(FailurePolicy.WARN),
                FixUp.of("after", ctx -> FixUpOutcome.of("ran " + after.incrementAndGet()))).build())) {
            assertThat(clone.isAlive()).isTrue();
            CloneReport r = clone.report();
            assertThat(r.pending()).isFalse();
            assertThat(r.fixUps()).extracting(FixUpResult::name, FixUpResult::status).containsExactly(
                    org.assertj.core.groups.Tuple.tuple("certs", FixUpResult.Status.WARNED),
                    org.assertj.core.groups.Tuple.tuple("after", FixUpResult.Status.DONE));
            assertThat(r.warnings()).singleElement().satisfies(w -> {
                assertThat(w.summary()).isEqualTo("the guest's disk is full");
                assertThat(w.failure()).isInstanceOf(IllegalStateException.class);
            });
            assertThat(r.fixUp("after").orElseThrow().summary()).isEqualTo("ran 1");
            assertThat(heard).as("progress events, one per fix-up, as they finish").isEqualTo(r.fixUps());
            assertThat(heard).allSatisfy(f -> assertThat(f.took().isNegative()).isFalse());
        }
    }

    @Test
    void aFixUpThatFailsTheClone_stopsIt_namesTheFixUpAndTheFix_andRunsNoFurtherOnes() throws IOException {
        AtomicBoolean ranAfter = new AtomicBoolean();
        CloneOptions o = options().fixUps(failing("certs"), FixUp.of("after", ctx -> {
            ranAfter.set(true);
            return FixUpOutcome.of("ran");
        })).build();
        assertThatThrownBy(() -> template.startClone(o)).isInstanceOfSatisfying(FixUpFailedException.class, e -> {
            assertThat(e.step()).isEqualTo(Step.FIX_UPS);
            assertThat(e.fixUp()).isEqualTo("certs");
            assertThat(e.result().status()).isEqualTo(FixUpResult.Status.FAILED);
            assertThat(e).hasMessageContaining("fix-up 'certs' failed on clone-")
                    .hasMessageContaining("the guest's disk is full")
                    .hasMessageContaining("onFailure(FailurePolicy.WARN)")
                    .hasCauseInstanceOf(IllegalStateException.class);
        });
        assertThat(ranAfter).isFalse();
        assertThat(heard).extracting(FixUpResult::status).containsExactly(FixUpResult.Status.FAILED);
        assertThat(failedSteps).containsExactly(Step.FIX_UPS);
        assertCloneLeftNothing();
    }

    @Test
    void withoutAnAgentChannel_theStandardFixUpsThatNeedItAreSkipped_andEntropyChecksTheVmgenid() {
        try (CloneVm clone = template.startClone(options().build())) {
            CloneReport r = clone.report();
            assertThat(r.fixUps()).extracting(FixUpResult::name).containsExactly(ClockFixUp.NAME, EntropyFixUp.NAME,
                    MachineIdFixUp.NAME, HostnameFixUp.NAME);
            assertThat(r.fixUps()).filteredOn(f -> !f.name().equals(EntropyFixUp.NAME))
                    .allSatisfy(f -> {
                        assertThat(f.status()).isEqualTo(FixUpResult.Status.SKIPPED);
                        assertThat(f.summary()).contains("VmDescription.guestAgent");
                    });
            EntropyFixUp.Result e = r.detail(EntropyFixUp.Result.class).orElseThrow();
            assertThat(e.vmgenid()).isEqualTo(clone.vmgenid()).isNotNull();
            assertThat(e.generationIdConfirmed()).isTrue();
            assertThat(e.driverBound()).isNull();
            assertThat(e.hostEntropyBytes()).isZero();
            assertThat(e.reseeded()).isFalse();
            assertThat(r.agentReady()).isNull();
            assertThat(r.guestSmbiosUuid()).isNull();
            assertThat(r.qemuUuid()).isEqualTo(clone.uuid());
            assertThatThrownBy(clone::agent).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("guestAgent(true)");
        }
    }

    @Test
    void aClonePausedRunsItsFixUpsAtItsFirstResumeOnly_asAPoolMemberDoesWhenAcquired() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        FixUp counting = FixUp.of("count", ctx -> FixUpOutcome.of("run " + runs.incrementAndGet()));
        try (CloneVm clone = template.startClone(options().resume(false).fixUps(counting).build())) {
            assertThat(clone.report().pending()).isTrue();
            assertThat(clone.report().fixUps()).isEmpty();
            assertThat(runs).hasValue(0);
            clone.resume();
            assertThat(clone.report().pending()).isFalse();
            assertThat(clone.report().fixUp("count").orElseThrow().summary()).isEqualTo("run 1");
            clone.resume();
            assertThat(runs).hasValue(1);
        }
        try (ClonePool pool = templating.startPool(template, 1, options().fixUps(counting).build());
             CloneVm member = pool.acquire()) {
            assertThat(member.report().fixUp("count").orElseThrow().status()).isEqualTo(FixUpResult.Status.DONE);
            assertThat(runs).hasValue(2);
        }
    }

    @Test
    void aFixUpSeesTheClone_andWhatItRegistersOnCloseRunsAfterItsQemuStopped() {
        AtomicReference<FixUpContext> seen = new AtomicReference<>();
        AtomicReference<Boolean> qemuAliveAtRelease = new AtomicReference<>();
        FixUp probe = FixUp.of("probe", ctx -> {
            seen.set(ctx);
            FakeQemu.Fake process = qemu.last();
            ctx.onClose("a lease", () -> qemuAliveAtRelease.set(process.isAlive()));
            return FixUpOutcome.of("seen");
        });
        CloneVm clone = template.startClone(options().fixUps(probe).build());
        FixUpContext ctx = seen.get();
        assertThat(ctx.cloneName()).isEqualTo(clone.name());
        assertThat(ctx.template()).isSameAs(template);
        assertThat(ctx.qmp()).isSameAs(clone.qmp());
        assertThat(ctx.vmgenid()).isEqualTo(clone.vmgenid());
        assertThat(ctx.uuid()).isEqualTo(clone.uuid());
        assertThat(ctx.macAllocator()).isSameAs(templating.macAllocator());
        assertThat(ctx.hotplugBus()).contains(VmDescription.HOTPLUG_PORT_ID);
        assertThat(ctx.workDir()).isEqualTo(clone.workDir());
        assertThat(ctx.hasAgent()).isFalse();
        assertThatThrownBy(ctx::agent).isInstanceOf(IllegalStateException.class);
        assertThat(qemuAliveAtRelease.get()).isNull();
        clone.close();
        assertThat(qemuAliveAtRelease.get()).as("released after QEMU stopped").isFalse();
    }

    @Test
    void aNicTakesItsMacFromTheOwnersAllocator_andGivesItBackOnClose() {
        MacAllocator macs = templating.macAllocator();
        int before = macs.inUse();
        try (CloneVm clone = template.startClone(options().nic(true).build())) {
            assertThat(clone.mac()).startsWith(macs.prefix() + ":");
            assertThat(macs.inUse()).isEqualTo(before + 1);
        }
        assertThat(macs.inUse()).isEqualTo(before);
    }

    @Test
    void optionsRefuseTwoNicsAndTwoFixUpsOfOneName() {
        assertThatThrownBy(() -> CloneOptions.builder().nic(true).addFixUp(FixUps.network()).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("each hot-plug a NIC");
        assertThatThrownBy(() -> CloneOptions.builder().addFixUp(FixUps.clock()).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("two fix-ups are named 'clock'");
        assertThatThrownBy(() -> CloneOptions.builder().agentTimeout(java.time.Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(CloneOptions.defaults().fixUps()).extracting(FixUp::name).containsExactly("clock", "entropy",
                "machine-id", "hostname");
        assertThat(CloneOptions.defaults().awaitAgent()).isTrue();
        assertThat(NetworkFixUp.builder().tap("tap-web3").staticAddress("192.168.50.13/24", "192.168.50.1").build())
                .hasToString("FixUp[network: tap tap-web3, 192.168.50.13/24]");
        assertThatThrownBy(() -> NetworkFixUp.builder().staticAddress("192.168.50.13", null))
                .isInstanceOf(IllegalArgumentException.class);
        FixUp warned = FixUps.clock().onFailure(FailurePolicy.WARN);
        assertThat(warned).hasToString("FixUp[clock] (on failure WARN)");
        assertThat(warned.name()).isEqualTo("clock");
        assertThat(warned.needsAgent()).isTrue();
        assertThat(FixUps.entropy().needsAgent()).as("it checks the vmgenid without one").isFalse();
        assertThat(FixUp.of("mine", ctx -> FixUpOutcome.of("x")).needsAgent()).isFalse();
        assertThatThrownBy(() -> FixUp.of(" ", ctx -> FixUpOutcome.of("x"))).isInstanceOf(IllegalArgumentException.class);
    }

    private void assertCloneLeftNothing() throws IOException {
        assertThat(qemu.last().isAlive()).as("clone QEMU alive").isFalse();
        try (Stream<Path> left = Files.list(workDirs)) {
            assertThat(left).as("clone work directories left").isEmpty();
        }
    }
}
