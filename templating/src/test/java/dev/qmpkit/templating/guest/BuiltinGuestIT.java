package dev.qmpkit.templating.guest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.qmpkit.qmp.BlockingQmpClient;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.launch.Confinement;
import dev.qmpkit.qmp.launch.QemuLauncher;
import dev.qmpkit.qmp.launch.QemuOption;
import dev.qmpkit.qmp.launch.QemuProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Boots the built-in guest on real QEMU (10.0 and 7.2) in the configurations the templating
 * workflow uses, and checks what its users rely on: READY within seconds, the pattern in
 * guest memory and in the RAM file, a counter that advances in RAM and on the serial port,
 * low CPU use while idle, and a counter that continues after a migration.
 */
class BuiltinGuestIT {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(15);
    private static final long RAM_BYTES = 128L << 20;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void bootsWithRamInAFileFillsThePatternAndCountsWithoutSpinning(QemuBinary qemu) throws Exception {
        Path kernel = BuiltinGuest.writeKernel(tmp);
        Path ram = tmp.resolve("ram");
        Path log = tmp.resolve("serial.log");
        List<String> args = guestArgs("q35,memory-backend=pc.ram", kernel, log);
        args.addAll(List.of("-object", fileBackend(ram, true), "-device", "vmgenid"));

        long t0 = System.nanoTime();
        try (QemuProcess vm = launch(qemu, "guest-file", args)) {
            SerialLog ready = SerialLog.awaitReady(log, READY_TIMEOUT);
            long readyMillis = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf("%s: QEMU start to READY %d ms%n", vm.version(), readyMillis);
            assertThat(ready.failure()).isEmpty();
            BlockingQmpClient qmp = vm.qmp().blocking();

            Path dump = tmp.resolve("pattern.dump");
            qmp.execute("pmemsave", Map.of("val", BuiltinGuest.PATTERN_START, "size", BuiltinGuest.PATTERN_BYTES,
                    "filename", dump.toString()));
            assertThat(BuiltinGuest.firstPatternMismatch(dump, BuiltinGuest.PATTERN_START))
                    .as("pattern in guest memory (pmemsave)").isEmpty();
            assertThat(BuiltinGuest.firstPatternMismatch(ram, 0))
                    .as("pattern in the RAM file, at file offset == physical address").isEmpty();
            assertThat(hmpWord(qmp, BuiltinGuest.READY_MAGIC_ADDRESS)).isEqualTo(BuiltinGuest.READY_MAGIC);

            long before = BuiltinGuest.readCounter(vm.qmp()).join();
            long cpuBefore = cpuTicks(vm.pid());
            long wallBefore = System.nanoTime();
            SerialLog later = SerialLog.awaitCountAbove(log, before + 2L * BuiltinGuest.TICK_HZ, Duration.ofSeconds(10));
            double seconds = (System.nanoTime() - wallBefore) / 1e9;
            double cpuPercent = 100.0 * (cpuTicks(vm.pid()) - cpuBefore) / 100.0 / seconds;
            long after = BuiltinGuest.readCounter(vm.qmp()).join();
            System.out.printf("%s: idle guest CPU %.1f%% of one core over %.1f s%n", vm.version(), cpuPercent, seconds);

            assertThat(after).as("counter in RAM advances").isGreaterThan(before + 2L * BuiltinGuest.TICK_HZ);
            assertThat(BuiltinGuest.readCounter(ram, 0)).as("the RAM file shows the live counter")
                    .isGreaterThanOrEqualTo(after);
            assertThat(later.counts()).as("serial COUNT lines are multiples of PRINT_EVERY_TICKS, increasing")
                    .allMatch(c -> c % BuiltinGuest.PRINT_EVERY_TICKS == 0).isSorted();
            // A guest that spins instead of halting between ticks uses a whole core under TCG.
            assertThat(cpuPercent).as("CPU use of an idle guest").isLessThan(40.0);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void bootsOnThePcMachineWithPlainRam(QemuBinary qemu) throws Exception {
        Path kernel = BuiltinGuest.writeKernel(tmp);
        Path log = tmp.resolve("serial.log");
        List<String> args = guestArgs("pc", kernel, log);
        args.addAll(List.of("-m", "64"));
        try (QemuProcess vm = launch(qemu, "guest-pc", args)) {
            SerialLog ready = SerialLog.awaitReady(log, READY_TIMEOUT);
            SerialLog counting = SerialLog.awaitCountAbove(log, 0, Duration.ofSeconds(5));
            assertThat(ready.counts()).isSorted();
            assertThat(counting.lastCount()).isPresent();
        }
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void tooLittleRamIsReportedOnTheSerialPort(QemuBinary qemu) throws Exception {
        Path kernel = BuiltinGuest.writeKernel(tmp);
        Path log = tmp.resolve("serial.log");
        List<String> args = guestArgs("pc", kernel, log);
        args.addAll(List.of("-m", "40"));
        try (QemuProcess vm = launch(qemu, "guest-small", args)) {
            SerialLog failed = SerialLog.await(log, l -> l.failure().isPresent(), READY_TIMEOUT);
            assertThat(failed.failure().get()).contains("-m 64");
            assertThat(failed.ready()).isFalse();
        }
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void counterContinuesAfterAMigrationThatSkipsSharedRam(QemuBinary qemu) throws Exception {
        Path kernel = BuiltinGuest.writeKernel(tmp);
        Path ram = tmp.resolve("ram");
        Path state = tmp.resolve("state");
        Path sourceLog = tmp.resolve("source.log");
        long savedCounter;
        List<String> sourceArgs = guestArgs("q35,memory-backend=pc.ram", kernel, sourceLog);
        sourceArgs.addAll(List.of("-object", fileBackend(ram, true), "-device", "vmgenid"));
        try (QemuProcess source = launch(qemu, "guest-src", sourceArgs)) {
            SerialLog.awaitCountAbove(sourceLog, BuiltinGuest.PRINT_EVERY_TICKS, READY_TIMEOUT);
            BlockingQmpClient qmp = source.qmp().blocking();
            qmp.execute("stop");
            ignoreShared(qmp);
            qmp.execute("migrate", Map.of("uri", "exec:cat > " + shellQuote(state)));
            awaitMigration(qmp, "completed");
            savedCounter = BuiltinGuest.readCounter(source.qmp()).join();
        }
        assertThat(BuiltinGuest.readCounter(ram, 0)).as("counter in the RAM file when saved").isEqualTo(savedCounter);

        // A private mapping of the source's RAM file: works on 7.2 and 10.0 and keeps the file intact.
        Path cloneLog = tmp.resolve("clone.log");
        List<String> cloneArgs = guestArgs("q35,memory-backend=pc.ram", kernel, cloneLog);
        cloneArgs.addAll(List.of("-object", fileBackend(ram, false), "-device", "vmgenid", "-incoming", "defer"));
        try (QemuProcess clone = launch(qemu, "guest-clone", cloneArgs)) {
            BlockingQmpClient qmp = clone.qmp().blocking();
            ignoreShared(qmp);
            qmp.execute("migrate-incoming", Map.of("uri", "exec:cat " + shellQuote(state)));
            awaitMigration(qmp, "completed");
            qmp.execute("cont");

            SerialLog resumed = SerialLog.awaitCountAbove(cloneLog, savedCounter + BuiltinGuest.PRINT_EVERY_TICKS,
                    Duration.ofSeconds(10));
            assertThat(resumed.ready()).as("the restored guest did not boot again").isFalse();
            assertThat(resumed.firstCount().getAsLong()).as("first count after restore continues the saved one")
                    .isGreaterThan(savedCounter)
                    .isLessThanOrEqualTo(savedCounter + 5L * BuiltinGuest.TICK_HZ);
            Path dump = tmp.resolve("clone.dump");
            qmp.execute("pmemsave", Map.of("val", 0, "size", BuiltinGuest.PATTERN_END, "filename", dump.toString()));
            assertThat(BuiltinGuest.firstPatternMismatch(dump, 0)).as("pattern in the restored guest").isEmpty();
            assertThat(BuiltinGuest.readCounter(ram, 0)).as("the restored guest's counting stays private")
                    .isEqualTo(savedCounter);
        }
    }

    /**
     * Unconfined: these tests look at the guest through pmemsave dumps and exec: migrations into
     * the test's private directory, which a confined QEMU (nobody, no spawning) may not do;
     * confinement has its own tests (ConfinementIT, CloneConfinementIT).
     */
    private QemuProcess launch(QemuBinary qemu, String name, List<String> args) {
        return QemuLauncher.builder(qemu).name(name).workDir(tmp).args(args).confinement(Confinement.none()).build()
                .start();
    }

    private static List<String> guestArgs(String machine, Path kernel, Path serialLog) {
        List<String> args = new ArrayList<>(List.of(
                "-M", machine, "-accel", "tcg", "-nodefaults", "-kernel", kernel.toString(),
                "-chardev", QemuOption.of("file").set("id", "serial0").set("path", serialLog).toString(),
                "-serial", "chardev:serial0"));
        if (machine.contains("memory-backend")) {
            args.addAll(List.of("-m", Long.toString(RAM_BYTES >> 20)));
        }
        return args;
    }

    private static String fileBackend(Path file, boolean share) {
        return QemuOption.of("memory-backend-file").set("id", "pc.ram").set("size", RAM_BYTES)
                .set("mem-path", file).set("share", share).toString();
    }

    private static void ignoreShared(BlockingQmpClient qmp) {
        qmp.execute("migrate-set-capabilities", Map.of("capabilities",
                List.of(Map.of("capability", "x-ignore-shared", "state", true))));
    }

    private static void awaitMigration(BlockingQmpClient qmp, String expected) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        String status = "";
        while (System.nanoTime() < deadline) {
            JsonNode info = qmp.execute("query-migrate");
            status = info.path("status").asText();
            if (status.equals(expected) || status.equals("failed")) {
                break;
            }
            Thread.sleep(20);
        }
        assertThat(status).as("migration status").isEqualTo(expected);
    }

    private static int hmpWord(BlockingQmpClient qmp, long address) {
        String out = qmp.execute("human-monitor-command",
                Map.of("command-line", String.format("xp /1wx 0x%x", address))).asText();
        return Integer.parseUnsignedInt(out.substring(out.indexOf("0x") + 2).strip(), 16);
    }

    private static String shellQuote(Path p) {
        return "'" + p.toString().replace("'", "'\\''") + "'";
    }

    /** utime + stime of a process, in clock ticks (USER_HZ, 100 on Linux). */
    private static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }
}
