package dev.qmpkit.templating.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.qmpkit.templating.Accel;
import dev.qmpkit.templating.Boot;
import dev.qmpkit.templating.Disk;
import dev.qmpkit.templating.RamBackend;
import dev.qmpkit.templating.TemplateManifest.CloneRecipe;
import dev.qmpkit.templating.VmDescription;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class CommandLinesTest {

    private static final Path DIR = Path.of("/tmp/tpl, with comma,share=off");
    private static final UUID GUID = UUID.fromString("11111111-2222-3333-4444-555555555555");

    private static VmDescription description() {
        return VmDescription.builder().accel(Accel.TCG).cpus(2)
                .ramBackend(RamBackend.numaNode("node0", 64L << 20))
                .ramBackend(RamBackend.numaNode("node1", 64L << 20))
                .ramBackend(RamBackend.dimm("dimm0", 128L << 20))
                .boot(Boot.kernel(Path.of("/k,ernel")).withAppend("a,b"))
                .build();
    }

    private static String after(List<String> args, String option, String prefix) {
        for (int i = 0; i < args.size() - 1; i++) {
            if (args.get(i).equals(option) && args.get(i + 1).startsWith(prefix)) {
                return args.get(i + 1);
            }
        }
        throw new AssertionError(option + " " + prefix + "... not in " + args);
    }

    @Test
    void templateBackendsAreSharedFilesAndAPathCannotInjectOptions() {
        List<String> args = CommandLines.template(description(), DIR, DIR.resolve("serial.log"), GUID);
        assertThat(after(args, "-object", "memory-backend-file,id=node0")).isEqualTo(
                "memory-backend-file,id=node0,size=67108864,mem-path=/tmp/tpl,, with comma,,share=off/mem-node0.ram,share=on");
        assertThat(after(args, "-chardev", "file")).isEqualTo(
                "file,id=qmpkit-serial0,path=/tmp/tpl,, with comma,,share=off/serial.log");
        assertThat(after(args, "-m", "size")).isEqualTo("size=128M,slots=1,maxmem=256M");
        assertThat(after(args, "-numa", "node")).isEqualTo("node,nodeid=0,memdev=node0");
        assertThat(after(args, "-device", "pc-dimm")).isEqualTo("pc-dimm,id=dimm-dimm0,memdev=dimm0");
        assertThat(after(args, "-device", "vmgenid")).isEqualTo("vmgenid,id=qmpkit-vmgenid,guid=" + GUID);
        // -kernel and -append take their argument verbatim (no key=value parsing).
        assertThat(after(args, "-kernel", "/")).isEqualTo("/k,ernel");
        assertThat(after(args, "-machine", "q35")).isEqualTo("q35");
        assertThat(args).contains("-nodefaults").doesNotContain("-incoming", "-S");
    }

    @Test
    void clonesDifferOnlyInSharingMachineSpellingAndIdentity() {
        UUID cloneGuid = UUID.randomUUID();
        UUID uuid = UUID.randomUUID();
        VmDescription d = VmDescription.builder().accel(Accel.TCG).ram(256L << 20).build();
        List<String> tpl = CommandLines.template(d, DIR, null, GUID);
        List<String> ro = CommandLines.clone(d, DIR, "pc-q35-10.0", CloneRecipe.READONLY_PRIVATE, null, cloneGuid, uuid);
        List<String> rw = CommandLines.clone(d, DIR, "pc-q35-7.2", CloneRecipe.WRITABLE_PRIVATE, null, cloneGuid, null);
        assertThat(after(tpl, "-machine", "q35")).isEqualTo("q35,memory-backend=ram0");
        assertThat(after(ro, "-machine", "pc-q35")).isEqualTo("pc-q35-10.0,memory-backend=ram0");
        assertThat(after(ro, "-object", "memory-backend-file")).endsWith("/mem-ram0.ram,share=off,readonly=on,rom=off");
        assertThat(after(rw, "-object", "memory-backend-file")).endsWith("/mem-ram0.ram,share=off");
        assertThat(after(ro, "-device", "vmgenid")).endsWith("guid=" + cloneGuid);
        assertThat(ro).containsSequence("-uuid", uuid.toString()).containsSequence("-incoming", "defer").contains("-S");
        assertThat(rw).doesNotContain("-uuid");
        // Everything else is identical, so backend ids, sizes and devices always match.
        assertThat(after(ro, "-m", "size")).isEqualTo(after(tpl, "-m", "size"));
        assertThat(after(ro, "-device", "pcie-root-port")).isEqualTo(after(tpl, "-device", "pcie-root-port"));
    }

    @Test
    void noCommandLineOfTheSdkEverSetsDiscardData() {
        VmDescription main = VmDescription.builder().accel(Accel.TCG).ram(256L << 20)
                .ramBackend(RamBackend.dimm("dimm0", 128L << 20)).maxMemory(1L << 30).build();
        for (VmDescription d : List.of(description(), main)) {
            List<List<String>> lines = List.of(CommandLines.template(d, DIR, null, GUID),
                    CommandLines.clone(d, DIR, "pc-q35-10.0", CloneRecipe.READONLY_PRIVATE, null, GUID, null),
                    CommandLines.clone(d, DIR, "pc-q35-7.2", CloneRecipe.WRITABLE_PRIVATE, null, GUID, null));
            for (List<String> args : lines) {
                // discard-data=on punches the data out of the RAM file when QEMU quits: the template would be gone.
                assertThat(args).noneMatch(a -> a.contains("discard-data"));
                assertThat(args.stream().filter(a -> a.startsWith("memory-backend-file")).count())
                        .isEqualTo(d.ramBackends().size());
            }
        }
    }

    @Test
    void maxMemoryMakesRoomForVirtioMem_withAndWithoutDimms() {
        VmDescription plain = VmDescription.builder().accel(Accel.TCG).ram(256L << 20).build();
        VmDescription virtioMem = plain.toBuilder().maxMemory(1L << 30).build();
        VmDescription both = description().toBuilder().maxMemory(2L << 30).build();
        assertThat(after(CommandLines.template(plain, DIR, null, GUID), "-m", "size")).isEqualTo("size=256M");
        assertThat(after(CommandLines.template(virtioMem, DIR, null, GUID), "-m", "size"))
                .isEqualTo("size=256M,maxmem=1024M");
        assertThat(after(CommandLines.clone(virtioMem, DIR, "pc-q35-10.0", CloneRecipe.READONLY_PRIVATE, null, GUID,
                null), "-m", "size")).as("clones get the same room, to hot-plug into").isEqualTo("size=256M,maxmem=1024M");
        assertThat(after(CommandLines.template(both, DIR, null, GUID), "-m", "size"))
                .isEqualTo("size=128M,slots=1,maxmem=2048M");
    }

    @Test
    void aTemplateWritesItsDiskLayers_andAClonesOnlyItsOwnOverlays() {
        VmDescription d = VmDescription.builder().accel(Accel.TCG).ram(256L << 20)
                .disk(Disk.overlay("data", Path.of("/base.ext4"), Disk.Format.RAW)).build();
        List<String> tpl = CommandLines.template(d, DIR, null, GUID);
        assertThat(after(tpl, "-drive", "file")).isEqualTo(
                "file=/tmp/tpl,, with comma,,share=off/disk-data.qcow2,format=qcow2,if=none,id=qmpkit-drive-data,"
                        + "file.auto-read-only=off");
        assertThat(after(tpl, "-device", "virtio-blk-pci")).isEqualTo(
                "virtio-blk-pci,drive=qmpkit-drive-data,id=qmpkit-disk-data,serial=data");

        Path overlay = Path.of("/work/clone-1, x/disk-data.qcow2");
        List<String> clone = CommandLines.clone(d, DIR, "pc-q35-10.0", CloneRecipe.READONLY_PRIVATE, null, GUID, null,
                Map.of("data", overlay));
        assertThat(after(clone, "-drive", "file")).isEqualTo(
                "file=/work/clone-1,, x/disk-data.qcow2,format=qcow2,if=none,id=qmpkit-drive-data,"
                        + "file.auto-read-only=off");
        assertThat(after(clone, "-device", "virtio-blk-pci")).isEqualTo(after(tpl, "-device", "virtio-blk-pci"));
        assertThatThrownBy(() -> CommandLines.clone(d, DIR, "pc-q35-10.0", CloneRecipe.READONLY_PRIVATE, null, GUID,
                null, Map.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must never open the template's layer");
    }
}
