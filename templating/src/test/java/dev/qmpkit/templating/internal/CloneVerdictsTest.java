package dev.qmpkit.templating.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.qmpkit.qmp.QemuVersion;
import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.launch.QemuProcess;
import dev.qmpkit.templating.Step;
import dev.qmpkit.templating.inspect.MemoryLayout;
import dev.qmpkit.templating.inspect.QemuFeatures;
import dev.qmpkit.templating.inspect.ReadinessReport;
import dev.qmpkit.templating.inspect.VmRole;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What makes two clones one kind for the guard, on real processes standing in for QEMU (a
 * shell whose {@code $0} plays the per-clone path): the command line the kernel reports, less
 * each clone's own values; and what the verdicts keep. The guard on real QEMU is in
 * {@code CloneGuardIT}.
 */
class CloneVerdictsTest {

    private static final Path TEMPLATE = Path.of("/var/lib/tpl");
    private static final List<Step> BEFORE = List.of(Step.VERIFY_MANIFEST, Step.CLONE_LAUNCH, Step.RESTORE_STATE);
    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void stop() {
        started.forEach(Process::destroyForcibly);
    }

    @Test
    void clonesDifferingOnlyInTheirOwnValuesAreOneKind_anyOtherArgumentOrStepMakesAnother() throws Exception {
        CloneVerdicts.Kind a = kind(standIn("/w/clone-1", "guid=1111"), List.of("/w/clone-1", "1111"), BEFORE);
        CloneVerdicts.Kind b = kind(standIn("/w/clone-2", "guid=2222"), List.of("/w/clone-2", "2222"), BEFORE);
        assertThat(a).isNotNull().isEqualTo(b);
        assertThat(kind(standIn("/w/clone-3", "guid=3333,discard-data=on"), List.of("/w/clone-3", "3333"), BEFORE))
                .as("another argument").isNotEqualTo(a);
        assertThat(kind(standIn("/w/clone-4", "guid=4444"), List.of("/w/clone-4", "4444"),
                List.of(Step.VERIFY_MANIFEST, Step.CLONE_LAUNCH, Step.RESTORE_STATE, Step.IDENTITY)))
                .as("another step before the check").isNotEqualTo(a);
        Process p = standIn("/w/clone-5", "guid=5555");
        assertThat(CloneVerdicts.kindOf(process(p, List.of("/bin/sh")), TEMPLATE, "fp", List.of(), BEFORE))
                .as("not the command line the launcher reports").isNull();
        assertThat(kind(standIn("/w/clone-6", "-readconfig"), List.of("/w/clone-6"), BEFORE))
                .as("a file read at start may change between clones").isNull();
        Process dead = standIn("/w/clone-7", "guid=7777");
        dead.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        assertThat(kind(dead, List.of("/w/clone-7", "7777"), BEFORE)).as("a QEMU that is gone").isNull();
    }

    @Test
    void ownValuesAreMaskedOnlyAsWholeValuesOrPathsUnderTheirDirectory_soTheyNeverMergeTwoKinds() {
        List<String> own = List.of("/w/clone-1", "/run/q-1", "1111-aaaa", "1001:1001");
        assertThat(CloneVerdicts.mask("file,id=s0,path=/w/clone-1/serial.log", own))
                .isEqualTo("file,id=s0,path=<own0>/serial.log");
        assertThat(CloneVerdicts.mask("file=/w/clone-1/d0.qcow2,format=qcow2,if=none,id=d0", own))
                .as("a disk overlay").isEqualTo("file=<own0>/d0.qcow2,format=qcow2,if=none,id=d0");
        assertThat(CloneVerdicts.mask("socket,id=qga0,path=/run/q-1/qga.sock,server=on,wait=off", own))
                .as("the agent socket").isEqualTo("socket,id=qga0,path=<own1>/qga.sock,server=on,wait=off");
        assertThat(CloneVerdicts.mask("vmgenid,guid=1111-aaaa", own)).isEqualTo("vmgenid,guid=<own2>");
        assertThat(CloneVerdicts.mask("1111-aaaa", own)).as("-uuid's value").isEqualTo("<own2>");
        assertThat(CloneVerdicts.mask("exit-with-parent=on,user=1001:1001", own))
                .isEqualTo("exit-with-parent=on,user=<own3>");
        assertThat(CloneVerdicts.mask("memory-backend-file,id=m,size=1001:1001x", own))
                .as("a value that only contains an own value").isEqualTo("memory-backend-file,id=m,size=1001:1001x");
        assertThat(CloneVerdicts.mask("path=/w/clone-10/serial.log", own))
                .as("a sibling directory whose name starts alike").isEqualTo("path=/w/clone-10/serial.log");
        assertThat(CloneVerdicts.mask("file,path=/w/clone-1/a,,b", own))
                .as("an escaped comma stays in its value").isEqualTo("file,path=<own0>/a,,b");
    }

    @Test
    void aPassingVerdictIsKeptPerKind_aRefusalNever_andFirstClonesOfAKindWaitForTheOneThatInspects()
            throws Exception {
        CloneVerdicts verdicts = new CloneVerdicts();
        CloneVerdicts.Kind kind = kind(standIn("/w/clone-1", "guid=1"), List.of("/w/clone-1", "1"), BEFORE);
        AtomicInteger inspections = new AtomicInteger();
        CountDownLatch inspecting = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        QemuVersion v = new QemuVersion(10, 0, 2);
        ReadinessReport ready = new ReadinessReport(VmRole.CLONE, v, new MemoryLayout(List.of(), null, 0, 0, true, true),
                new QemuFeatures(v, true, true, java.util.Set.of(), java.util.Set.of()), List.of());
        Supplier<ReadinessReport> slow = () -> {
            inspections.incrementAndGet();
            inspecting.countDown();
            await(release);
            return ready;
        };
        CompletableFuture<ReadinessReport> first = CompletableFuture.supplyAsync(() -> verdicts.check(kind, slow));
        assertThat(inspecting.await(5, TimeUnit.SECONDS)).isTrue();
        List<CompletableFuture<ReadinessReport>> next = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            next.add(CompletableFuture.supplyAsync(() -> verdicts.check(kind, slow)));
        }
        Thread.sleep(100);
        assertThat(next).as("waiting for the first inspection").noneMatch(CompletableFuture::isDone);
        release.countDown();
        assertThat(first.get(5, TimeUnit.SECONDS)).isSameAs(ready);
        for (CompletableFuture<ReadinessReport> f : next) {
            assertThat(f.get(5, TimeUnit.SECONDS)).isSameAs(ready);
        }
        assertThat(verdicts.check(kind, slow)).isSameAs(ready);
        assertThat(inspections).as("one inspection for six clones of one kind").hasValue(1);

        CloneVerdicts.Kind other = kind(standIn("/w/clone-2", "guid=2,x=y"), List.of("/w/clone-2", "2"), BEFORE);
        AtomicInteger refusals = new AtomicInteger();
        Supplier<ReadinessReport> refuse = () -> {
            refusals.incrementAndGet();
            throw new IllegalStateException("refused");
        };
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> verdicts.check(other, refuse)).hasMessage("refused");
        }
        assertThat(refusals).as("a refused kind is inspected (and refused) each time").hasValue(3);
        AtomicInteger unknown = new AtomicInteger();
        verdicts.check(null, () -> {
            unknown.incrementAndGet();
            return ready;
        });
        verdicts.check(null, () -> {
            unknown.incrementAndGet();
            return ready;
        });
        assertThat(unknown).as("a clone whose kind cannot be told is inspected each time").hasValue(2);
    }

    private static void await(CountDownLatch l) {
        try {
            l.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private CloneVerdicts.Kind kind(Process p, List<String> own, List<Step> steps) {
        return CloneVerdicts.kindOf(process(p, argv(p)), TEMPLATE, "fp", own, steps);
    }

    private final java.util.Map<Process, List<String>> argvs = new java.util.HashMap<>();

    private List<String> argv(Process p) {
        return argvs.get(p);
    }

    /** A shell that sleeps, with {@code path} as its {@code $0} and {@code option} as its first argument. */
    private Process standIn(String path, String option) throws Exception {
        // Two commands, so the shell does not replace itself with sleep.
        List<String> argv = List.of("/bin/sh", "-c", "sleep 60; exit 0", path, option);
        Process p = new ProcessBuilder(argv).start();
        started.add(p);
        argvs.put(p, argv);
        return p;
    }

    private static QemuProcess process(Process p, List<String> commandLine) {
        return new QemuProcess() {
            public long pid() {
                return p.pid();
            }

            public String name() {
                return "stand-in";
            }

            public QmpClient qmp() {
                throw new UnsupportedOperationException();
            }

            public QemuBinary binary() {
                return QemuBinary.of(Path.of("/bin/sh"));
            }

            public QemuVersion version() {
                return new QemuVersion(10, 0, 2);
            }

            public List<String> commandLine() {
                return commandLine;
            }

            public Path runDir() {
                return null;
            }

            public List<Path> extraMonitors() {
                return List.of();
            }

            public boolean isAlive() {
                return p.isAlive();
            }

            public CompletableFuture<Integer> onExit() {
                return p.onExit().thenApply(Process::exitValue);
            }

            public String stderrTail() {
                return "";
            }

            public void kill() {
                p.destroyForcibly();
            }

            public void close() {
                p.destroyForcibly();
            }

            public CompletableFuture<Void> closeAsync() {
                close();
                return CompletableFuture.completedFuture(null);
            }
        };
    }
}
