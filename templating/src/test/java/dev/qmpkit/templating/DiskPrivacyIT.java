package dev.qmpkit.templating;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.qmpkit.qmp.agent.BlockingGuestAgent;
import dev.qmpkit.qmp.agent.ExecRequest;
import dev.qmpkit.qmp.agent.ExecResult;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.reliability.Resources;
import dev.qmpkit.templating.guest.internal.HostCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Writable disks stay private to each clone, on QEMU 10.0 and 7.2 with the real Linux guest
 * (its ext4 data disk on /data, layered): a clone's writes are seen by no sibling and no later
 * clone, QEMU holds the template's frozen layer read-only, its checksum stays as saved, and a
 * hundred clones SIGKILLed in the middle of writing leave the layer and the file system clean.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class DiskPrivacyIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final CloneOptions NO_FIX_UPS = CloneOptions.builder().fixUps().build();
    private static final int KILLED = 100;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void aClonesWritesAreSeenByNoSiblingNorLaterClone_andTheTemplateLayerStaysAsSaved(QemuBinary qemu)
            throws Exception {
        Template t = LinuxTemplates.withAgentAndDisk(qemu).template();
        Path layer = t.diskLayers().get("data");
        assertThat(Files.getPosixFilePermissions(layer)).isEqualTo(PosixFilePermissions.fromString("r--------"));
        String token = UUID.randomUUID().toString();
        Path overlay;
        try (CloneVm a = t.startClone(NO_FIX_UPS); CloneVm b = t.startClone(NO_FIX_UPS)) {
            BlockingGuestAgent ga = a.agent().blocking();
            overlay = a.disks().get("data");
            assertThat(overlay.getParent()).isEqualTo(a.workDir());
            assertThat(sh(ga, "echo " + token + " > /data/mine.txt && sync && cat /data/mine.txt").stdoutText())
                    .isEqualTo(token + "\n");
            assertThat(sh(ga, "cat /data/template.txt").stdoutText()).as("written by the template before its save")
                    .isEqualTo("template\n");

            BlockingGuestAgent gb = b.agent().blocking();
            assertThat(run(gb, "cat /data/mine.txt").exitCode()).as("a sibling does not see it").isNotZero();
            assertThat(sh(gb, "cat /data/in/hello.txt").stdoutText()).isEqualTo(LinuxTemplates.HELLO);

            // QEMU opened the frozen layer read-only, as the backing file of the clone's own overlay.
            Map<String, Boolean> readOnly = new java.util.HashMap<>();
            for (JsonNode node : a.qmp().blocking().execute("query-named-block-nodes")) {
                if (node.path("drv").asText().equals("qcow2")) {
                    readOnly.put(node.path("file").asText(), node.path("ro").asBoolean());
                }
            }
            assertThat(readOnly).containsEntry(layer.toString(), true).containsEntry(overlay.toString(), false);
            assertThat(Resources.openModes(a.pid(), layer)).as("open modes of the layer").isNotEmpty()
                    .containsOnly(0);
            JsonNode info = JSON.readTree(qemuImg("info", "--output=json", "-U", overlay.toString()).stdout());
            assertThat(info.path("backing-filename").asText()).isEqualTo(layer.toString());
        }
        assertThat(overlay).as("deleted with the clone").doesNotExist();
        try (CloneVm later = t.startClone(NO_FIX_UPS)) {
            assertThat(run(later.agent().blocking(), "cat /data/mine.txt").exitCode()).as("nor does a later clone")
                    .isNotZero();
        }
        t.verifyDisks();
        assertThat(qemuImg("check", layer.toString()).exitCode()).isZero();
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void aHundredClonesKilledMidWriteLeaveTheLayerAndTheFileSystemClean(QemuBinary qemu) throws Exception {
        Template t = LinuxTemplates.withAgentAndDisk(qemu).template();
        String version = t.manifest().qemu().version();
        Path layer = t.diskLayers().get("data");
        CloneOptions keep = NO_FIX_UPS.toBuilder().keepDisks(true).workDir(tmp).build();
        List<Path> kept = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        long t0 = System.nanoTime();
        try {
            List<Future<Path>> kills = new ArrayList<>();
            for (int i = 0; i < KILLED; i++) {
                boolean keepIt = i % 25 == 0;
                int n = i;
                kills.add(pool.submit(() -> {
                    try (CloneVm c = t.startClone(keepIt ? keep : NO_FIX_UPS)) {
                        // Appends and fsyncs in a loop: the kill lands in the middle of a write.
                        c.agent().blocking().execStart(ExecRequest.builder("sh").args("-c", "while :; do dd "
                                + "if=/dev/urandom of=/data/junk-" + n + " bs=64k count=8 conv=fsync 2>/dev/null; "
                                + "cat /data/junk-" + n + " >> /data/junk-all; done").captureOutput(false).build());
                        Thread.sleep(150 + ThreadLocalRandom.current().nextInt(250));
                        c.process().kill();
                        c.process().onExit().get(10, TimeUnit.SECONDS);
                        return keepIt ? c.disks().get("data") : null;
                    }
                }));
            }
            for (Future<Path> f : kills) {
                Path p = f.get(5, TimeUnit.MINUTES);
                if (p != null) {
                    kept.add(p);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        System.out.printf("[%s] %d clones started, written to and SIGKILLed in %d ms (4 at a time)%n", version,
                KILLED, (System.nanoTime() - t0) / 1_000_000);

        t.verifyDisks();
        assertThat(qemuImg("check", layer.toString()).exitCode()).as("the template layer").isZero();
        assertThat(kept).hasSize(KILLED / 25);
        for (Path overlay : kept) {
            // A killed writer's qcow2 may leak clusters (exit 3) but is never corrupt (exit 2).
            HostCommand.Result check = qemuImg("check", overlay.toString());
            assertThat(check.exitCode()).as(check.tail()).isIn(0, 3);
            // Its ext4 after the journal replay a reboot would do: consistent.
            Path raw = tmp.resolve("killed.raw");
            assertThat(qemuImg("convert", "-O", "raw", overlay.toString(), raw.toString()).exitCode()).isZero();
            assertThat(e2fsck("-E", "journal_only", "-y", raw.toString()).exitCode()).isIn(0, 1);
            HostCommand.Result fsck = e2fsck("-fn", raw.toString());
            assertThat(fsck.exitCode()).as("e2fsck -fn of a killed clone's disk after journal replay: %s",
                    fsck.tail()).isZero();
            Files.delete(raw);
        }

        // A clone after all that: the template's files, none of the killed clones' writes, a clean unmount.
        Path overlay;
        try (CloneVm c = t.startClone(keep)) {
            BlockingGuestAgent agent = c.agent().blocking();
            overlay = c.disks().get("data");
            assertThat(sh(agent, "cat /data/in/hello.txt").stdoutText()).isEqualTo(LinuxTemplates.HELLO);
            assertThat(sh(agent, "ls /data").stdoutText()).doesNotContain("junk");
            sh(agent, "echo after > /data/after.txt && sync && umount /data");
        }
        assertThat(qemuImg("check", overlay.toString()).exitCode()).isZero();
        Path raw = tmp.resolve("after.raw");
        assertThat(qemuImg("convert", "-O", "raw", overlay.toString(), raw.toString()).exitCode()).isZero();
        HostCommand.Result fsck = e2fsck("-fn", raw.toString());
        assertThat(fsck.exitCode()).as("e2fsck -fn: %s", fsck.tail()).isZero();
        System.out.printf("[%s] template layer %s unchanged and clean; %d killed clones' disks clean after journal "
                + "replay; a later clone's file system clean after umount: %s%n", version,
                t.ramChecksumsRecorded().join().manifest().disks().get(0).sha256().substring(0, 12), kept.size(),
                fsck.stdoutText().lines().reduce((a, b) -> b).orElse(""));
    }

    static ExecResult run(BlockingGuestAgent agent, String script) {
        return agent.exec(ExecRequest.builder("sh").args("-c", script).timeout(Duration.ofSeconds(60)).build());
    }

    static ExecResult sh(BlockingGuestAgent agent, String script) {
        ExecResult r = run(agent, script);
        assertThat(r.exitCode()).as("%s: %s", script, r.stderrText()).isZero();
        return r;
    }

    private static HostCommand.Result qemuImg(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("qemu-img"));
        cmd.addAll(List.of(args));
        return HostCommand.run(cmd, null, Map.of(), Duration.ofMinutes(2));
    }

    private static HostCommand.Result e2fsck(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(HostCommand.find("e2fsck").orElseThrow().toString()));
        cmd.addAll(List.of(args));
        return HostCommand.run(cmd, null, Map.of(), Duration.ofMinutes(2));
    }
}
