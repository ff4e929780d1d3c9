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

    @Test
    void disksAreNamedUniquelyAndEitherLayeredOnABaseOrBlankOfAGivenSize() {
        assertThatThrownBy(() -> Disk.blank("a disk", 1 << 20)).hasMessageContaining("1 to 20 letters");
        assertThatThrownBy(() -> Disk.blank("scratch", 1000)).hasMessageContaining("multiple of 512");
        assertThatThrownBy(() -> new Disk("d", Path.of("/x"), null, 0)).hasMessageContaining("with its format");
        assertThatThrownBy(() -> new Disk("d", Path.of("/x"), Disk.Format.RAW, 4096))
                .hasMessageContaining("sizeBytes must be 0");
        assertThatThrownBy(() -> base().disk(Disk.blank("d", 1 << 20)).disk(Disk.blank("d", 2 << 20)).build())
                .hasMessageContaining("disk ids must be unique");
        Disk d = Disk.overlay("data", Path.of("rel/data.ext4"), Disk.Format.RAW);
        assertThat(d.base()).as("made absolute: clones open it from anywhere").isAbsolute();
        assertThat(d.layerFileName()).isEqualTo("disk-data.qcow2");
        VmDescription v = base().disk(d).guestAgent(true).build();
        assertThat(v.toBuilder().build()).isEqualTo(v);
        assertThat(base().build().disks()).isEmpty();
        assertThat(base().build().guestAgent()).isFalse();
    }
}
