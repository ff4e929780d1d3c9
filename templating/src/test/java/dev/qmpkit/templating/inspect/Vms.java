package dev.qmpkit.templating.inspect;

import dev.qmpkit.qmp.BlockingQmpClient;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.launch.QemuLauncher;
import dev.qmpkit.qmp.launch.QemuOption;
import dev.qmpkit.qmp.launch.QemuProcess;
import dev.qmpkit.qmp.launch.QemuVersionProbe;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Paused TCG VMs for the guard tests: no guest runs, so each starts in tens of milliseconds. */
final class Vms {
    private Vms() {
    }

    static final long MIB = 1L << 20;

    /**
     * @param memory the {@code -m} value, e.g. {@code 128M} or {@code 128M,maxmem=512M,slots=2}
     * @param extra further arguments
     */
    static QemuProcess start(QemuBinary qemu, String name, String memory, String... extra) {
        List<String> args = new ArrayList<>(List.of("-M", "q35", "-accel", "tcg", "-m", memory, "-S", "-nodefaults"));
        args.addAll(Arrays.asList(extra));
        return QemuLauncher.builder(qemu).name(name).args(args).build().start();
    }

    /** @return whether this QEMU's memory backends have {@code rom} (8.2+): the read-only clone recipe */
    static boolean hasRom(QemuBinary qemu) {
        return QemuVersionProbe.probe(qemu).version().atLeast(8, 2);
    }

    /** A template-style backend: a named file, shared, writable. */
    static String sharedFile(String id, long size, Path file) {
        return QemuOption.of("memory-backend-file").set("id", id).set("size", size).set("mem-path", file)
                .set("share", true).toString();
    }

    /** Saves a stopped VM's state with x-ignore-shared through {@code exec:cat} (7.2 has no {@code file:}). */
    static void saveWithIgnoreShared(BlockingQmpClient qmp, Path state) throws InterruptedException {
        qmp.execute("migrate-set-capabilities", Map.of("capabilities",
                List.of(Map.of("capability", "x-ignore-shared", "state", true))));
        qmp.execute("migrate", Map.of("uri", "exec:cat > '" + state + "'"));
        awaitMigration(qmp);
    }

    /** Loads a state saved by {@link #saveWithIgnoreShared} into a VM started with {@code -incoming defer}. */
    static void loadWithIgnoreShared(BlockingQmpClient qmp, Path state) throws InterruptedException {
        qmp.execute("migrate-set-capabilities", Map.of("capabilities",
                List.of(Map.of("capability", "x-ignore-shared", "state", true))));
        qmp.execute("migrate-incoming", Map.of("uri", "exec:cat '" + state + "'"));
        awaitMigration(qmp);
    }

    private static void awaitMigration(BlockingQmpClient qmp) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String status = "";
        while (!status.equals("completed")) {
            status = qmp.execute("query-migrate").path("status").asText();
            if (status.equals("failed") || System.nanoTime() > deadline) {
                throw new AssertionError("migration " + status + ": " + qmp.execute("query-migrate"));
            }
            Thread.sleep(20);
        }
    }
}
