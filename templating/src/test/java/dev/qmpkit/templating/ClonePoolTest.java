package dev.qmpkit.templating;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The warm pool's bookkeeping under faults real QEMU does not produce on demand (a start that
 * throws an Error, two closes racing), and the owner's close, against {@link FakeQemu}.
 */
class ClonePoolTest extends FakeTemplateTests {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private CloneOptions options;

    @BeforeEach
    void options() {
        options = CloneOptions.builder().workDir(workDirs).build();
    }

    @Test
    void aSecondCloseReturnsOnlyOnceTheFirstHasStoppedEveryMember() throws Exception {
        ClonePool pool = templating.startPool(template, 2, options);
        awaitTrue(() -> pool.available() == 2, "the pool filled");
        List<FakeQemu.Fake> members = clones();
        CountDownLatch stopping = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        qemu.onClose(f -> {
            stopping.countDown();
            await(release);
        });
        CompletableFuture<Void> first = CompletableFuture.runAsync(pool::close);
        assertThat(stopping.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("the first close stops a member").isTrue();
        CompletableFuture.runAsync(release::countDown, CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS));
        pool.close();
        assertThat(members).as("members when the second close() returned")
                .allSatisfy(m -> assertThat(m.closed()).as("%s stopped", m).isTrue());
        first.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    @Test
    void anErrorThrownByAStartDoesNotLeaveThePoolShort() throws Exception {
        AtomicBoolean thrown = new AtomicBoolean();
        qemu.beforeStart(l -> {
            if (thrown.compareAndSet(false, true)) {
                throw new AssertionError("a bug in the launch of " + l.name());
            }
        });
        try (ClonePool pool = templating.startPool(template, 2, options)) {
            awaitTrue(() -> pool.available() == 2, "the pool refilled to its size after the Error");
            assertThat(thrown).isTrue();
            try (CloneVm vm = pool.acquire()) {
                assertThat(vm.isAlive()).isTrue();
            }
        }
    }

    @Test
    void closingTheOwnerStopsItsPoolsClonesAndTemplateVms_andRefusesToStartMore() throws Exception {
        ClonePool pool = templating.startPool(template, 1, options);
        CloneVm clone = templating.startClone(template, options);
        TemplateVm unsaved = templating.startTemplate(qemu.binary(), SaveFailureTest.VM, tmp.resolve("tpl2"));
        awaitTrue(() -> pool.available() == 1, "the pool filled");
        templating.close();
        assertThat(qemu.started()).allSatisfy(p -> assertThat(p.isAlive()).as("%s alive", p).isFalse());
        assertThat(clone.workDir()).doesNotExist();
        assertThatThrownBy(() -> template.startClone(options)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(pool::acquire).isInstanceOf(IllegalStateException.class);
        clone.close(); // the caller's close after the owner's is harmless
        unsaved.close();
        templating.close();
    }

    @Test
    void theDefaultOwnerBehindTheStaticEntryPointsIgnoresClose() {
        Templating.defaults().close();
        Template opened = Template.open(template.directory());
        assertThat(opened.templating()).isSameAs(Templating.defaults());
        // It still starts clones: with real QEMU, which the fake binary is not.
        assertThatThrownBy(() -> opened.startClone(options)).isInstanceOf(CloneRestoreException.class)
                .hasMessageContaining("failed at step CLONE_LAUNCH");
    }

    private List<FakeQemu.Fake> clones() {
        return qemu.started().stream().filter(f -> f.name().startsWith("clone-")).toList();
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() < deadline).as("%s within %s", what, WAIT).isTrue();
            Thread.sleep(20);
        }
    }
}
