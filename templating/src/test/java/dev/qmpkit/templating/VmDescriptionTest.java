package dev.qmpkit.templating;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.qmpkit.qmp.launch.QemuOption;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class VmDescriptionTest {

    private static VmDescription.Builder base() {
        return VmDescription.builder().accel(Accel.TCG).ram(128L << 20);
    }

    @Test
    void memPathIsRefusedWithTheReasonAndTheAlternative() {
        assertThatThrownBy(() -> base().extraArgs("-mem-path", "/dev/hugepages").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-mem-path")
                .hasMessageContaining("x-ignore-shared")
                .hasMessageContaining("ramBackend");
        assertThatThrownBy(() -> base().extraArgs("--mem-prealloc").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-mem-prealloc");
    }

    @Test
    void machineAndMemoryOptionsMustComeFromTheBuilder() {
        assertThatThrownBy(() -> base().extraArgs("-m", "1G").build()).hasMessageContaining("-m");
        assertThatThrownBy(() -> base().extraArgs("-incoming", "defer").build()).hasMessageContaining("-incoming");
        assertThatThrownBy(() -> base().machineType("q35,memory-backend=x").build())
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void ramLayoutNeedsExactlyOneMainOrNumaNodes() {
        assertThatThrownBy(() -> VmDescription.builder().build()).hasMessageContaining("at least one memory backend");
        assertThatThrownBy(() -> VmDescription.builder().ram(64L << 20)
                .ramBackend(RamBackend.numaNode("n0", 64L << 20)).build()).hasMessageContaining("MAIN");
        assertThatThrownBy(() -> VmDescription.builder().ramBackend(RamBackend.numaNode("n0", 64L << 20))
                .ramBackend(RamBackend.dimm("n0", 64L << 20)).build()).hasMessageContaining("unique");
        assertThatThrownBy(() -> RamBackend.main("ram 0", 64L << 20)).hasMessageContaining("must start with a letter");
        assertThatThrownBy(() -> RamBackend.main("ram0", 1000)).hasMessageContaining("1 MiB");
    }

    @Test
    void defaultsAreQ35WithVmgenidAndSerialLog() {
        VmDescription d = base().build();
        assertThat(d.machineType()).isEqualTo("q35");
        assertThat(d.vmgenid()).isTrue();
        assertThat(d.serialLog()).isTrue();
        assertThat(d.bootRamBytes()).isEqualTo(128L << 20);
        assertThat(d.toBuilder().build()).isEqualTo(d);
    }

    @Test
    void deviceDriversHonourCommaEscaping() {
        VmDescription d = base().device(QemuOption.of("virtio-balloon-pci").set("id", "b,x"))
                .device(QemuOption.keyValues().set("driver", "virtio-mem-pci")).build();
        assertThat(d.deviceDrivers()).containsExactly("virtio-balloon-pci", "virtio-mem-pci");
    }

    @Test
    void bootNeedsKernelOrDisk() {
        assertThatThrownBy(() -> new Boot(null, null, null, null)).isInstanceOf(IllegalArgumentException.class);
        assertThat(Boot.kernel(Path.of("/k")).withAppend("console=ttyS0").append()).isEqualTo("console=ttyS0");
    }
}
