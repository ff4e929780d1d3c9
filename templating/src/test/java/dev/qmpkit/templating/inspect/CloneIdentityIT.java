package dev.qmpkit.templating.inspect;

import static dev.qmpkit.templating.inspect.Vms.MIB;
import static org.assertj.core.api.Assertions.assertThat;

import dev.qmpkit.qmp.BlockingQmpClient;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.launch.Confinement;
import dev.qmpkit.qmp.launch.QemuLauncher;
import dev.qmpkit.qmp.launch.QemuOption;
import dev.qmpkit.qmp.launch.QemuProcess;
import dev.qmpkit.templating.guest.BuiltinGuest;
import dev.qmpkit.templating.guest.SerialLog;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What a clone's own {@code -uuid} changes, on QEMU 10.0 and 7.2: QEMU's answer to
 * {@code query-uuid}, not what the guest reads. The guest's SMBIOS UUID is in the tables the
 * firmware copied into guest memory when the template booted, and a clone runs on that memory.
 */
class CloneIdentityIT {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void aClonesNewUuidChangesWhatQemuReportsButTheGuestKeepsTheTemplates(QemuBinary qemu) throws Exception {
        UUID templateUuid = UUID.fromString("5b9d3c3e-4e0f-4a4a-8b1e-0c6a1f4d2e7a");
        UUID cloneUuid = UUID.fromString("0c6a1f4d-2e7a-4b9d-9c3e-4e0f4a4a8b1e");
        Path ram = tmp.resolve("template.ram");
        Path state = tmp.resolve("state.bin");
        Path kernel = BuiltinGuest.writeKernel(tmp);
        try (QemuProcess template = start(qemu, "uuid-template", guest(kernel, tmp.resolve("t.log"),
                Vms.sharedFile("pc.ram", 128 * MIB, ram), "-uuid", templateUuid.toString()))) {
            SerialLog.awaitReady(tmp.resolve("t.log"), Duration.ofSeconds(20));
            ReadinessReport report = ReadinessChecker.check(template.qmp(), VmRole.TEMPLATE);
            assertThat(report.findings(FindingCode.UUID_SHARED)).extracting(Finding::subject)
                    .containsExactly(templateUuid.toString());
            template.qmp().blocking().execute("stop");
            Vms.saveWithIgnoreShared(template.qmp().blocking(), state);
        }
        QemuOption cloneRam = QemuOption.of("memory-backend-file").set("id", "pc.ram").set("size", 128 * MIB)
                .set("mem-path", ram).set("share", false);
        if (Vms.hasRom(qemu)) {
            cloneRam.set("readonly", true).set("rom", false);
        }
        try (QemuProcess clone = start(qemu, "uuid-clone", guest(kernel, tmp.resolve("c.log"), cloneRam.toString(),
                "-uuid", cloneUuid.toString(), "-incoming", "defer"))) {
            BlockingQmpClient qmp = clone.qmp().blocking();
            Vms.loadWithIgnoreShared(qmp, state);
            assertThat(qmp.execute("query-uuid").path("UUID").asText()).as("QEMU's answer: the clone's own")
                    .isEqualTo(cloneUuid.toString());
            Path memory = tmp.resolve("clone-memory.bin");
            qmp.execute("pmemsave", Map.of("val", 0, "size", 128 * MIB, "filename", memory.toString()));
            byte[] guest = Files.readAllBytes(memory);
            assertThat(indexOf(guest, smbios(templateUuid))).as("the template's UUID in the guest's SMBIOS table")
                    .isNotNegative();
            assertThat(indexOf(guest, smbios(cloneUuid))).as("the clone's UUID is nowhere in guest memory")
                    .isNegative();
        }
    }

    private static List<String> guest(Path kernel, Path log, String ram, String... more) {
        List<String> args = new ArrayList<>(List.of("-M", "q35,memory-backend=pc.ram", "-accel", "tcg", "-m", "128",
                "-nodefaults", "-object", ram, "-kernel", kernel.toString(),
                "-chardev", QemuOption.of("file").set("id", "serial0").set("path", log).toString(),
                "-serial", "chardev:serial0"));
        args.addAll(List.of(more));
        return args;
    }

    /**
     * Unconfined: the test migrates through exec:cat and dumps guest memory (pmemsave) into its
     * private directory, which the default sandbox and user refuse; confinement has its own tests.
     */
    private QemuProcess start(QemuBinary qemu, String name, List<String> args) {
        return QemuLauncher.builder(qemu).name(name).workDir(tmp).args(args).confinement(Confinement.none()).build()
                .start();
    }

    /** SMBIOS 2.6+ stores the first three UUID fields little-endian (QEMU's qemu_uuid_bswap). */
    private static byte[] smbios(UUID u) {
        ByteBuffer b = ByteBuffer.allocate(16);
        long hi = u.getMostSignificantBits();
        b.order(ByteOrder.LITTLE_ENDIAN).putInt((int) (hi >>> 32)).putShort((short) (hi >>> 16)).putShort((short) hi);
        b.order(ByteOrder.BIG_ENDIAN).putLong(u.getLeastSignificantBits());
        return b.array();
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
