package dev.qmpkit.samples.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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
    void initramfsHasInitBusyboxAndTheConsoleDevices() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LinuxGuest.writeInitramfs(out, new byte[] {1, 2, 3});
        List<Entry> entries = parse(out.toByteArray());
        assertThat(entries).extracting(Entry::name).containsExactly("bin", "dev", "proc", "sys", "tmp",
                "bin/busybox", "bin/sh", "dev/console", "dev/ttyS0", "dev/null", "init", "TRAILER!!!");
        Entry console = entries.get(7);
        assertThat(console.mode()).isEqualTo(NewcCpio.S_IFCHR | 0600);
        assertThat(console.rdevMajor()).isEqualTo(5);
        assertThat(console.rdevMinor()).isEqualTo(1);
        Entry init = entries.get(10);
        assertThat(init.mode()).isEqualTo(NewcCpio.S_IFREG | 0755);
        assertThat(new String(init.data(), StandardCharsets.UTF_8)).startsWith("#!/bin/busybox sh\n")
                .contains("echo READY").contains("COUNT %016x\\n");
        assertThat(new String(entries.get(6).data(), StandardCharsets.UTF_8)).isEqualTo("busybox");
        assertThat(entries.get(5).data()).containsExactly(1, 2, 3);
    }

    @Test
    void absolutePathsAreRefused() {
        NewcCpio cpio = new NewcCpio(new ByteArrayOutputStream());
        assertThatThrownBy(() -> cpio.file("/init", 0755, new byte[0])).isInstanceOf(IllegalArgumentException.class);
    }

    record Entry(String name, int mode, int rdevMajor, int rdevMinor, byte[] data) {
    }

    /** An independent reader: every header at a 4-byte boundary, magic checked, sizes honoured. */
    static List<Entry> parse(byte[] a) {
        List<Entry> entries = new ArrayList<>();
        int pos = 0;
        while (true) {
            assertThat(pos % 4).isZero();
            String h = new String(a, pos, 110, StandardCharsets.US_ASCII);
            assertThat(h).startsWith("070701");
            int[] f = new int[13];
            for (int i = 0; i < 13; i++) {
                f[i] = Integer.parseInt(h.substring(6 + 8 * i, 14 + 8 * i), 16);
            }
            int nameSize = f[11];
            String name = new String(a, pos + 110, nameSize - 1, StandardCharsets.UTF_8);
            assertThat(a[pos + 110 + nameSize - 1]).isZero();
            int dataStart = align(pos + 110 + nameSize);
            byte[] data = java.util.Arrays.copyOfRange(a, dataStart, dataStart + f[6]);
            entries.add(new Entry(name, f[1], f[9], f[10], data));
            pos = align(dataStart + f[6]);
            if (name.equals("TRAILER!!!")) {
                assertThat(pos).isEqualTo(a.length);
                return entries;
            }
        }
    }

    private static int align(int n) {
        return (n + 3) & ~3;
    }
}
