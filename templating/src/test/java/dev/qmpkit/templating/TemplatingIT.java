package dev.qmpkit.templating;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.qmpkit.qmp.Futures;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.reliability.Resources;
import dev.qmpkit.templating.guest.BuiltinGuest;
import dev.qmpkit.templating.guest.SerialLog;
import dev.qmpkit.templating.inspect.UnsafeCapabilityException;
import dev.qmpkit.templating.inspect.UnsafeCloneException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The templating workflow on real QEMU 10.0 and 7.2 with the built-in guest (TCG). One
 * template per QEMU is saved once, in a directory whose name has a comma, a space, quotes and
 * a newline, and shared by the tests.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TemplatingIT {

    private static final long RAM = 128L << 20;
    private static final Duration BOOT = Duration.ofSeconds(30);
    /** Comma and space (QEMU option escaping), quotes and a newline (no shell or option injection). */
    private static final String NASTY_NAME = "tpl, it's \"a\",share=off\nx";

    /** Shared by all tests of the class (a @TempDir field is recreated for each test). */
    private Path tmp;

    private final Map<Path, Saved> templates = new ConcurrentHashMap<>();

    private record Saved(Template template, long counterAtSave, Path kernel, UUID templateGuid) {
    }

    @BeforeAll
    void createWorkDir() throws IOException {
        tmp = Files.createTempDirectory("qmpkit-templating-it-");
    }

    @AfterAll
    void deleteWorkDir() throws IOException {
        WorkFiles.deleteTree(tmp);
    }

    static List<QemuBinary> qemus() {
        return dev.qmpkit.qmp.testing.TestQemus.all();
    }

    private static VmDescription description(Path kernel, long ram) {
        return VmDescription.builder().accel(Accel.TCG).ram(ram).boot(Boot.kernel(kernel)).build();
    }

    /** Boots the guest to READY and a few counts, then saves; once per QEMU. */
    private synchronized Saved saved(QemuBinary qemu) throws Exception {
        Saved s = templates.get(qemu.executable());
        if (s != null) {
            return s;
        }
        Path base = Files.createDirectories(tmp.resolve("q" + templates.size()));
        Path kernel = BuiltinGuest.writeKernel(base);
        Path dir = base.resolve(NASTY_NAME);
        List<String> steps = new ArrayList<>();
        Template t;
        UUID guid;
        try (TemplateVm vm = TemplateVm.start(qemu, description(kernel, RAM), dir)) {
            assertThat(Files.getPosixFilePermissions(dir)).isEqualTo(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            SerialLog.awaitReady(vm.serialLog(), BOOT);
            SerialLog.awaitCountAbove(vm.serialLog(), 5, BOOT);
            guid = vm.vmgenid();
            t = vm.save(new ProgressListener() {
                @Override
                public void stepFinished(Step step, String vmName, Duration took) {
                    steps.add(step + " " + took.toMillis() + " ms");
                }
            });
            assertThat(vm.process().isAlive()).as("the template quits after the save").isFalse();
        }
        assertThat(steps).extracting(x -> x.split(" ")[0]).contains("STOP", "SET_CAPABILITIES", "SAVE_STATE",
                "QUIT_TEMPLATE", "MAKE_DURABLE", "WRITE_MANIFEST");
        TemplateManifest m = t.manifest();
        long counter = BuiltinGuest.readCounter(dir.resolve(m.backends().get(0).file()), 0);
        System.out.printf("[%s] template saved: %s; state %d bytes, migrate %d ms; counter at save %d; steps %s%n",
                m.qemu().version(), m.resolvedMachineType(), m.state().sizeBytes(), m.state().saveMillis(), counter,
                steps);
        assertThat(counter).as("the guest counted before the save").isGreaterThan(5);
        s = new Saved(t, counter, kernel, guid);
        templates.put(qemu.executable(), s);
        return s;
    }

    @ParameterizedTest
    @MethodSource("qemus")
    void fiveClonesResumeWhereTheTemplateStoppedEachWithItsOwnIdentityAndTheTemplateUnchanged(QemuBinary qemu)
            throws Exception {
        Saved s = saved(qemu);
        Template t = s.template();
        String version = t.manifest().qemu().version();
        assertThat(t.manifest().cloneRecipe()).isEqualTo(version.startsWith("7.")
                ? TemplateManifest.CloneRecipe.WRITABLE_PRIVATE : TemplateManifest.CloneRecipe.READONLY_PRIVATE);
        List<CloneVm> clones = new ArrayList<>();
        try {
            for (int i = 0; i < 5; i++) {
                clones.add(t.startClone(CloneOptions.builder().nic(i == 0).build()));
            }
            Set<UUID> guids = new HashSet<>();
            for (CloneVm c : clones) {
                assertThat(c.isAlive()).isTrue();
                assertThat(Futures.await(c.qmp().execute("query-status")).path("status").asText()).isEqualTo("running");
                // Continues from the template's counter: no reboot (no READY), no restart from 0.
                SerialLog log = SerialLog.awaitCountAbove(c.serialLog(), s.counterAtSave() + 20, BOOT);
                assertThat(log.ready()).as("a clone must not boot again").isFalse();
                assertThat(log.firstCount().orElseThrow()).isGreaterThanOrEqualTo(s.counterAtSave());
                String guid = Futures.await(c.qmp().execute("query-vm-generation-id")).path("guid").asText();
                assertThat(UUID.fromString(guid)).isEqualTo(c.vmgenid());
                guids.add(c.vmgenid());
                assertThat(Futures.await(c.qmp().execute("query-uuid")).path("UUID").asText())
                        .isEqualTo(c.uuid().toString());
                System.out.printf("[%s] %s: spawn-to-running %d ms (launch %d, restore %d), %s%n", version, c.name(),
                        c.spawnToRunning().toMillis(), c.launchTime().toMillis(), c.restoreTime().toMillis(),
                        c.memoryUsage());
            }
            assertThat(guids).hasSize(5).doesNotContain(s.templateGuid());
            // QEMU 8.2+: the clone holds the template file open read-only; 7.2 needs it writable (private mapping).
            Path ram = t.ramFiles().get(0);
            for (CloneVm c : clones) {
                assertThat(Resources.openModes(c.pid(), ram)).as("open modes of the template RAM file in %s", c.name())
                        .isNotEmpty()
                        .allMatch(mode -> mode == (t.manifest().cloneRecipe()
                                == TemplateManifest.CloneRecipe.READONLY_PRIVATE ? 0 : 2));
            }
            // The NIC was hot-plugged with the clone's own MAC, from its owner's allocator (never QEMU's range).
            CloneVm withNic = clones.get(0);
            assertThat(withNic.mac()).startsWith(t.templating().macAllocator().prefix() + ":")
                    .doesNotStartWith("52:54:00");
            assertThat(Futures.await(withNic.qmp().execute("qom-get",
                    Map.of("path", "/machine/peripheral/qmpkit-nic0", "property", "mac"))).asText())
                    .isEqualTo(withNic.mac());

            // Clone memory equals the template's: the pattern region of a clone's RAM (pmemsave)
            // is byte-for-byte the template RAM file's.
            CloneVm first = clones.get(1);
            // QEMU opens the file named in pmemsave as its own unprivileged user: into its work directory.
            Path dump = first.workDir().resolve("clone-" + version + ".pmem");
            Futures.await(first.qmp().execute("pmemsave", Map.of("val", BuiltinGuest.PATTERN_START,
                    "size", BuiltinGuest.PATTERN_BYTES, "filename", dump.toString())));
            Path ramFile = t.ramFiles().get(0);
            assertThat(BuiltinGuest.firstPatternMismatch(dump, BuiltinGuest.PATTERN_START)).isEmpty();
            assertThat(region(dump, 0, BuiltinGuest.PATTERN_BYTES))
                    .isEqualTo(region(ramFile, BuiltinGuest.PATTERN_START, BuiltinGuest.PATTERN_BYTES));
            // Each clone kept writing its counter; the clones' counters moved on from the file's.
            long live = Futures.await(BuiltinGuest.readCounter(first.qmp()));
            assertThat(live).isGreaterThan(BuiltinGuest.readCounter(ramFile, 0));
        } finally {
            clones.forEach(CloneVm::close);
        }
        for (CloneVm c : clones) {
            assertThat(c.isAlive()).isFalse();
            assertThat(c.workDir()).doesNotExist();
        }
        // The clones ran and wrote, yet the template file is unchanged.
        t.verifyRamFiles();
        assertThat(BuiltinGuest.readCounter(t.ramFiles().get(0), 0))
                .isEqualTo(s.counterAtSave());
    }

    @ParameterizedTest
    @MethodSource("qemus")
    void poolHandsOutARunningCloneAtOnceAndRefills(QemuBinary qemu) throws Exception {
        Template t = saved(qemu).template();
        List<CloneVm> members;
        try (ClonePool pool = ClonePool.start(t, 2, CloneOptions.defaults())) {
            long deadline = System.nanoTime() + BOOT.toNanos();
            while (pool.available() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(pool.available()).isEqualTo(2);
            List<Double> times = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                while (pool.available() < 2 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                Thread.sleep(100);
                long t0 = System.nanoTime();
                CloneVm c = pool.acquire();
                times.add((System.nanoTime() - t0) / 1e6);
                c.close();
            }
            System.out.printf("[%s] pool acquire ms: %s%n", t.manifest().qemu().version(), times);
            long t0 = System.nanoTime();
            CloneVm vm = pool.acquire();
            double ms = (System.nanoTime() - t0) / 1e6;
            try (vm) {
                System.out.printf("[%s] pool acquire %.3f ms%n", t.manifest().qemu().version(), ms);
                assertThat(Futures.await(vm.qmp().execute("query-status")).path("status").asText())
                        .isEqualTo("running");
                SerialLog.awaitCountAbove(vm.serialLog(), saved(qemu).counterAtSave() + 5, BOOT);
            }
            // A waiting member whose QEMU dies is dropped, cleaned up and replaced.
            while (pool.available() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            CloneVm victim = pool.waiting().get(0);
            victim.process().kill();
            while ((pool.replacedCount() < 1 || pool.available() < 2) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(pool.replacedCount()).isEqualTo(1);
            assertThat(pool.available()).isEqualTo(2);
            assertThat(pool.waiting()).doesNotContain(victim);
            assertThat(victim.workDir()).doesNotExist();
            members = pool.waiting();
            try (CloneVm c = pool.acquire(Duration.ofSeconds(20))) {
                assertThat(c).isNotSameAs(victim);
                assertThat(Futures.await(c.qmp().execute("query-status")).path("status").asText())
                        .isEqualTo("running");
            }
        }
        // Closing the pool stopped every clone still waiting.
        for (CloneVm m : members) {
            assertThat(m.process().onExit()).succeedsWithin(Duration.ofSeconds(10));
            assertThat(m.workDir()).doesNotExist();
        }
    }

    @ParameterizedTest
    @MethodSource("qemus")
    void cloneKilledWhileLoadingItsStateFailsPromptlyAndLeavesNothing(QemuBinary qemu) throws Exception {
        Template t = saved(qemu).template();
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> t.startClone(CloneOptions.builder().listener(new ProgressListener() {
            @Override
            public void stepStarted(Step step, String vmName) {
                if (step == Step.RESTORE_STATE) {
                    ProcessHandle.current().descendants()
                            .filter(p -> p.info().commandLine().orElse("").contains("qmpkit-" + vmName + "-"))
                            .forEach(ProcessHandle::destroyForcibly);
                }
            }
        }).build()))
                .isInstanceOf(CloneRestoreException.class)
                .satisfies(e -> assertThat(((CloneRestoreException) e).step()).isEqualTo(Step.RESTORE_STATE))
                .hasMessageContaining(t.manifest().qemu().version());
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
        assertThat(ProcessHandle.current().descendants()
                .filter(p -> p.info().commandLine().orElse("").contains("-incoming"))).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("qemus")
    void aVmThatCannotBeATemplateIsRefusedWithFindingsAndLeftUntouched(QemuBinary qemu) throws Exception {
        Path kernel = saved(qemu).kernel();
        Path dir = tmp.resolve("fpr-" + qemu.executable().toString().hashCode());
        VmDescription d = description(kernel, 64L << 20).toBuilder()
                .device(dev.qmpkit.qmp.launch.QemuOption.of("virtio-balloon-pci").set("id", "balloon0")
                        .set("free-page-reporting", true).set("romfile", ""))
                .build();
        try (TemplateVm vm = TemplateVm.start(qemu, d, dir)) {
            SerialLog.awaitReady(vm.serialLog(), BOOT);
            assertThatThrownBy(vm::save).isInstanceOf(TemplateNotReadyException.class)
                    .satisfies(e -> assertThat(((TemplateNotReadyException) e).findings())
                            .anyMatch(f -> f.code() == dev.qmpkit.templating.inspect.FindingCode.BALLOON_FREE_PAGE_REPORTING))
                    .hasMessageContaining("Fix:");
            assertThat(Futures.await(vm.qmp().execute("query-status")).path("status").asText()).isEqualTo("running");
            assertThat(vm.isSaved()).isFalse();
        }
        assertThat(dir.resolve(TemplateManifest.FILE_NAME)).doesNotExist();
        assertThat(dir.resolve("state.bin")).doesNotExist();
    }

    @ParameterizedTest
    @MethodSource("qemus")
    void numaNodesAndADimmRoundTrip(QemuBinary qemu) throws Exception {
        Path kernel = saved(qemu).kernel();
        Path dir = tmp.resolve("numa-" + qemu.executable().toString().hashCode());
        VmDescription d = VmDescription.builder().accel(Accel.TCG).cpus(2).boot(Boot.kernel(kernel))
                .ramBackend(RamBackend.numaNode("node0", 64L << 20))
                .ramBackend(RamBackend.numaNode("node1", 64L << 20))
                .ramBackend(RamBackend.dimm("dimm0", 64L << 20))
                .build();
        Template t;
        try (TemplateVm vm = TemplateVm.start(qemu, d, dir)) {
            SerialLog.awaitReady(vm.serialLog(), BOOT);
            t = vm.save();
        }
        assertThat(t.manifest().backends()).extracting(TemplateManifest.BackendFile::id)
                .containsExactly("node0", "node1", "dimm0");
        long counter = BuiltinGuest.readCounter(dir.resolve(t.manifest().backends().get(0).file()), 0);
        try (CloneVm c = t.startClone()) {
            SerialLog log = SerialLog.awaitCountAbove(c.serialLog(), counter + 5, BOOT);
            assertThat(log.ready()).isFalse();
            assertThat(Futures.await(c.qmp().execute("query-memory-devices"))).hasSize(1);
        }
        t.verifyRamFiles();
    }

    @ParameterizedTest
    @MethodSource("qemus")
    void aPcMachineTemplateClonesWithAHotPluggedNic(QemuBinary qemu) throws Exception {
        Path kernel = saved(qemu).kernel();
        Path dir = tmp.resolve("pc-" + qemu.executable().toString().hashCode());
        Template t;
        try (TemplateVm vm = TemplateVm.start(qemu, description(kernel, 64L << 20).toBuilder().machineType("pc")
                .build(), dir)) {
            SerialLog.awaitReady(vm.serialLog(), BOOT);
            t = vm.save();
        }
        assertThat(t.manifest().resolvedMachineType()).startsWith("pc-i440fx-");
        long counter = BuiltinGuest.readCounter(dir.resolve(t.manifest().backends().get(0).file()), 0);
        try (CloneVm c = t.startClone(CloneOptions.builder().nic(true).build())) {
            assertThat(SerialLog.awaitCountAbove(c.serialLog(), counter + 5, BOOT).ready()).isFalse();
            assertThat(Futures.await(c.qmp().execute("qom-get",
                    Map.of("path", "/machine/peripheral/qmpkit-nic0", "property", "mac"))).asText())
                    .isEqualTo(c.mac());
        }
    }

    @ParameterizedTest
    @MethodSource("qemus")
    void repeatedClonesLeakNoProcessDescriptorOrDirectory(QemuBinary qemu) throws Exception {
        Template t = saved(qemu).template();
        Path work = Files.createDirectories(tmp.resolve("cycles-" + qemu.executable().toString().hashCode()));
        CloneOptions o = CloneOptions.builder().workDir(work).build();
        t.startClone(o).close(); // warm-up: lazily created client resources are not leaks
        int fds = Resources.now().fds();
        long children = ProcessHandle.current().children().count();
        for (int i = 0; i < 10; i++) {
            try (CloneVm c = t.startClone(o)) {
                assertThat(c.isAlive()).isTrue();
            }
        }
        assertThat(ProcessHandle.current().children().count()).isEqualTo(children);
        assertThat(Resources.now().fds()).isLessThanOrEqualTo(fds + 2);
        try (Stream<Path> left = Files.list(work)) {
            assertThat(left).isEmpty();
        }
    }

    @ParameterizedTest
    @MethodSource("qemus")
    void execMigrationUriQuotesAPathWithQuotesNewlinesAndCommandSubstitution(QemuBinary qemu) throws Exception {
        Path canary = tmp.resolve("canary");
        Path dir = Files.createDirectories(tmp.resolve("exec 'q' \"d\",x\n$(touch " + canary + ")`touch "
                + canary + "`"));
        Path state = dir.resolve("state 'it'");
        String[] args = {"-M", "none", "-accel", "tcg", "-nodefaults"};
        // Unconfined: exec: needs QEMU to spawn a shell, which the default sandbox refuses (ConfinementIT).
        var none = dev.qmpkit.qmp.launch.Confinement.none();
        try (var src = dev.qmpkit.qmp.launch.QemuLauncher.builder(qemu).args(args).name("exec-src").confinement(none)
                .build().start()) {
            dev.qmpkit.templating.internal.Migrations.run(src.qmp(), "migrate",
                    Map.of("uri", dev.qmpkit.templating.internal.StateChannel.execUri(state, true)),
                    Duration.ofSeconds(20), "exec-src", ProgressListener.NONE);
        }
        assertThat(state).isNotEmptyFile();
        List<String> in = new ArrayList<>(List.of(args));
        in.addAll(List.of("-incoming", "defer"));
        try (var dst = dev.qmpkit.qmp.launch.QemuLauncher.builder(qemu).args(in).name("exec-dst").confinement(none)
                .build().start()) {
            dev.qmpkit.templating.internal.Migrations.run(dst.qmp(), "migrate-incoming",
                    Map.of("uri", dev.qmpkit.templating.internal.StateChannel.execUri(state, false)),
                    Duration.ofSeconds(20), "exec-dst", ProgressListener.NONE);
            assertThat(Futures.await(dst.qmp().execute("query-migrate")).path("status").asText())
                    .isEqualTo("completed");
        }
        assertThat(canary).as("nothing in the path was executed").doesNotExist();
    }

    @ParameterizedTest
    @MethodSource("qemus")
    void qemusOwnErrorReachesTheCallerWithItsMeaning(QemuBinary qemu) throws Exception {
        // A manifest that passes every check but names a backend the state file does not have
        // (as if written by another tool): QEMU itself refuses with "Unknown ramblock".
        Template t = saved(qemu).template();
        TemplateManifest m = t.manifest();
        Path copy = Files.createDirectories(tmp.resolve("renamed-" + m.qemu().version()));
        Files.createSymbolicLink(copy.resolve(m.state().file()), t.directory().resolve(m.state().file()));
        RamBackend renamed = RamBackend.main("other", RAM);
        Files.createSymbolicLink(copy.resolve(renamed.fileName()), t.directory().resolve(m.backends().get(0).file()));
        VmDescription d = m.description().toBuilder().clearRamBackends().ramBackend(renamed).build();
        TemplateManifest forged = dev.qmpkit.templating.internal.ManifestIo.sign(new TemplateManifest(
                m.formatVersion(), m.createdAt(), m.qemu(), m.machineType(), m.resolvedMachineType(),
                m.cloneRecipe(), List.of(new TemplateManifest.BackendFile("other", RamBackend.Kind.MAIN, RAM,
                renamed.fileName(), m.backends().get(0).sha256())), m.state(), d, List.of(), null));
        dev.qmpkit.templating.internal.ManifestIo.write(copy, forged);
        assertThatThrownBy(() -> Template.open(copy).startClone())
                .isInstanceOf(CloneRestoreException.class)
                .hasMessageContaining("Unknown ramblock")
                .hasMessageContaining(m.qemu().version())
                .hasMessageContaining(dev.qmpkit.templating.inspect.QemuErrorHints.find("Unknown ramblock")
                        .orElseThrow().fix())
                .satisfies(e -> System.out.println("[" + m.qemu().version() + "] " + e.getMessage()));
    }

    @ParameterizedTest
    @MethodSource("qemus")
    void twentyClonesStartedAtOnceAllRunAndLeaveNothingBehind(QemuBinary qemu) throws Exception {
        Saved s = saved(qemu);
        long children = ProcessHandle.current().children().count();
        java.util.concurrent.ExecutorService exec = java.util.concurrent.Executors.newFixedThreadPool(20);
        List<java.util.concurrent.Future<CloneVm>> futures = new ArrayList<>();
        List<CloneVm> clones = new ArrayList<>();
        long t0 = System.nanoTime();
        try {
            for (int i = 0; i < 20; i++) {
                futures.add(exec.submit(() -> s.template().startClone()));
            }
            for (var f : futures) {
                clones.add(f.get());
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf("[%s] 20 clones started at once in %d ms%n", s.template().manifest().qemu().version(), ms);
            assertThat(clones).extracting(CloneVm::vmgenid).doesNotHaveDuplicates();
            for (CloneVm c : clones) {
                SerialLog log = SerialLog.awaitCountAbove(c.serialLog(), s.counterAtSave() + 2, BOOT);
                assertThat(log.ready()).isFalse();
            }
        } finally {
            for (var f : futures) {
                try {
                    f.get().close();
                } catch (java.util.concurrent.ExecutionException ignored) {
                    // that start failed; the assertion above reports it
                }
            }
            exec.shutdown();
        }
        assertThat(ProcessHandle.current().children().count()).isEqualTo(children);
        s.template().verifyRamFiles();
    }

    @ParameterizedTest
    @MethodSource("qemus")
    void balloonIsRefusedOnWritablePrivateClonesOnly(QemuBinary qemu) throws Exception {
        Path kernel = saved(qemu).kernel();
        Path dir = tmp.resolve("balloon-" + qemu.executable().toString().hashCode());
        VmDescription d = description(kernel, 64L << 20).toBuilder()
                .device(dev.qmpkit.qmp.launch.QemuOption.of("virtio-balloon-pci").set("id", "balloon0")
                        .set("romfile", ""))
                .build();
        Template t;
        try (TemplateVm vm = TemplateVm.start(qemu, d, dir)) {
            SerialLog.awaitReady(vm.serialLog(), BOOT);
            t = vm.save();
        }
        if (t.manifest().cloneRecipe() == TemplateManifest.CloneRecipe.WRITABLE_PRIVATE) {
            long before = ProcessHandle.current().descendants().count();
            // Refused by the guard on the restored clone (the device as QEMU runs it), before cont.
            assertThatThrownBy(t::startClone).isInstanceOf(UnsafeCloneException.class)
                    .isInstanceOf(TemplatingException.class)
                    .hasMessageContaining("BALLOON_WITH_WRITABLE_FILE")
                    .hasMessageContaining("virtio-balloon-pci")
                    .hasMessageContaining("punches a hole")
                    .hasMessageContaining("Fix: Remove `-device virtio-balloon-pci,id=balloon0`");
            assertThat(ProcessHandle.current().descendants().count()).isEqualTo(before);
            t.verifyRamFiles();
        } else {
            // Read-only recipe: the file cannot be written, so a balloon is safe (QEMU refuses discards).
            try (CloneVm c = t.startClone()) {
                assertThat(c.isAlive()).isTrue();
            }
            t.verifyRamFiles();
        }
    }

    @ParameterizedTest
    @MethodSource("qemus")
    void aPoolOfAChangedTemplateStartsNothingAndSaysWhy(QemuBinary qemu) throws Exception {
        Template t = saved(qemu).template();
        Path copy = Files.createDirectories(tmp.resolve("flipped-" + t.manifest().qemu().version()));
        try (Stream<Path> files = Files.list(t.directory())) {
            for (Path f : files.toList()) {
                Files.createSymbolicLink(copy.resolve(f.getFileName()), f);
            }
        }
        Path state = copy.resolve(t.manifest().state().file());
        Files.delete(state);
        byte[] bytes = Files.readAllBytes(t.directory().resolve(t.manifest().state().file()));
        bytes[bytes.length / 2] ^= 1;
        Files.write(state, bytes);
        long before = ProcessHandle.current().descendants().count();
        try (ClonePool pool = ClonePool.start(Template.open(copy), 2, CloneOptions.defaults())) {
            assertThatThrownBy(() -> pool.acquire(Duration.ofMillis(1500)))
                    .isInstanceOf(TemplatingException.class)
                    .hasMessageContaining("no clone of")
                    .hasMessageContaining("SHA-256")
                    .hasMessageContaining(state.toString());
            assertThat(ProcessHandle.current().descendants().count()).isEqualTo(before);
        }
    }

    @ParameterizedTest
    @MethodSource("qemus")
    void releaseRamIsRefusedOnAClone(QemuBinary qemu) throws Exception {
        Template t = saved(qemu).template();
        try (CloneVm c = t.startClone(CloneOptions.builder().resume(false).build())) {
            // A templating refusal, caught with the rest of them; not a QMP error (QEMU was not asked).
            assertThatThrownBy(() -> c.setMigrationCapabilities(Map.of("release-ram", true)))
                    .isInstanceOf(UnsafeCapabilityException.class)
                    .isInstanceOf(TemplatingException.class)
                    .isNotInstanceOf(dev.qmpkit.qmp.QmpException.class)
                    .hasMessageContaining("release-ram");
            assertThat(Futures.await(c.qmp().execute("query-migrate-capabilities")).findValues("capability")
                    .stream().map(n -> n.asText()).toList()).contains("release-ram");
            boolean on = false;
            for (var cap : Futures.await(c.qmp().execute("query-migrate-capabilities"))) {
                if (cap.path("capability").asText().equals("release-ram")) {
                    on = cap.path("state").asBoolean();
                }
            }
            assertThat(on).as("nothing was sent to QEMU").isFalse();
            assertThat(c.isAlive()).isTrue();
        }
    }

    /**
     * An edited manifest is a {@link ManifestCorruptException} (reason EDITED), whatever field
     * was edited, as the javadocs of {@link Template}, {@link ManifestCorruptException} and
     * {@link TemplatingException} say; re-signed by another tool, a self-contradiction is still
     * corrupt (INCONSISTENT), and an intact manifest whose files differ is a
     * {@link ManifestMismatchException} with its kind.
     */
    @ParameterizedTest
    @MethodSource("qemus")
    void editedManifestIsRefusedBeforeAnyQemuIsLaunched(QemuBinary qemu) throws Exception {
        Template t = saved(qemu).template();
        ObjectMapper json = new ObjectMapper();
        for (String edit : List.of("machineType", "size")) {
            for (boolean resigned : List.of(false, true)) {
                Path copy = Files.createDirectories(tmp.resolve("edited-" + edit + "-" + resigned + "-"
                        + t.manifest().qemu().version()));
                try (Stream<Path> files = Files.list(t.directory())) {
                    for (Path f : files.toList()) {
                        Files.createSymbolicLink(copy.resolve(f.getFileName()), f);
                    }
                }
                Files.delete(copy.resolve(TemplateManifest.FILE_NAME));
                ObjectNode m = (ObjectNode) json.readTree(t.directory().resolve(TemplateManifest.FILE_NAME).toFile());
                if (edit.equals("machineType")) {
                    m.put("machineType", "pc");
                    ((ObjectNode) m.get("description")).put("machineType", "pc");
                } else {
                    ((ObjectNode) m.get("backends").get(0)).put("sizeBytes", RAM * 2);
                    ((ObjectNode) m.get("description").get("ramBackends").get(0)).put("sizeBytes", RAM * 2);
                }
                if (resigned) {
                    m.put("fingerprint", dev.qmpkit.templating.internal.ManifestIo.fingerprint(
                            json.treeToValue(m, TemplateManifest.class)));
                }
                json.writeValue(copy.resolve(TemplateManifest.FILE_NAME).toFile(), m);
                long before = ProcessHandle.current().descendants().count();
                var refused = assertThatThrownBy(() -> Template.open(copy).startClone())
                        .hasMessageContaining(t.manifest().qemu().version())
                        .hasMessageContaining("Fix:");
                if (!resigned) {
                    refused.isInstanceOfSatisfying(ManifestCorruptException.class,
                            e -> assertThat(e.reason()).isEqualTo(ManifestCorruptException.Reason.EDITED))
                            .hasMessageContaining("was modified after the save");
                } else if (edit.equals("machineType")) {
                    // q35's state, a manifest that says pc throughout: it contradicts its resolved type.
                    refused.isInstanceOfSatisfying(ManifestCorruptException.class,
                            e -> assertThat(e.reason()).isEqualTo(ManifestCorruptException.Reason.INCONSISTENT));
                } else {
                    refused.isInstanceOfSatisfying(ManifestMismatchException.class, e -> {
                        assertThat(e.kind()).isEqualTo(ManifestMismatchException.Kind.SIZE);
                        assertThat(e.file()).isEqualTo(copy.resolve(t.manifest().backends().get(0).file()));
                    });
                }
                assertThat(ProcessHandle.current().descendants().count()).as("no QEMU launched").isEqualTo(before);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("qemus")
    void saveKilledMidwayLeavesNoManifest(QemuBinary qemu) throws Exception {
        Path kernel = saved(qemu).kernel();
        Path dir = tmp.resolve("killed-" + qemu.executable().toString().hashCode());
        try (TemplateVm vm = TemplateVm.start(qemu, description(kernel, 64L << 20), dir)) {
            SerialLog.awaitReady(vm.serialLog(), BOOT);
            long[] killedAt = new long[1];
            assertThatThrownBy(() -> vm.save(new ProgressListener() {
                @Override
                public void stepStarted(Step step, String vmName) {
                    if (step == Step.SAVE_STATE) {
                        killedAt[0] = System.nanoTime();
                        vm.process().kill();
                    }
                }
            })).isInstanceOf(TemplateSaveException.class)
                    .satisfies(e -> assertThat(Duration.ofNanos(System.nanoTime() - killedAt[0]))
                            .as("the save fails promptly once QEMU is gone").isLessThan(Duration.ofSeconds(10)))
                    .hasMessageContaining("No manifest was written")
                    .satisfies(e -> assertThat(((TemplateSaveException) e).step()).isEqualTo(Step.SAVE_STATE));
            assertThat(vm.process().isAlive()).isFalse();
        }
        assertThat(dir.resolve(TemplateManifest.FILE_NAME)).doesNotExist();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("state"));
        }
        assertThatThrownBy(() -> Template.open(dir)).isInstanceOf(ManifestCorruptException.class)
                .hasMessageContaining("did not finish");
    }

    private static byte[] region(Path file, long offset, long length) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate((int) length);
            while (buf.hasRemaining()) {
                if (ch.read(buf, offset + buf.position()) < 0) {
                    break;
                }
            }
            return buf.array();
        }
    }
}
