package dev.qmpkit.templating.guest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The initramfs archive the kernel must be able to unpack: checked byte for byte against the newc layout. */
class NewcCpioTest {

    @Test
    void oneFileMatchesTheNewcLayoutByteForByte() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (NewcCpio cpio = new NewcCpio(out)) {
            cpio.file("a", 0644, "hi".getBytes(StandardCharsets.US_ASCII));
        }
        String expected =
                // magic, ino 1, mode 0100644, uid, gid, nlink 1, mtime, size 2, dev 0:0, rdev 0:0, namesize 2, check
                "070701" + "00000001" + "000081a4" + "00000000" + "00000000" + "00000001" + "00000000" + "00000002"
                        + "00000000" + "00000000" + "00000000" + "00000000" + "00000002" + "00000000"
                        + "a\0" + "" // 110 + 2 = 112: already a multiple of 4
                        + "hi\0\0"  // data padded to 4
                        + "070701" + "00000000" + "00000000" + "00000000" + "00000000" + "00000001" + "00000000"
                        + "00000000" + "00000000" + "00000000" + "00000000" + "00000000" + "0000000b" + "00000000"
                        + "TRAILER!!!\0" + "\0\0\0"; // 110 + 11 = 121, padded to 124
        assertThat(out.toString(StandardCharsets.ISO_8859_1)).isEqualTo(expected);
    }

    @Test
    void initramfsWritesParentsFirstAndEveryKindOfEntry() throws Exception {
        Initramfs fs = new Initramfs();
        fs.file("usr/share/udhcpc/default.script", 0755, "#!/bin/sh\n");
        fs.symlink("sbin/hwclock", "/bin/busybox");
        fs.file("bin/busybox", 0755, new byte[] {1, 2, 3});
        fs.charDevice("dev/console", 0600, 5, 1);
        fs.directory("tmp", 01777);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        fs.writeTo(out);
        List<CpioEntries.Entry> entries = CpioEntries.parse(out.toByteArray());
        assertThat(entries).extracting(CpioEntries.Entry::name).containsExactly("bin", "bin/busybox", "dev",
                "dev/console", "sbin", "sbin/hwclock", "tmp", "usr", "usr/share", "usr/share/udhcpc",
                "usr/share/udhcpc/default.script", "TRAILER!!!");
        CpioEntries.Entry console = entries.get(3);
        assertThat(console.mode()).isEqualTo(NewcCpio.S_IFCHR | 0600);
        assertThat(console.rdevMajor()).isEqualTo(5);
        assertThat(console.rdevMinor()).isEqualTo(1);
        assertThat(entries.get(0).mode()).as("an implied parent").isEqualTo(NewcCpio.S_IFDIR | 0755);
        assertThat(entries.get(5).mode()).isEqualTo(NewcCpio.S_IFLNK | 0777);
        assertThat(entries.get(5).text()).isEqualTo("/bin/busybox");
        assertThat(entries.get(6).mode()).isEqualTo(NewcCpio.S_IFDIR | 01777);
        assertThat(entries.get(1).data()).containsExactly(1, 2, 3);
        assertThat(entries.get(10).mode()).isEqualTo(NewcCpio.S_IFREG | 0755);
    }

    @Test
    void initramfsRefusesPathsThatLeaveTheTree() {
        Initramfs fs = new Initramfs();
        for (String bad : List.of("/init", "a/../../etc", "", "a//b", "a/")) {
            assertThatThrownBy(() -> fs.file(bad, 0644, "x")).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void absolutePathsAreRefused() {
        NewcCpio cpio = new NewcCpio(new ByteArrayOutputStream());
        assertThatThrownBy(() -> cpio.file("/init", 0755, new byte[0])).isInstanceOf(IllegalArgumentException.class);
    }
}
