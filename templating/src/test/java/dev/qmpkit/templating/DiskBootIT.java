package dev.qmpkit.templating;

import static org.assertj.core.api.Assertions.assertThat;

import dev.qmpkit.qmp.Futures;
import dev.qmpkit.qmp.launch.QemuBinary;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Boot#disk}: a template booted by SeaBIOS from a raw disk image (attached read-only
 * over virtio-blk) saves and clones on real QEMU 10.0 and 7.2. The disk holds a hand-assembled
 * boot sector, so the serial log shows whether the guest booted or resumed.
 */
class DiskBootIT {

    private static final Duration BOOT = Duration.ofSeconds(30);
    private static final long RAM = 64L << 20;

    @TempDir
    Path tmp;

    /**
     * A 1 MiB raw disk whose boot sector prints {@code READY} on COM1, then prints a '.' after
     * every interrupt (the BIOS timer ticks about 18 times a second) while idling in
     * {@code sti; hlt}. Loaded by the BIOS at 0000:7C00.
     */
    static Path writeBootDisk(Path file) throws IOException {
        byte[] code = {
            (byte) 0x31, (byte) 0xC0,              // 00: xor  ax, ax
            (byte) 0x8E, (byte) 0xD8,              // 02: mov  ds, ax
            (byte) 0xBE, (byte) 0x1A, (byte) 0x7C, // 04: mov  si, 0x7C1A   ; msg
            (byte) 0xBA, (byte) 0xF8, (byte) 0x03, // 07: mov  dx, 0x3F8    ; COM1 data port
            (byte) 0xFC,                           // 0A: cld
            (byte) 0xAC,                           // 0B: print: lodsb
            (byte) 0x84, (byte) 0xC0,              // 0C: test al, al
            (byte) 0x74, (byte) 0x03,              // 0E: jz   idle         ; -> 0x13
            (byte) 0xEE,                           // 10: out  dx, al
            (byte) 0xEB, (byte) 0xF8,              // 11: jmp  print        ; -> 0x0B
            (byte) 0xFB,                           // 13: idle: sti
            (byte) 0xF4,                           // 14: hlt               ; until the next interrupt
            (byte) 0xB0, (byte) '.',               // 15: mov  al, '.'
            (byte) 0xEE,                           // 17: out  dx, al
            (byte) 0xEB, (byte) 0xF9,              // 18: jmp  idle         ; -> 0x13
            'R', 'E', 'A', 'D', 'Y', '\n', 0,      // 1A: msg
        };
        byte[] disk = new byte[1 << 20];
        System.arraycopy(code, 0, disk, 0, code.length);
        disk[510] = (byte) 0x55; // boot signature
        disk[511] = (byte) 0xAA;
        return Files.write(file, disk);
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void aTemplateBootedFromADiskClonesAndTheCloneResumesWithoutRebooting(QemuBinary qemu) throws Exception {
        // A comma in the image's name: the -drive option must escape it, not split on it.
        Path disk = writeBootDisk(tmp.resolve("boot, disk.img"));
        VmDescription d = VmDescription.builder().accel(Accel.TCG).ram(RAM).boot(Boot.disk(disk)).build();
        Path dir = tmp.resolve("template");
        Template t;
        try (TemplateVm vm = TemplateVm.start(qemu, d, dir)) {
            String booted = awaitSerial(vm.serialLog(), "READY\n..", BOOT);
            assertThat(booted).as("the boot sector ran once").startsWith("READY\n").containsOnlyOnce("READY");
            t = vm.save();
        }
        try (CloneVm c = t.startClone()) {
            assertThat(c.isAlive()).isTrue();
            assertThat(Futures.await(c.qmp().execute("query-status")).path("status").asText()).isEqualTo("running");
            // The clone keeps idling where the template stopped: dots, but no READY (it did not boot again).
            String resumed = awaitSerial(c.serialLog(), "...", BOOT);
            assertThat(resumed).doesNotContain("READY");
        }
    }

    /** @return the serial output once it contains {@code expected} */
    private static String awaitSerial(Path log, String expected, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String text = "";
        while (System.nanoTime() < deadline) {
            text = Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "";
            if (text.contains(expected)) {
                return text;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("serial log " + log + " did not show '" + expected.replace("\n", "\\n")
                + "' within " + timeout + "; it holds: '" + text.replace("\n", "\\n") + "'");
    }
}
