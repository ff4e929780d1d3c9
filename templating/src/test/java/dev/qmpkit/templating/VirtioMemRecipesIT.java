package dev.qmpkit.templating;

import static org.assertj.core.api.Assertions.assertThat;

import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.launch.QemuLauncher;
import dev.qmpkit.qmp.launch.QemuOption;
import dev.qmpkit.qmp.launch.QemuProcess;
import dev.qmpkit.qmp.launch.QemuVersionProbe;
import dev.qmpkit.templating.TemplateManifest.CloneRecipe;
import dev.qmpkit.templating.inspect.Finding;
import dev.qmpkit.templating.inspect.FindingCode;
import dev.qmpkit.templating.inspect.ReadinessChecker;
import dev.qmpkit.templating.inspect.ReadinessReport;
import dev.qmpkit.templating.inspect.Severity;
import dev.qmpkit.templating.inspect.VmRole;
import dev.qmpkit.templating.internal.CommandLines;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The two virtio-mem recipes of QEMU's VM templating guide, described with {@link VmDescription}
 * and started from the SDK's own command lines on QEMU 10.0 and 7.2: a template with a
 * virtio-mem device at {@code requested-size=0} on a backend that is not a template file, and
 * virtio-mem devices hot-plugged into a clone. Both need {@code -m maxmem=}, which the
 * description could only produce for DIMMs before {@link VmDescription.Builder#maxMemory}.
 * The clones here are VMs started with the clone's command line (paused, without loading a
 * state): the readiness check judges the running VM, which is the same either way.
 */
class VirtioMemRecipesIT {
    private static final long MIB = 1L << 20;

    @TempDir
    Path dir;

    private static VmDescription.Builder base() {
        return VmDescription.builder().accel(Accel.TCG).ram(128 * MIB).serialLog(false).maxMemory(1024 * MIB);
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void templateWithARequestedSizeZeroDeviceIsReady_andSoAreItsClones(QemuBinary qemu) throws Exception {
        VmDescription d = base()
                .extraArgs("-object", QemuOption.of("memory-backend-ram").set("id", "vmem0-mem").set("size", 256 * MIB)
                        .toString())
                .device(QemuOption.of("virtio-mem-pci").set("id", "vmem0").set("memdev", "vmem0-mem")
                        .set("requested-size", 0))
                .build();
        List<String> template = new ArrayList<>(CommandLines.template(d, dir, null, UUID.randomUUID()));
        template.add("-S");
        try (QemuProcess vm = start(qemu, template)) {
            ReadinessReport report = ReadinessChecker.check(vm.qmp(), VmRole.TEMPLATE);
            System.out.println(report.render());
            assertThat(report.isReady()).isTrue();
            assertThat(report.findings()).extracting(Finding::code, Finding::severity)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(FindingCode.VIRTIO_MEM, Severity.INFO));
        }
        try (QemuProcess clone = start(qemu, cloneLine(qemu, d))) {
            ReadinessReport report = ReadinessChecker.check(clone.qmp(), VmRole.CLONE);
            System.out.println(report.render());
            assertThat(report.isReady()).as(report.render()).isTrue();
            assertThat(report.findings(FindingCode.VIRTIO_MEM)).extracting(Finding::severity)
                    .containsExactly(Severity.INFO);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void cloneWithAVirtioMemDeviceHotPluggedOnItsOwnMemoryIsReady(QemuBinary qemu) throws Exception {
        VmDescription d = base()
                .device(QemuOption.of("pcie-root-port").set("id", "vmem-port").set("chassis", 253).set("slot", 0))
                .build();
        try (QemuProcess clone = start(qemu, cloneLine(qemu, d))) {
            clone.qmp().blocking().execute("object-add", Map.of("qom-type", "memory-backend-ram", "id", "vmem1-mem",
                    "size", 256 * MIB));
            clone.qmp().blocking().execute("device_add", Map.of("driver", "virtio-mem-pci", "id", "vmem1",
                    "memdev", "vmem1-mem", "bus", "vmem-port", "requested-size", 0));
            ReadinessReport report = ReadinessChecker.check(clone.qmp(), VmRole.CLONE);
            System.out.println(report.render());

            assertThat(report.isReady()).as("the guide's own recipe: %s", report.render()).isTrue();
            assertThat(report.findings(FindingCode.VIRTIO_MEM)).singleElement()
                    .satisfies(f -> assertThat(f.severity()).isEqualTo(Severity.INFO))
                    .satisfies(f -> assertThat(f.subject()).isEqualTo("/machine/peripheral/vmem1"));
        }
    }

    /** The clone's command line without {@code -incoming defer}: a paused VM shaped like a clone. */
    private List<String> cloneLine(QemuBinary qemu, VmDescription d) throws Exception {
        boolean rom = QemuVersionProbe.probe(qemu).version().atLeast(8, 2);
        for (RamBackend b : d.ramBackends()) {
            try (RandomAccessFile f = new RandomAccessFile(dir.resolve(b.fileName()).toFile(), "rw")) {
                f.setLength(b.sizeBytes());
            }
        }
        List<String> args = new ArrayList<>(CommandLines.clone(d, dir, "q35",
                rom ? CloneRecipe.READONLY_PRIVATE : CloneRecipe.WRITABLE_PRIVATE, null, UUID.randomUUID(), null));
        int incoming = args.indexOf("-incoming");
        args.subList(incoming, incoming + 2).clear();
        return args;
    }

    private static QemuProcess start(QemuBinary qemu, List<String> args) {
        return QemuLauncher.builder(qemu).name("virtio-mem").args(args).build().start();
    }
}
