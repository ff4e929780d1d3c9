package dev.qmpkit.templating.inspect;

import static dev.qmpkit.templating.inspect.Vms.MIB;
import static org.assertj.core.api.Assertions.assertThat;

import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.launch.QemuLauncher;
import dev.qmpkit.qmp.launch.QemuProcess;
import dev.qmpkit.qmp.testing.TestQemus;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every readiness finding's fix, pasted: a VM with the problem is started on real QEMU 10.0 and
 * 7.2 (paused, no guest), checked, the fix text is applied as written ({@link PastedFix}: the
 * options in backquotes go where the verb says; a QMP fix is sent to the VM), the VM is started
 * again with the pasted command line, and the finding must be gone, with no new error. A code
 * no VM here can produce is listed in {@link #NOT_PASTABLE} with the reason.
 */
class FixPasteIT {

    /** Codes without a case, and why. */
    static final Map<FindingCode, String> NOT_PASTABLE = Map.of(
            FindingCode.RAM_WITHOUT_BACKEND, "only the x-remote machine (a device process) has RAM in no backend; "
                    + "ReadinessTranscriptTest covers it",
            FindingCode.MULTI_PROCESS, "needs two QEMUs sharing a socketpair, and QEMU 10.0.2's proxy device "
                    + "crashes; ReadinessTranscriptTest covers the findings",
            FindingCode.BALLOON_INFLATED, "needs a guest balloon driver to inflate, which the built-in guest has "
                    + "not: InflatedBalloonIT pastes the fix on the Linux guest (virtio_balloon), and "
                    + "ReadinessTranscriptTest covers the finding",
            FindingCode.IGNORE_SHARED_UNSUPPORTED, "needs a QEMU older than 4.0",
            FindingCode.BACKEND_UNUSED, "information only: nothing to fix");

    @TempDir
    Path tmp;

    /** What a case's command line may use: its own directory and a 128 MiB template RAM file. */
    record Ctx(Path dir, Path templateFile, boolean rom) {
        String templateRam() {
            return "memory-backend-file,id=pc.ram,size=" + 128 * MIB + ",mem-path=" + dir.resolve("template.ram")
                    + ",share=on";
        }

        String cloneRam() {
            return "memory-backend-file,id=pc.ram,size=" + 128 * MIB + ",mem-path=" + templateFile + ","
                    + (rom ? "share=off,readonly=on,rom=off" : "share=off");
        }

        List<String> template(String... more) {
            return with(List.of("-object", templateRam(), "-machine", "memory-backend=pc.ram", "-device", "vmgenid"),
                    more);
        }

        List<String> clone(String... more) {
            return with(List.of("-object", cloneRam(), "-machine", "memory-backend=pc.ram", "-device", "vmgenid"),
                    more);
        }

        private static List<String> with(List<String> base, String... more) {
            List<String> args = new ArrayList<>(base);
            args.addAll(Arrays.asList(more));
            return args;
        }
    }

    /** Which QEMUs a case runs on. */
    enum On { BOTH, ROM_ONLY, NO_ROM_ONLY }

    record Case(String name, VmRole role, FindingCode code, Severity severity, String memory, On on,
                Function<Ctx, List<String>> args, Consumer<QmpClient> prepare) {
        Case(String name, VmRole role, FindingCode code, Severity severity, Function<Ctx, List<String>> args) {
            this(name, role, code, severity, "128M", On.BOTH, args, c -> { });
        }

        Case on(On where) {
            return new Case(name, role, code, severity, memory, where, args, prepare);
        }

        Case memory(String m) {
            return new Case(name, role, code, severity, m, on, args, prepare);
        }

        Case prepare(Consumer<QmpClient> p) {
            return new Case(name, role, code, severity, memory, on, args, p);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static final VmRole T = VmRole.TEMPLATE;
    static final VmRole C = VmRole.CLONE;
    static final Severity E = Severity.ERROR;
    static final Severity W = Severity.WARNING;

    static List<Case> cases() {
        String vmemRam = "memory-backend-ram,id=vmem-mem,size=" + 128 * MIB;
        return List.of(
                new Case("discard-data on a template", T, FindingCode.DISCARD_DATA, E,
                        x -> List.of("-object", x.templateRam() + ",discard-data=on", "-machine",
                                "memory-backend=pc.ram", "-device", "vmgenid")),
                new Case("discard-data on a clone", C, FindingCode.DISCARD_DATA, E,
                        x -> List.of("-object", x.cloneRam() + ",discard-data=on", "-machine",
                                "memory-backend=pc.ram", "-device", "vmgenid")),
                new Case("plain -m as a template", T, FindingCode.RAM_NOT_FILE, E, x -> List.of("-device", "vmgenid")),
                new Case("plain -m as a clone", C, FindingCode.RAM_NOT_FILE, E, x -> List.of("-device", "vmgenid")),
                new Case("memory-backend-ram share=on as a template", T, FindingCode.RAM_NOT_FILE, E,
                        x -> List.of("-object", "memory-backend-ram,id=ram0,size=" + 128 * MIB + ",share=on",
                                "-machine", "memory-backend=ram0", "-device", "vmgenid")),
                new Case("memfd as a template", T, FindingCode.RAM_NOT_FILE, E,
                        x -> List.of("-object", "memory-backend-memfd,id=ram0,size=" + 128 * MIB,
                                "-machine", "memory-backend=ram0", "-device", "vmgenid")),
                new Case("-mem-path DIR as a template", T, FindingCode.RAM_MEM_PATH, E,
                        x -> List.of("-mem-path", directory(x.dir().resolve("mem-path-dir")), "-device", "vmgenid")),
                new Case("-mem-path FILE as a template", T, FindingCode.RAM_MEM_PATH, E,
                        x -> List.of("-mem-path", x.dir().resolve("mem-path.ram").toString(), "-device", "vmgenid")),
                new Case("-mem-path TEMPLATE-FILE as a clone", C, FindingCode.RAM_MEM_PATH, E,
                        x -> List.of("-mem-path", x.templateFile().toString(), "-device", "vmgenid")),
                new Case("file share=off as a template", T, FindingCode.RAM_NOT_SHARED, E,
                        x -> List.of("-object", x.templateRam().replace("share=on", "share=off"),
                                "-machine", "memory-backend=pc.ram", "-device", "vmgenid")),
                new Case("file readonly=on as a template", T, FindingCode.RAM_READONLY, E,
                        x -> List.of("-object", "memory-backend-file,id=pc.ram,size=" + 128 * MIB + ",mem-path="
                                + x.templateFile() + ",readonly=on", "-machine", "memory-backend=pc.ram",
                                "-device", "vmgenid")),
                new Case("file share=on as a clone", C, FindingCode.CLONE_RAM_SHARED, E,
                        x -> List.of("-object", "memory-backend-file,id=pc.ram,size=" + 128 * MIB + ",mem-path="
                                + x.templateFile() + ",share=on", "-machine", "memory-backend=pc.ram",
                                "-device", "vmgenid")),
                new Case("readonly=on without rom=off as a clone", C, FindingCode.CLONE_RAM_READONLY_GUEST, E,
                        x -> List.of("-object", "memory-backend-file,id=pc.ram,size=" + 128 * MIB + ",mem-path="
                                + x.templateFile() + ",share=off,readonly=on", "-machine", "memory-backend=pc.ram",
                                "-device", "vmgenid")),
                new Case("writable private file as a clone", C, FindingCode.CLONE_RAM_WRITABLE_FILE, E,
                        x -> List.of("-object", "memory-backend-file,id=pc.ram,size=" + 128 * MIB + ",mem-path="
                                + x.templateFile() + ",share=off", "-machine", "memory-backend=pc.ram",
                                "-device", "vmgenid")).on(On.ROM_ONLY),
                new Case("balloon with free page reporting", T, FindingCode.BALLOON_FREE_PAGE_REPORTING, E,
                        x -> x.template("-device", "virtio-balloon-pci,id=balloon0,free-page-reporting=on")),
                new Case("non-transitional balloon in a writable clone", C, FindingCode.BALLOON_WITH_WRITABLE_FILE, E,
                        x -> x.clone("-device", "virtio-balloon-pci-non-transitional")).on(On.NO_ROM_ONLY),
                new Case("balloon in a template without rom", T, FindingCode.BALLOON_WITH_WRITABLE_FILE, W,
                        x -> x.template("-device", "virtio-balloon-pci,id=balloon0")).on(On.NO_ROM_ONLY),
                new Case("virtio-mem on a file in a template", T, FindingCode.VIRTIO_MEM, E,
                        x -> x.template("-object", "memory-backend-file,id=vmem-mem,size=" + 128 * MIB + ",mem-path="
                                + x.dir().resolve("vmem.ram") + ",share=on",
                                "-device", "virtio-mem-pci,id=vmem0,memdev=vmem-mem,requested-size=0"))
                        .memory("128M,maxmem=512M"),
                new Case("virtio-mem supplying memory to a template", T, FindingCode.VIRTIO_MEM, E,
                        x -> x.template("-object", vmemRam,
                                "-device", "virtio-mem-pci,id=vmem0,memdev=vmem-mem,requested-size=" + 64 * MIB))
                        .memory("128M,maxmem=512M"),
                new Case("virtio-mem on a private file in a clone", C, FindingCode.VIRTIO_MEM, E,
                        x -> x.clone("-object", "memory-backend-file,id=vmem-mem,size=" + 128 * MIB + ",mem-path="
                                + x.dir().resolve("vmem.ram") + ",share=off",
                                "-device", "virtio-mem-pci,memdev=vmem-mem,requested-size=0"))
                        .memory("128M,maxmem=512M"),
                new Case("release-ram on a template", T, FindingCode.RELEASE_RAM, E, x -> x.template())
                        .prepare(c -> capabilities(c, "release-ram")),
                new Case("release-ram on a clone", C, FindingCode.RELEASE_RAM, E, x -> x.clone())
                        .prepare(c -> capabilities(c, "release-ram")),
                new Case("postcopy-ram on a template", T, FindingCode.POSTCOPY_RAM, E, x -> x.template())
                        .prepare(c -> capabilities(c, "postcopy-ram")),
                new Case("mapped-ram with x-ignore-shared", T, FindingCode.MAPPED_RAM_WITH_IGNORE_SHARED, E,
                        x -> x.template()).prepare(c -> capabilities(c, "mapped-ram", "x-ignore-shared"))
                        .on(On.ROM_ONLY),
                new Case("NIC with an id in a template", T, FindingCode.NIC_MAC_SHARED, E,
                        x -> x.template("-netdev", "user,id=net0",
                                "-device", "virtio-net-pci,id=nic0,netdev=net0,romfile=")),
                new Case("NIC without an id in a template", T, FindingCode.NIC_MAC_SHARED, E,
                        x -> x.template("-netdev", "user,id=net0", "-device", "virtio-net-pci,netdev=net0,romfile=")),
                new Case("UUID in a template", T, FindingCode.UUID_SHARED, W,
                        x -> x.template("-uuid", "5b9d3c3e-4e0f-4a4a-8b1e-0c6a1f4d2e7a")),
                new Case("template without vmgenid", T, FindingCode.VMGENID_MISSING, W,
                        x -> List.of("-object", x.templateRam(), "-machine", "memory-backend=pc.ram")),
                new Case("clone without vmgenid", C, FindingCode.VMGENID_MISSING, W,
                        x -> List.of("-object", x.cloneRam(), "-machine", "memory-backend=pc.ram")));
    }

    static Stream<Arguments> casesOnEachQemu() {
        return TestQemus.all().stream().flatMap(q -> cases().stream().map(c -> Arguments.of(c, q)));
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("casesOnEachQemu")
    void pastingTheFixMakesTheFindingGoAway(Case c, QemuBinary qemu) throws Exception {
        boolean rom = Vms.hasRom(qemu);
        if (c.on() == On.ROM_ONLY && !rom || c.on() == On.NO_ROM_ONLY && rom) {
            return; // the configuration exists, or is a problem, only on the other QEMU; see the other tests
        }
        Path dir = Files.createDirectories(tmp.resolve(c.name().replaceAll("[^A-Za-z0-9]+", "-")));
        Ctx ctx = new Ctx(dir, sparseFile(dir.resolve("from-template.ram")), rom);
        List<String> args = new ArrayList<>(List.of("-M", "q35", "-accel", "tcg", "-m", c.memory(), "-S", "-nodefaults"));
        args.addAll(c.args().apply(ctx));
        Map<String, String> files = Map.of("FILE", dir.resolve("new-template.ram").toString(),
                "TEMPLATE-FILE", ctx.templateFile().toString());

        try (QemuProcess vm = start(qemu, args)) {
            c.prepare().accept(vm.qmp());
            ReadinessReport before = ReadinessChecker.check(vm.qmp(), c.role());
            System.out.printf("[%s] %s%n%s%n", vm.version(), c.name(), before.render());
            List<Finding> found = before.findings(c.code()).stream().filter(f -> f.severity() == c.severity()).toList();
            assertThat(found).as("%s in%n%s", c.code(), before.render()).hasSize(1);
            Finding finding = found.get(0);
            PastedFix fix = PastedFix.parse(finding.fix())
                    .orElseThrow(() -> new AssertionError("no pasteable fix: " + finding.render()));

            ReadinessReport after;
            if (fix.isQmp()) {
                fix.send(vm.qmp());
                after = ReadinessChecker.check(vm.qmp(), c.role());
                System.out.printf("  sent %s%n%s%n", fix, after.render());
                assertFixed(c, before, after);
            } else {
                List<String> pasted = fix.applyTo(args, files);
                System.out.printf("  pasted: %s%n", String.join(" ", pasted));
                try (QemuProcess fixed = start(qemu, pasted)) {
                    after = ReadinessChecker.check(fixed.qmp(), c.role());
                    System.out.println(after.render());
                    assertFixed(c, before, after);
                }
            }
        }
    }

    @Test
    void everyFindingCodeHasAPasteCaseOrASaidReason() {
        Set<FindingCode> covered = cases().stream().map(Case::code).collect(Collectors.toCollection(
                () -> EnumSet.noneOf(FindingCode.class)));
        covered.add(FindingCode.VHOST_USER); // ReadinessCheckerIT#vhostUserBlockDeviceIsReported pastes its fix
        covered.addAll(NOT_PASTABLE.keySet());
        assertThat(covered).containsExactlyInAnyOrder(FindingCode.values());
    }

    private static void assertFixed(Case c, ReadinessReport before, ReadinessReport after) {
        assertThat(after.findings(c.code())).as("after the fix%n%s", after.render())
                .noneMatch(f -> f.severity() == Severity.ERROR || f.severity() == Severity.WARNING);
        Set<FindingCode> errorsBefore = before.findings(Severity.ERROR).stream().map(Finding::code)
                .collect(Collectors.toSet());
        assertThat(after.findings(Severity.ERROR)).as("the fix brings no new error").extracting(Finding::code)
                .allMatch(errorsBefore::contains);
    }

    static QemuProcess start(QemuBinary qemu, List<String> args) {
        return QemuLauncher.builder(qemu).name("fix-paste").args(args).build().start();
    }

    static void capabilities(QmpClient c, String... names) {
        c.blocking().execute("migrate-set-capabilities", Map.of("capabilities",
                Arrays.stream(names).map(n -> Map.of("capability", n, "state", true)).toList()));
    }

    private static String directory(Path dir) {
        try {
            return Files.createDirectories(dir).toString();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A 128 MiB file standing for a saved template's RAM (sparse: no disk used). */
    static Path sparseFile(Path file) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(128 * MIB);
        }
        return file;
    }
}
