package dev.qmpkit.templating.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.launch.QemuLauncher;
import dev.qmpkit.qmp.launch.QemuOption;
import dev.qmpkit.qmp.launch.QemuProcess;
import dev.qmpkit.templating.guest.internal.CpioEntries;
import dev.qmpkit.templating.WorkFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Linux guest built from Debian's packages (apt, dpkg-deb, mke2fs on this host) boots on
 * real QEMU 10.0 and 7.2 under TCG with what later steps rely on: READY on the serial port, the
 * agent on its virtio-serial port, the data disk under a qcow2 overlay, the vmgenid driver,
 * hwclock for guest-set-time, DHCP on a hot-plugged NIC. And its cache: reused without apt,
 * rebuilt when an input changes, never left half-built. One boot per QEMU.
 */
class LinuxGuestIT {

    private static final Duration BOOT = Duration.ofSeconds(120);
    private static final Duration AGENT = Duration.ofSeconds(30);
    private static final String HELLO = "hello from the data disk\n";

    /** A cache of this class's own; the packages already downloaded to the user's cache are copied in. */
    @TempDir
    static Path cache;

    static CountingSource source;
    static LinuxGuest guest;

    @BeforeAll
    static void build() throws Exception {
        seedDownloads(cache);
        source = new CountingSource(PackageSource.apt());
        guest = builder().build();
    }

    private static LinuxGuest.Builder builder() {
        return LinuxGuest.builder().cacheDir(cache).packageSource(source).hostname("it-guest")
                .dataFile("in/hello.txt", HELLO.getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void bootsWithTheAgentTheDataDiskVmgenidHwclockAndDhcp(QemuBinary qemu, @TempDir Path tmp) throws Exception {
        Path overlay = tmp.resolve("data.qcow2");
        run(List.of("qemu-img", "create", "-q", "-f", "qcow2", "-b", guest.dataDisk().toString(), "-F", "raw",
                overlay.toString()));
        String baseSha = WorkFiles.sha256(guest.dataDisk());
        Path serial = tmp.resolve("serial.log");
        Path agentSocket = tmp.resolve("qga.sock");
        List<String> args = new ArrayList<>(List.of("-M", "q35", "-accel", "tcg", "-m", "512", "-nodefaults",
                "-kernel", guest.kernel().toString(), "-initrd", guest.initramfs().toString(), "-append", guest.append(),
                "-serial", "file:" + serial,
                "-device", "vmgenid",
                "-chardev", QemuOption.of("socket").set("id", "qga0").set("path", agentSocket)
                        .set("server", true).set("wait", false).toString(),
                "-device", "virtio-serial-pci,id=vser0",
                "-device", QemuOption.of("virtserialport").set("bus", "vser0.0").set("chardev", "qga0")
                        .set("name", LinuxGuest.AGENT_PORT_NAME).toString(),
                "-drive", QemuOption.keyValues().set("file", overlay).set("format", "qcow2").set("if", "none")
                        .set("id", "d0").toString(),
                "-device", "virtio-blk-pci,drive=d0",
                "-device", "pcie-root-port,id=rp1,chassis=1"));
        long t0 = System.nanoTime();
        try (QemuProcess vm = QemuLauncher.builder(qemu).args(args).workDir(tmp).name("linux-guest").build().start()) {
            SerialLog.awaitReady(serial, BOOT);
            long readyMs = (System.nanoTime() - t0) / 1_000_000;
            try (AgentSocket agent = AgentSocket.connect(agentSocket)) {
                agent.sync(AGENT);
                long agentMs = (System.nanoTime() - t0) / 1_000_000;
                System.out.printf("QEMU %s, %s: READY after %d ms, agent answered after %d ms%n", vm.version(),
                        guest.kernelPackage(), readyMs, agentMs);

                assertThat(Files.readString(serial)).contains("qmpkit-init: agent " + LinuxGuest.AGENT_DEVICE
                        + ", data disk /dev/vda");
                assertThat(agent.sh("cat /data/in/hello.txt", AGENT).out()).isEqualTo(HELLO);
                assertThat(agent.sh("ls /sys/bus/platform/drivers/vmgenid/", AGENT).out())
                        .as("the vmgenid driver bound to QEMU's device").contains("QEMUVGID:00");
                assertThat(agent.sh("readlink " + LinuxGuest.HWCLOCK, AGENT).out().strip()).isEqualTo("/bin/busybox");
                assertThat(agent.sh("hostname; cat /etc/machine-id", AGENT).out()).matches("it-guest\n[0-9a-f]{32}\n");

                // guest-set-time runs /sbin/hwclock -w: an error reply would fail here. An hour ahead, then back.
                long hostNs = System.currentTimeMillis() * 1_000_000L;
                agent.execute("guest-set-time", Map.of("time", hostNs + 3_600_000_000_000L), AGENT);
                long guestS = Long.parseLong(agent.sh("date +%s", AGENT).out().strip());
                assertThat(guestS - System.currentTimeMillis() / 1000).isBetween(3590L, 3610L);
                agent.execute("guest-set-time", Map.of("time", System.currentTimeMillis() * 1_000_000L), AGENT);

                // Writes go to the overlay, never to the cached image.
                AgentSocket.ExecResult w = agent.sh("echo written > /data/out.txt && sync && cat /data/out.txt", AGENT);
                assertThat(w.out()).as(w.err()).isEqualTo("written\n");

                // A NIC hot-plugged as a clone would get it, then DHCP with the guest's lease script.
                vm.qmp().blocking().execute("netdev_add", Map.of("type", "user", "id", "n1"));
                vm.qmp().blocking().execute("device_add", Map.of("driver", "virtio-net-pci", "netdev", "n1",
                        "mac", "52:54:00:9a:00:01", "bus", "rp1", "id", "nic1", "romfile", ""));
                AgentSocket.ExecResult dhcp = agent.sh("for i in $(seq 100); do [ -e /sys/class/net/eth0 ] && break;"
                        + " usleep 100000; done; timeout 30 udhcpc -i eth0 -n -q -t 10 -T 1 >/dev/null 2>&1;"
                        + " ip -4 addr show eth0; ip -4 route; cat /etc/resolv.conf", Duration.ofSeconds(60));
                assertThat(dhcp.out()).as(dhcp.err()).contains("inet 10.0.2.15/24").contains("default via 10.0.2.2")
                        .contains("nameserver 10.0.2.3");

                // /init seeds the kernel's RNG after READY, so a template saved later makes clones reseed.
                assertThat(awaitText(serial, "qmpkit-init: crng ready", BOOT)).isTrue();
                assertThat(agent.sh("dmesg", AGENT).out()).contains("random: crng init done");
            }
        }
        assertThat(WorkFiles.sha256(guest.dataDisk())).isEqualTo(baseSha);
    }

    @Test
    void aSecondBuildReusesTheCacheWithoutAskingApt() throws Exception {
        FileTime built = Files.getLastModifiedTime(guest.initramfs());
        source.reset();

        LinuxGuest again = builder().build();

        assertThat(source.calls()).as("calls to apt").isEmpty();
        assertThat(again).isEqualTo(guest);
        assertThat(Files.getLastModifiedTime(again.initramfs())).isEqualTo(built);
        assertThat(guest.kernelPackage()).matches(LinuxGuest.DEFAULT_KERNEL_PATTERN);
        assertThat(guest.packages()).containsKey(guest.kernelPackage())
                .containsKeys(LinuxGuest.GUEST_PACKAGES.toArray(String[]::new));
        List<CpioEntries.Entry> entries = CpioEntries.parse(Files.readAllBytes(guest.initramfs()));
        assertThat(CpioEntries.find(entries, "etc/qmpkit/modules").orElseThrow().text())
                .as("dependencies first").isEqualTo("failover\nnet_failover\nvirtio_net\nvirtio_blk\n");
        assertThat(CpioEntries.find(entries, "lib64/ld-linux-x86-64.so.2")).isPresent();
        assertThat(CpioEntries.find(entries, "usr/sbin/qemu-ga")).isPresent();
    }

    @Test
    void offlineWithAptsListsGoneTheGuestBuiltBeforeIsStillFound() throws Exception {
        PackageSource offline = new PackageSource() {
            @Override
            public List<String> search(String nameRegex) throws IOException {
                throw new IOException("apt-cache search failed (exit 100): E: The package lists are gone");
            }

            @Override
            public Map<String, String> candidateVersions(List<String> names) throws IOException {
                throw new IOException("apt-cache policy failed");
            }

            @Override
            public Path download(String name, String version, Path dir) throws IOException {
                throw new IOException("offline");
            }

            @Override
            public java.util.Optional<String> indexFingerprint() {
                return java.util.Optional.of("the lists changed");
            }
        };
        List<String> progress = new java.util.concurrent.CopyOnWriteArrayList<>();

        LinuxGuest again = builder().packageSource(offline).progress(progress::add).build();

        assertThat(again).isEqualTo(guest);
        assertThat(progress).anyMatch(l -> l.contains("apt cannot resolve the packages now")
                && l.contains("using the versions resolved before"));
    }

    @Test
    void aChangedInputBuildsAnotherGuestFromTheDownloadedPackages() throws Exception {
        Path root = cache.resolve("linux-guest");
        Path stale = Files.createDirectories(root.resolve(".build-crashed"));
        Files.setLastModifiedTime(stale, FileTime.from(Instant.now().minus(Duration.ofHours(2))));
        source.reset();

        LinuxGuest other = builder().hostname("other-guest").build();

        assertThat(source.downloads()).as("packages downloaded again").isZero();
        assertThat(other.initramfs().getParent()).isNotEqualTo(guest.initramfs().getParent());
        assertThat(hostnameIn(other)).isEqualTo("other-guest\n");
        assertThat(hostnameIn(guest)).as("the first guest is untouched").isEqualTo("it-guest\n");
        assertThat(stale).as("a build folder left by a crash is removed").doesNotExist();
        try (Stream<Path> left = Files.list(root)) {
            assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".build-"));
        }
    }

    @Test
    void aBuildThatFailsMidwayLeavesNothingALaterBuildWouldUse() throws Exception {
        Path root = cache.resolve("linux-guest");
        List<Path> before;
        try (Stream<Path> s = Files.list(root)) {
            before = s.toList();
        }
        // 9 MiB of data on an 8 MiB disk: mke2fs fails after the initramfs was written.
        LinuxGuest.Builder tooBig = builder().hostname("too-big").dataDiskSize(8L << 20)
                .dataFile("big.bin", random(9 << 20));

        assertThatThrownBy(tooBig::build).isInstanceOf(GuestBuildException.class)
                .hasMessageContaining("mke2fs could not build the data disk").hasMessageContaining("dataDiskSize");

        try (Stream<Path> s = Files.list(root)) {
            assertThat(s.toList()).as("nothing added to the cache").containsExactlyInAnyOrderElementsOf(before);
        }
    }

    private static boolean awaitText(Path file, String text, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.readString(file, StandardCharsets.ISO_8859_1).contains(text)) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    /** Random, so mke2fs cannot store it as holes. */
    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new java.util.Random(1).nextBytes(b);
        return b;
    }

    private static String hostnameIn(LinuxGuest g) throws IOException {
        return CpioEntries.find(CpioEntries.parse(Files.readAllBytes(g.initramfs())), "etc/hostname").orElseThrow()
                .text();
    }

    /** Copies the packages the user's cache already holds, so this class downloads only what is new. */
    private static void seedDownloads(Path cache) throws IOException {
        Path from = LinuxGuest.defaultCacheDir().resolve("linux-guest/debs");
        Path to = Files.createDirectories(cache.resolve("linux-guest/debs"));
        if (Files.isDirectory(from)) {
            try (Stream<Path> debs = Files.list(from)) {
                for (Path deb : debs.filter(p -> p.toString().endsWith(".deb")).toList()) {
                    Files.copy(deb, to.resolve(deb.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static void run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", cmd) + ": " + out).isZero();
    }

    /** The host's apt, with every question counted. */
    static final class CountingSource implements PackageSource {
        private final PackageSource apt;
        private final List<String> calls = new java.util.concurrent.CopyOnWriteArrayList<>();

        CountingSource(PackageSource apt) {
            this.apt = apt;
        }

        void reset() {
            calls.clear();
        }

        List<String> calls() {
            return List.copyOf(calls);
        }

        long downloads() {
            return calls.stream().filter(c -> c.startsWith("download")).count();
        }

        @Override
        public List<String> search(String nameRegex) throws IOException, InterruptedException {
            calls.add("search " + nameRegex);
            return apt.search(nameRegex);
        }

        @Override
        public Map<String, String> candidateVersions(List<String> names) throws IOException, InterruptedException {
            calls.add("policy " + names);
            return apt.candidateVersions(names);
        }

        @Override
        public Path download(String name, String version, Path dir) throws IOException, InterruptedException {
            calls.add("download " + name);
            return apt.download(name, version, dir);
        }

        @Override
        public java.util.Optional<String> indexFingerprint() throws IOException {
            return apt.indexFingerprint();
        }
    }
}
