package dev.qmpkit.templating.inspect;

import static dev.qmpkit.templating.inspect.Vms.MIB;
import static org.assertj.core.api.Assertions.assertThat;

import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.launch.QemuOption;
import dev.qmpkit.qmp.launch.QemuProcess;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Reads real VMs' memory backends (QEMU 10.0 and 7.2) and checks what a user relies on: the
 * properties as configured, each backend's role, and the template/clone verdicts.
 */
class MemoryBackendInspectorIT {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void numaNodesAndDimmInSharedFilesServeAsTemplateAndEachBackendHasItsRole(QemuBinary qemu) {
        try (QemuProcess vm = Vms.start(qemu, "inspect-numa", "128M,maxmem=512M,slots=2",
                "-object", Vms.sharedFile("node0", 64 * MIB, tmp.resolve("node0")),
                "-object", Vms.sharedFile("node1", 64 * MIB, tmp.resolve("node,1")),
                "-numa", "node,memdev=node0", "-numa", "node,memdev=node1",
                "-object", Vms.sharedFile("dimm-mem", 128 * MIB, tmp.resolve("dimm")),
                "-device", QemuOption.of("pc-dimm").set("id", "dimm0").set("memdev", "dimm-mem").toString(),
                "-object", QemuOption.of("memory-backend-ram").set("id", "spare").set("size", 32 * MIB).toString())) {
            MemoryLayout layout = MemoryBackendInspector.inspect(vm.qmp());

            assertThat(layout.mainRamBackendId()).isNull();
            assertThat(layout.baseMemory()).isEqualTo(128 * MIB);
            assertThat(layout.pluggedMemory()).isEqualTo(128 * MIB);
            MemoryBackend node1 = layout.backend("node1").orElseThrow();
            assertThat(node1.role()).isEqualTo(BackendRole.NUMA_NODE);
            assertThat(node1.qomType()).isEqualTo("memory-backend-file");
            assertThat(node1.memPath()).as("a comma in the path survives").isEqualTo(tmp.resolve("node,1").toString());
            assertThat(node1.size()).isEqualTo(64 * MIB);
            assertThat(node1.share()).isTrue();
            assertThat(node1.isReadonly()).isFalse();
            assertThat(layout.skippedByIgnoreShared(node1)).isTrue();
            assertThat(node1.origin()).isEqualTo(BackendOrigin.OBJECT);
            MemoryBackend dimm = layout.backend("dimm-mem").orElseThrow();
            assertThat(dimm.role()).isEqualTo(BackendRole.DIMM);
            assertThat(dimm.usedBy()).isEqualTo("dimm0");
            MemoryBackend spare = layout.backend("spare").orElseThrow();
            assertThat(spare.role()).isEqualTo(BackendRole.OTHER);
            assertThat(spare.usedBy()).as("not used by anything").isNull();
            assertThat(layout.canServeAsTemplate()).as("unused RAM backends do not matter").isTrue();
            assertThat(layout.isProperClone()).isFalse();
        }
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void cloneRecipeOfEachVersionIsRecognisedAsAProperClone(QemuBinary qemu) {
        boolean hasRom = !qemu.equals(dev.qmpkit.qmp.testing.TestQemus.qemu72());
        Path file = tmp.resolve("template-ram");
        QemuOption backend = QemuOption.of("memory-backend-file").set("id", "pc.ram").set("size", 128 * MIB)
                .set("mem-path", file).set("share", false);
        if (hasRom) {
            backend.set("readonly", true).set("rom", "off");
        }
        try (QemuProcess created = Vms.start(qemu, "inspect-template-file", "128M",
                "-object", Vms.sharedFile("pc.ram", 128 * MIB, file), "-machine", "memory-backend=pc.ram")) {
            assertThat(MemoryBackendInspector.inspect(created.qmp()).canServeAsTemplate()).isTrue();
        }
        try (QemuProcess clone = Vms.start(qemu, "inspect-clone", "128M",
                "-object", backend.toString(), "-machine", "memory-backend=pc.ram")) {
            MemoryLayout layout = MemoryBackendInspector.inspect(clone.qmp());

            MemoryBackend ram = layout.mainRam().orElseThrow();
            assertThat(ram.id()).isEqualTo("pc.ram");
            assertThat(ram.role()).isEqualTo(BackendRole.MAIN_RAM);
            assertThat(ram.share()).isFalse();
            assertThat(layout.romPropertySupported()).isEqualTo(hasRom);
            if (hasRom) {
                assertThat(ram.isReadonly()).isTrue();
                assertThat(ram.rom()).isEqualTo(RomMode.OFF);
            } else {
                assertThat(ram.rom()).as("7.2 has no rom property").isNull();
            }
            assertThat(layout.isProperClone()).isTrue();
            assertThat(layout.canServeAsTemplate()).isFalse();
        }
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void legacyMinusMMemfdAndMemPathAreNotTemplates(QemuBinary qemu) {
        try (QemuProcess vm = Vms.start(qemu, "inspect-legacy", "128M")) {
            MemoryLayout layout = MemoryBackendInspector.inspect(vm.qmp());
            MemoryBackend ram = layout.mainRam().orElseThrow();
            assertThat(ram.qomType()).as("QEMU's implicit backend for -m").isEqualTo("memory-backend-ram");
            assertThat(ram.origin()).as("read from QEMU's command line").isEqualTo(BackendOrigin.MACHINE_DEFAULT);
            assertThat(ram.memPath()).isNull();
            assertThat(layout.canServeAsTemplate()).isFalse();
        }
        try (QemuProcess vm = Vms.start(qemu, "inspect-memfd", "128M",
                "-object", QemuOption.of("memory-backend-memfd").set("id", "pc.ram").set("size", 128 * MIB)
                        .set("share", true).toString(), "-machine", "memory-backend=pc.ram")) {
            MemoryLayout layout = MemoryBackendInspector.inspect(vm.qmp());
            MemoryBackend ram = layout.mainRam().orElseThrow();
            assertThat(ram.share()).isTrue();
            assertThat(layout.skippedByIgnoreShared(ram))
                    .as("memfd with share=on is migrated in full from 8.1, skipped (saved nowhere) before")
                    .isEqualTo(!vm.version().atLeast(8, 1));
            assertThat(layout.canServeAsTemplate()).isFalse();
        }
    }
}
