package dev.qmpkit.templating;

import dev.qmpkit.qmp.agent.BlockingGuestAgent;
import dev.qmpkit.qmp.agent.ExecRequest;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.templating.guest.LinuxGuest;
import dev.qmpkit.templating.guest.SerialLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Templates of the real Linux guest (Debian's 6.12 cloud kernel, busybox, qemu-ga), saved once
 * per QEMU and kind for the whole test JVM (failsafe runs the ITs in one JVM, one class after
 * another), so the classes that prove fork correctness share their boots. Deleted at JVM exit;
 * every template's QEMU quits at its save.
 */
final class LinuxTemplates {

    /** Generous: a TCG boot takes 4 to 11 s here, more when other builds load the machine. */
    static final Duration BOOT = Duration.ofSeconds(180);
    static final String HELLO = "hello from the template's data disk\n";

    /**
     * A saved template and what its guest was when saved.
     *
     * @param template the template
     * @param savedAt when the save finished
     * @param vmgenid the template's vmgenid GUID, or null
     * @param hostname the template guest's host name
     * @param machineId the template guest's machine id
     * @param bootToReady QEMU start to READY on the serial port
     * @param smbiosUuid the template's {@code -uuid}, which its firmware wrote into the SMBIOS tables, or null
     */
    record Saved(Template template, Instant savedAt, UUID vmgenid, String hostname, String machineId,
                 Duration bootToReady, UUID smbiosUuid) {

        /** Sleeps until the template is at least {@code age} old. */
        void awaitAge(Duration age) throws InterruptedException {
            long left = Duration.between(Instant.now(), savedAt.plus(age)).toMillis();
            if (left > 0) {
                Thread.sleep(left);
            }
        }
    }

    private static final Map<String, Saved> SAVED = new ConcurrentHashMap<>();
    private static final Map<String, Object> LOCKS = new ConcurrentHashMap<>();
    private static volatile Path root;
    private static volatile LinuxGuest guest;

    private LinuxTemplates() {
    }

    /** @return the guest, from the user's cache (built there once; found offline afterwards) */
    static synchronized LinuxGuest guest() throws IOException, InterruptedException {
        if (guest == null) {
            guest = LinuxGuest.builder().dataFile("in/hello.txt", HELLO.getBytes(StandardCharsets.UTF_8)).build();
        }
        return guest;
    }

    /**
     * @return 512 MiB, the agent channel, the data disk (ext4 on /data) as a layered disk, vmgenid,
     *         and an SMBIOS UUID (a {@code -uuid} in the extra arguments; each clone's own
     *         {@code -uuid}, added after them, is what its QEMU reports)
     */
    static Saved withAgentAndDisk(QemuBinary qemu) throws Exception {
        return saved("disk", qemu);
    }

    /** @return 256 MiB, the agent channel, no vmgenid device (as a kernel without the driver sees it), no disk */
    static Saved withoutVmgenid(QemuBinary qemu) throws Exception {
        return saved("novmgenid", qemu);
    }

    static VmDescription description(String kind, UUID smbiosUuid) throws IOException, InterruptedException {
        LinuxGuest g = guest();
        VmDescription.Builder b = VmDescription.builder().boot(g.boot()).guestAgent(true);
        if (smbiosUuid != null) {
            b.extraArgs("-uuid", smbiosUuid.toString());
        }
        if (kind.equals("disk")) {
            return b.ram(512L << 20).disk(Disk.overlay("data", g.dataDisk(), Disk.Format.RAW)).build();
        }
        return b.ram(256L << 20).vmgenid(false).build();
    }

    private static Saved saved(String kind, QemuBinary qemu) throws Exception {
        String key = kind + "|" + qemu.executable();
        synchronized (LOCKS.computeIfAbsent(key, k -> new Object())) {
            Saved s = SAVED.get(key);
            if (s == null) {
                UUID uuid = kind.equals("disk") ? UUID.randomUUID() : null;
                s = save(description(kind, uuid), qemu, root().resolve(kind + "-" + SAVED.size()), uuid);
                SAVED.put(key, s);
            }
            return s;
        }
    }

    /** Boots to READY, waits for the seeded CRNG and the agent, then saves. */
    static Saved save(VmDescription d, QemuBinary qemu, Path dir, UUID smbiosUuid) throws Exception {
        long t0 = System.nanoTime();
        try (TemplateVm vm = TemplateVm.start(qemu, d, dir)) {
            SerialLog.awaitReady(vm.serialLog(), BOOT);
            Duration ready = Duration.ofNanos(System.nanoTime() - t0);
            awaitText(vm.serialLog(), "qmpkit-init: crng ready", BOOT);
            BlockingGuestAgent agent = vm.agent().blocking();
            agent.awaitAgent(BOOT);
            String hostname = agent.hostName();
            String machineId = new String(agent.readFile("/etc/machine-id"), StandardCharsets.US_ASCII).strip();
            // Writes through the template's page cache reach its layer at the save's stop (QEMU flushes then).
            agent.exec(ExecRequest.builder("sh").args("-c", "echo template > /data/template.txt").build());
            Template t = vm.save();
            return new Saved(t, Instant.now(), vm.vmgenid(), hostname, machineId, ready, smbiosUuid);
        }
    }

    static boolean awaitText(Path file, String text, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.readString(file, StandardCharsets.ISO_8859_1).contains(text)) {
                return true;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("'" + text + "' did not appear in " + file + " within " + timeout);
    }

    private static synchronized Path root() {
        if (root == null) {
            try {
                Path r = Files.createTempDirectory("qmpkit-linux-templates-");
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        WorkFiles.deleteTree(r);
                    } catch (IOException e) {
                        // the temp directory is cleaned by the system eventually
                    }
                }));
                root = r;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return root;
    }
}
