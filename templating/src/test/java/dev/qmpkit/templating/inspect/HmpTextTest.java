package dev.qmpkit.templating.inspect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.qmpkit.templating.inspect.internal.HmpText;
import org.junit.jupiter.api.Test;

/** Parsing the two HMP outputs QMP has no equivalent for, as QEMU 10.0 and 7.2 print them. */
class HmpTextTest {

    // Recorded from QEMU 10.0.2: NUMA nodes n0/n1, a DIMM d0, and an unused backend (empty name).
    private static final String RAMBLOCK_10_0 = "              Block Name    PSize              Offset               Used              Total                HVA  RO\r\n"
            + "                      d0    4 KiB  0x000000000a000000 0x0000000008000000 0x0000000008000000 0x00007f0c6d800000  rw\r\n"
            + "                      n0    4 KiB  0x0000000000000000 0x0000000004000000 0x0000000004000000 0x00007f0c7bfff000  rw\r\n"
            + "                      n1    4 KiB  0x0000000004000000 0x0000000004000000 0x0000000004000000 0x00007f0c77c00000  rw\r\n"
            + "                            4 KiB  0x0000000008000000 0x0000000002000000 0x0000000002000000 0x00007f0c75a00000  rw\r\n"
            + "    /rom@etc/acpi/tables    4 KiB  0x0000000012080000 0x0000000000020000 0x0000000000200000 0x00007f0cc4a00000  ro\r\n"
            + "                 pc.bios    4 KiB  0x0000000012000000 0x0000000000040000 0x0000000000040000 0x00007f0cc5000000  ro\r\n";
    // The same VM on QEMU 7.2.22: no HVA and RO columns.
    private static final String RAMBLOCK_7_2 = "              Block Name    PSize              Offset               Used              Total\r\n"
            + "                      d0    4 KiB  0x000000000a000000 0x0000000008000000 0x0000000008000000\r\n"
            + "                      n0    4 KiB  0x0000000000000000 0x0000000004000000 0x0000000004000000\r\n"
            + "                      n1    4 KiB  0x0000000004000000 0x0000000004000000 0x0000000004000000\r\n"
            + "                            4 KiB  0x0000000008000000 0x0000000002000000 0x0000000002000000\r\n"
            + "                  pc.rom    4 KiB  0x0000000012040000 0x0000000000020000 0x0000000000020000\r\n";

    @Test
    void ramBlockNamesLeaveOutUnregisteredBlocksOnBothVersions() {
        assertThat(HmpText.ramBlockNames(RAMBLOCK_10_0))
                .containsExactly("d0", "n0", "n1", "/rom@etc/acpi/tables", "pc.bios");
        assertThat(HmpText.ramBlockNames(RAMBLOCK_7_2)).containsExactly("d0", "n0", "n1", "pc.rom");
        assertThat(HmpText.ramBlockNames("")).isEmpty();
    }

    @Test
    void networkListsNicsWithMacAndNetdevsWithType() {
        // Recorded from QEMU 10.0.2 (-nic user,model=virtio-net-pci,mac=...), plus a vhost-user line
        // in the format of net/net.c and net/vhost-user.c.
        String info = "virtio-net-pci.0: index=0,type=nic,model=virtio-net-pci,macaddr=52:54:00:12:34:56\r\n"
                + " \\ #net062: index=0,type=user,net=10.0.2.0,restrict=off\r\n"
                + "nic1: index=0,type=nic,model=e1000,macaddr=52:54:00:AB:CD:EF\r\n"
                + " \\ vu0: index=0,type=vhost-user,vhost-user0 to chr0\r\n";

        assertThat(HmpText.netClients(info)).containsExactly(
                new HmpText.NetClient("virtio-net-pci.0", "nic", "virtio-net-pci", "52:54:00:12:34:56"),
                new HmpText.NetClient("#net062", "user", null, null),
                new HmpText.NetClient("nic1", "nic", "e1000", "52:54:00:ab:cd:ef"),
                new HmpText.NetClient("vu0", "vhost-user", null, null));
        assertThat(HmpText.netClients("")).isEmpty();
    }
}
