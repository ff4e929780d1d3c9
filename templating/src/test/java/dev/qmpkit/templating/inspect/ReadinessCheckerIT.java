package dev.qmpkit.templating.inspect;

import static dev.qmpkit.templating.inspect.Vms.MIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.QmpCommandException;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.launch.QemuLauncher;
import dev.qmpkit.qmp.launch.QemuOption;
import dev.qmpkit.qmp.launch.QemuProcess;
import dev.qmpkit.templating.inspect.internal.CapabilityRules;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Configures each pitfall of QEMU's VM templating guide for real on QEMU 10.0 and 7.2 (paused
 * VMs, no guest) and checks that the readiness report names it, with the object it concerns,
 * and that the capability guard refuses what it must.
 */
class ReadinessCheckerIT {

    @TempDir
    Path tmp;

    private String templateRam() {
        return Vms.sharedFile("pc.ram", 128 * MIB, tmp.resolve("ram"));
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void properTemplateWithVmgenidHasNoFindingAtAll(QemuBinary qemu) {
        try (QemuProcess vm = Vms.start(qemu, "ready-template", "128M", "-object", templateRam(),
                "-machine", "memory-backend=pc.ram", "-device", "vmgenid")) {
            ReadinessChecker.check(vm.qmp(), VmRole.TEMPLATE); // warm-up: schema and class loading
            long t0 = System.nanoTime();
            ReadinessReport report = ReadinessChecker.check(vm.qmp(), VmRole.TEMPLATE);
            System.out.printf("%s: ReadinessChecker.check took %.1f ms%n", vm.version(), (System.nanoTime() - t0) / 1e6);
            System.out.println(report.render());

            assertThat(report.findings()).isEmpty();
            assertThat(report.isReady()).isTrue();
            assertThat(report.render()).startsWith("Template check, QEMU " + vm.version() + ": READY");
        }
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void balloonVirtioMemNicUuidMissingVmgenidAndRiskyCapabilitiesAreEachReported(QemuBinary qemu) {
        try (QemuProcess vm = Vms.start(qemu, "ready-offenders", "128M,maxmem=512M,slots=2",
                "-object", templateRam(), "-machine", "memory-backend=pc.ram",
                "-device", "virtio-balloon-pci,id=balloon0,free-page-reporting=on",
                "-object", QemuOption.of("memory-backend-ram").set("id", "vmem-ram").set("size", 128 * MIB).toString(),
                "-device", "virtio-mem-pci,id=vmem0,memdev=vmem-ram,requested-size=0",
                "-netdev", "user,id=net0",
                // romfile= : the unpacked 7.2 has no iPXE ROMs, and a paused VM needs none
                "-device", "virtio-net-pci,id=nic0,netdev=net0,mac=52:54:00:12:34:56,romfile=",
                "-uuid", "5b9d3c3e-4e0f-4a4a-8b1e-0c6a1f4d2e7a")) {
            QmpClient qmp = vm.qmp();
            ReadinessReport report = ReadinessChecker.check(qmp, VmRole.TEMPLATE);
            System.out.println(report.render());

            assertThat(report.isReady()).isFalse();
            assertThat(only(report, FindingCode.BALLOON_FREE_PAGE_REPORTING))
                    .satisfies(f -> assertThat(f.severity()).isEqualTo(Severity.ERROR))
                    .satisfies(f -> assertThat(f.subject()).isEqualTo("/machine/peripheral/balloon0"));
            assertThat(only(report, FindingCode.VIRTIO_MEM))
                    .satisfies(f -> assertThat(f.subject()).isEqualTo("/machine/peripheral/vmem0"))
                    .satisfies(f -> assertThat(f.problem()).contains("follows the guide's recipe"));
            assertThat(only(report, FindingCode.VIRTIO_MEM).severity())
                    .as("requested-size=0 on a non-template backend is the guide's allowed template recipe")
                    .isEqualTo(Severity.INFO);
            assertThat(report.findings(FindingCode.RAM_NOT_FILE))
                    .as("virtio-mem's own RAM backend must not be the template file, so it is no RAM finding")
                    .isEmpty();
            assertThat(only(report, FindingCode.NIC_MAC_SHARED).problem()).contains("52:54:00:12:34:56");
            assertThat(only(report, FindingCode.NIC_MAC_SHARED).severity()).as("refused unless accepted")
                    .isEqualTo(Severity.ERROR);
            assertThat(only(report.acceptingSharedMacs(), FindingCode.NIC_MAC_SHARED).severity())
                    .isEqualTo(Severity.WARNING);
            assertThat(only(report, FindingCode.UUID_SHARED).subject()).isEqualTo("5b9d3c3e-4e0f-4a4a-8b1e-0c6a1f4d2e7a");
            assertThat(only(report, FindingCode.VMGENID_MISSING).severity()).isEqualTo(Severity.WARNING);
            assertThat(report.has(FindingCode.BALLOON_INFLATED)).as("nothing inflated it").isFalse();
            assertThat(report.has(FindingCode.RELEASE_RAM)).isFalse();

            // Asking virtio-mem for memory makes the template carry RAM it cannot share.
            qmp.blocking().execute("qom-set", Map.of("path", "/machine/peripheral/vmem0",
                    "property", "requested-size", "value", 64 * MIB));
            assertThat(only(ReadinessChecker.check(qmp, VmRole.TEMPLATE), FindingCode.VIRTIO_MEM).severity())
                    .isEqualTo(Severity.ERROR);

            // Enabled behind the guard's back, as another tool might have done.
            qmp.blocking().execute("migrate-set-capabilities", Map.of("capabilities", List.of(
                    Map.of("capability", "release-ram", "state", true),
                    Map.of("capability", "postcopy-ram", "state", true))));
            ReadinessReport asTemplate = ReadinessChecker.check(qmp, VmRole.TEMPLATE);
            ReadinessReport asClone = ReadinessChecker.check(qmp, VmRole.CLONE);
            System.out.println(asClone.render());
            assertThat(only(asTemplate, FindingCode.RELEASE_RAM).severity())
                    .as("the guide lists release-ram as incompatible; TemplateNotReadyException says it refuses the save")
                    .isEqualTo(Severity.ERROR);
            assertThat(only(asTemplate, FindingCode.POSTCOPY_RAM).severity()).isEqualTo(Severity.ERROR);
            assertThat(only(asClone, FindingCode.RELEASE_RAM).severity()).isEqualTo(Severity.ERROR);
            assertThat(only(asClone, FindingCode.POSTCOPY_RAM).subject()).isEqualTo("postcopy-ram");

            // QEMU's own refusal gets an actionable hint.
            assertThatThrownBy(() -> qmp.blocking().execute("migrate-set-capabilities", Map.of("capabilities",
                    List.of(Map.of("capability", "x-ignore-shared", "state", true)))))
                    .isInstanceOf(QmpCommandException.class)
                    .satisfies(e -> assertThat(QemuErrorHints.find(e)).get()
                            .satisfies(h -> assertThat(h.fix()).contains("Turn postcopy-ram off")));
        }
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void guardRefusesReleaseRamAndPostcopyOnACloneAndLeavesThemOff(QemuBinary qemu) {
        QemuFeatures features;
        try (QemuProcess probe = QemuLauncher.builder(qemu).name("ready-features").args("-M", "none").build().start()) {
            features = QemuFeatures.detect(probe.qmp());
        }
        Path file = tmp.resolve("template-ram");
        QemuOption clone = QemuOption.of("memory-backend-file").set("id", "pc.ram").set("size", 128 * MIB)
                .set("mem-path", file).set("share", false);
        if (features.readonlyCloneRecipe()) {
            clone.set("readonly", true).set("rom", "off");
        }
        try (QemuProcess template = Vms.start(qemu, "ready-make-file", "128M", "-object", templateRam().replace(
                tmp.resolve("ram").toString(), file.toString()), "-machine", "memory-backend=pc.ram")) {
            assertThat(Files.exists(file)).isTrue();
        }
        try (QemuProcess vm = Vms.start(qemu, "ready-clone", "128M", "-object", clone.toString(),
                "-machine", "memory-backend=pc.ram", "-device", "vmgenid")) {
            QmpClient qmp = vm.qmp();

            assertThatThrownBy(() -> MigrationCapabilityGuard.setCapabilities(qmp, VmRole.CLONE,
                    Map.of("release-ram", true)))
                    .isInstanceOf(UnsafeCapabilityException.class)
                    .hasMessageContaining("Refusing to enable release-ram on a clone")
                    .hasMessageContaining("Fix:");
            assertThatThrownBy(() -> MigrationCapabilityGuard.setCapabilities(qmp, VmRole.CLONE,
                    Map.of("postcopy-ram", true)))
                    .isInstanceOf(UnsafeCapabilityException.class)
                    .satisfies(e -> assertThat(((UnsafeCapabilityException) e).capability()).isEqualTo("postcopy-ram"));
            MigrationCapabilityGuard.setCapabilities(qmp, VmRole.CLONE, Map.of("x-ignore-shared", true));

            Map<String, Boolean> now = CapabilityRules.current(qmp);
            assertThat(now).containsEntry("release-ram", false).containsEntry("postcopy-ram", false)
                    .containsEntry("x-ignore-shared", true);
            ReadinessReport report = ReadinessChecker.check(qmp, VmRole.CLONE, features);
            System.out.println(report.render());
            assertThat(report.isReady()).isTrue();
            assertThat(report.memory().isProperClone()).isTrue();
            if (features.readonlyCloneRecipe()) {
                assertThat(report.findings()).isEmpty();
            } else {
                assertThat(report.findings()).extracting(Finding::code)
                        .as("7.2's writable private mapping is a risk worth a warning")
                        .containsExactly(FindingCode.CLONE_RAM_WRITABLE_FILE);
            }
            // On a template too: the guide lists release-ram as incompatible, and the readiness check says so.
            assertThatThrownBy(() -> MigrationCapabilityGuard.setCapabilities(qmp, VmRole.TEMPLATE,
                    Map.of("release-ram", true)))
                    .isInstanceOf(UnsafeCapabilityException.class)
                    .hasMessageContaining("Refusing to enable release-ram on a template");
            assertThat(CapabilityRules.current(qmp)).containsEntry("release-ram", false);
            // Never postcopy together with x-ignore-shared, whatever the role.
            assertThatThrownBy(() -> MigrationCapabilityGuard.setCapabilities(qmp, VmRole.TEMPLATE,
                    Map.of("postcopy-ram", true)))
                    .isInstanceOf(UnsafeCapabilityException.class)
                    .hasMessageContaining("Postcopy is not compatible with ignore-shared");
        }
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void mappedRamWithIgnoreSharedIsReportedWhereQemuHasIt(QemuBinary qemu) {
        try (QemuProcess vm = Vms.start(qemu, "ready-mapped-ram", "128M", "-object", templateRam(),
                "-machine", "memory-backend=pc.ram", "-device", "vmgenid")) {
            QmpClient qmp = vm.qmp();
            QemuFeatures features = QemuFeatures.detect(qmp);
            assertThat(features.hasMappedRam()).as("mapped-ram exists since 9.0").isEqualTo(vm.version().atLeast(9, 0));
            if (!features.hasMappedRam()) {
                return; // 7.2: nothing to configure; the capability does not exist
            }
            qmp.blocking().execute("migrate-set-capabilities", Map.of("capabilities", List.of(
                    Map.of("capability", "mapped-ram", "state", true),
                    Map.of("capability", "x-ignore-shared", "state", true))));
            ReadinessReport report = ReadinessChecker.check(qmp, VmRole.TEMPLATE, features);
            System.out.println(report.render());
            assertThat(report.findings()).extracting(Finding::code)
                    .containsExactly(FindingCode.MAPPED_RAM_WITH_IGNORE_SHARED);
            assertThat(report.isReady()).isFalse();
            assertThatThrownBy(() -> MigrationCapabilityGuard.check(VmRole.TEMPLATE, CapabilityRules.current(qmp),
                    Map.of("mapped-ram", true)))
                    .isInstanceOf(UnsafeCapabilityException.class);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void legacyRamAndMemPathAreReportedWithTheBackendToUseInstead(QemuBinary qemu) throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("mem-path-dir"));
        try (QemuProcess legacy = Vms.start(qemu, "ready-legacy", "128M", "-device", "vmgenid");
             QemuProcess memPath = Vms.start(qemu, "ready-mem-path", "128M", "-mem-path", dir.toString(),
                     "-device", "vmgenid")) {
            ReadinessReport plain = ReadinessChecker.check(legacy.qmp(), VmRole.TEMPLATE);
            ReadinessReport file = ReadinessChecker.check(memPath.qmp(), VmRole.TEMPLATE);
            System.out.println(plain.render());
            System.out.println(file.render());

            assertThat(plain.findings()).extracting(Finding::code).containsExactly(FindingCode.RAM_NOT_FILE);
            assertThat(plain.findings().get(0).fix()).contains("memory-backend-file,id=pc.ram,size=134217728")
                    .contains("share=on");
            assertThat(file.findings()).extracting(Finding::code).containsExactly(FindingCode.RAM_MEM_PATH);
            assertThat(file.findings().get(0).problem()).contains(dir.toString());
        }
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void vhostUserBlockDeviceIsReported(QemuBinary qemu) throws Exception {
        Path socket = tmp.resolve("vhost-user-blk.sock");
        // qemu-storage-daemon is the stock vhost-user backend; it is a test fixture here, not a
        // QEMU the SDK manages, so it is started directly.
        Process daemon = new ProcessBuilder(QemuBinary.system("qemu-storage-daemon").executable().toString(),
                "--blockdev", "driver=null-co,node-name=null0,size=1048576",
                "--export", "type=vhost-user-blk,id=export0,node-name=null0,addr.type=unix,addr.path=" + socket)
                .redirectErrorStream(true).redirectOutput(tmp.resolve("qsd.log").toFile()).start();
        try {
            for (int i = 0; i < 100 && !Files.exists(socket); i++) {
                Thread.sleep(20);
            }
            assertThat(socket).as("qemu-storage-daemon serves its socket").exists();
            List<String> args = List.of("-M", "q35", "-accel", "tcg", "-m", "128M", "-S", "-nodefaults",
                    "-object", templateRam(), "-machine", "memory-backend=pc.ram", "-device", "vmgenid",
                    "-chardev", QemuOption.of("socket").set("id", "vhost0").set("path", socket).toString(),
                    "-device", "vhost-user-blk-pci,id=disk0,chardev=vhost0");
            try (QemuProcess vm = FixPasteIT.start(qemu, args)) {
                ReadinessReport report = ReadinessChecker.check(vm.qmp(), VmRole.TEMPLATE);
                System.out.println(report.render());

                assertThat(report.findings()).extracting(Finding::code).containsExactly(FindingCode.VHOST_USER);
                assertThat(report.findings().get(0).subject()).isEqualTo("/machine/peripheral/disk0");
                assertThat(report.isReady()).isFalse();
                // The fix, pasted, gives a ready template.
                List<String> pasted = PastedFix.parse(report.findings().get(0).fix()).orElseThrow()
                        .applyTo(args, Map.of());
                try (QemuProcess fixed = FixPasteIT.start(qemu, pasted)) {
                    assertThat(ReadinessChecker.check(fixed.qmp(), VmRole.TEMPLATE).findings()).isEmpty();
                }
            }
        } finally {
            daemon.destroy();
            if (!daemon.waitFor(5, TimeUnit.SECONDS)) {
                daemon.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void multiProcessRemoteMachineIsReported(QemuBinary qemu) {
        try (QemuProcess vm = QemuLauncher.builder(qemu).name("ready-x-remote")
                .args("-M", "x-remote", "-accel", "tcg", "-m", "128M", "-S", "-nodefaults").build().start()) {
            ReadinessReport report = ReadinessChecker.check(vm.qmp(), VmRole.TEMPLATE);
            System.out.println(report.render());

            assertThat(only(report, FindingCode.MULTI_PROCESS).problem()).contains("x-remote");
            assertThat(report.has(FindingCode.RAM_WITHOUT_BACKEND)).as("the remote machine has RAM in no backend")
                    .isTrue();
            assertThat(report.isReady()).isFalse();
        }
    }

    private static Finding only(ReadinessReport report, FindingCode code) {
        assertThat(report.findings(code)).as("findings %s in%n%s", code, report.render()).hasSize(1);
        return report.findings(code).get(0);
    }
}
