package dev.qmpkit.templating;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.qmpkit.qmp.agent.BlockingGuestAgent;
import dev.qmpkit.qmp.agent.ExecRequest;
import dev.qmpkit.qmp.agent.ExecResult;
import dev.qmpkit.qmp.agent.GuestNetworkInterface;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.templating.fixup.ClockFixUp;
import dev.qmpkit.templating.fixup.EntropyFixUp;
import dev.qmpkit.templating.fixup.FixUpResult;
import dev.qmpkit.templating.fixup.FixUps;
import dev.qmpkit.templating.fixup.HostnameFixUp;
import dev.qmpkit.templating.fixup.MachineIdFixUp;
import dev.qmpkit.templating.fixup.NetworkFixUp;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The hazards of forking a running Linux guest, each shown real and then fixed, on QEMU 10.0
 * and 7.2 with the real Linux guest (6.12 cloud kernel with the vmgenid driver, qemu-ga): eight
 * clones of one template aged at least 10 s get their own clock, random numbers, MAC, host
 * name, machine id and a working network; without the vmgenid driver the host's entropy and a
 * forced reseed are what make clones differ. docs/FORK-CORRECTNESS.md quotes what these print.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class ForkCorrectnessIT {

    private static final Duration AGE = Duration.ofSeconds(10);
    private static final int CLONES = 8;

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void eightClonesOfAnAgedTemplateEachGetTheirOwnClockEntropyIdentityAndNetwork(QemuBinary qemu) throws Exception {
        LinuxTemplates.Saved saved = LinuxTemplates.withAgentAndDisk(qemu);
        saved.awaitAge(AGE);
        String version = saved.template().manifest().qemu().version();
        String token = "qmpkit-" + UUID.randomUUID();
        AtomicInteger fetched = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/page", ex -> {
            fetched.incrementAndGet();
            byte[] body = token.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        // A hook for what the SDK cannot know (here: the login banner names the clone, as new SSH host keys would be).
        CloneOptions options = CloneOptions.builder()
                .fixUps(FixUps.clock(), FixUps.entropy(), FixUps.machineId(), FixUps.hostname(), FixUps.network(),
                        FixUps.guestCommand("banner", ExecRequest.of("sh", "-c", "hostname > /etc/issue")))
                .build();
        List<CloneVm> clones = new CopyOnWriteArrayList<>();
        ExecutorService starter = Executors.newFixedThreadPool(4);
        try {
            List<Future<CloneVm>> starts = new ArrayList<>();
            for (int i = 0; i < CLONES; i++) {
                starts.add(starter.submit(() -> {
                    CloneVm c = saved.template().startClone(options);
                    clones.add(c);
                    return c;
                }));
            }
            for (Future<CloneVm> f : starts) {
                f.get(5, TimeUnit.MINUTES);
            }
            Set<String> urandom = new HashSet<>();
            Set<String> macs = new HashSet<>();
            Set<String> hostnames = new HashSet<>();
            Set<String> machineIds = new HashSet<>();
            Set<UUID> smbios = new HashSet<>();
            for (CloneVm c : clones) {
                CloneReport r = c.report();
                BlockingGuestAgent agent = c.agent().blocking();
                assertThat(r.fixUps()).extracting(FixUpResult::status).containsOnly(FixUpResult.Status.DONE);

                ClockFixUp.Result clock = r.detail(ClockFixUp.Result.class).orElseThrow();
                assertThat(clock.skewBefore()).as("the hazard: the clone's clock resumed at the save")
                        .isLessThan(AGE.minusMillis(500).negated());
                assertThat(clock.skewAfter().abs()).isLessThan(Duration.ofMillis(500));
                Duration now = skew(agent);
                assertThat(now.abs()).as("the guest's clock, checked after all clones started").isLessThan(
                        Duration.ofMillis(500));

                EntropyFixUp.Result entropy = r.detail(EntropyFixUp.Result.class).orElseThrow();
                assertThat(entropy.vmgenid()).isEqualTo(c.vmgenid()).isNotEqualTo(saved.vmgenid());
                assertThat(entropy.generationIdConfirmed()).isTrue();
                assertThat(entropy.driverBound()).isTrue();
                assertThat(entropy.reseedLogged()).as("the kernel reseeded on the new vmgenid").isTrue();
                assertThat(entropy.reseedForced()).isFalse();
                assertThat(sh(agent, "dmesg").stdoutText()).contains(EntropyFixUp.RESEED_MESSAGE);
                byte[] random = sh(agent, "head -c 1024 /dev/urandom").stdout();
                assertThat(random).hasSize(1024);
                urandom.add(HexFormat.of().formatHex(random));

                NetworkFixUp.Result net = r.detail(NetworkFixUp.Result.class).orElseThrow();
                assertThat(net.mac()).isEqualTo(c.mac()).startsWith(c.template().templating().macAllocator().prefix());
                assertThat(agent.networkInterfaces()).extracting(GuestNetworkInterface::hardwareAddress)
                        .contains(net.mac());
                assertThat(net.ipv4()).isEqualTo("10.0.2.15/24");
                macs.add(net.mac());
                ExecResult page = sh(agent, "timeout 20 wget -q -O - http://10.0.2.2:" + server.getAddress().getPort()
                        + "/page");
                assertThat(page.stdoutText()).as(page.stderrText()).isEqualTo(token);

                HostnameFixUp.Result host = r.detail(HostnameFixUp.Result.class).orElseThrow();
                assertThat(host.before()).isEqualTo(saved.hostname());
                assertThat(agent.hostName()).isEqualTo(host.after()).startsWith(c.name() + "-");
                hostnames.add(agent.hostName());
                assertThat(new String(agent.readFile("/etc/issue"), StandardCharsets.US_ASCII))
                        .as("the hook ran after the hostname fix-up").isEqualTo(host.after() + "\n");
                MachineIdFixUp.Result id = r.detail(MachineIdFixUp.Result.class).orElseThrow();
                assertThat(id.before()).isEqualTo(saved.machineId());
                String machineId = new String(agent.readFile("/etc/machine-id"), StandardCharsets.US_ASCII).strip();
                assertThat(machineId).isEqualTo(id.after()).matches("[0-9a-f]{32}");
                machineIds.add(machineId);

                assertThat(r.guestSmbiosUuid()).as("the guest's SMBIOS UUID is the template's")
                        .isEqualTo(saved.smbiosUuid()).isNotEqualTo(c.uuid());
                assertThat(c.qmp().blocking().execute("query-uuid").path("UUID").asText())
                        .as("QEMU's answer is the clone's own").isEqualTo(c.uuid().toString());
                smbios.add(r.guestSmbiosUuid());
                System.out.printf("[%s] %s: spawn-to-running %d ms, agent answered %d ms after cont, spawn-to-ready "
                                + "%d ms; clock skew %d ms -> %d ms; %s%n", version, c.name(),
                        c.spawnToRunning().toMillis(), r.agentReady().toMillis(), c.spawnToReady().toMillis(),
                        clock.skewBefore().toMillis(), clock.skewAfter().toMillis(),
                        r.fixUps().stream().map(f -> f.name() + " " + f.took().toMillis() + " ms").toList());
            }
            assertThat(urandom).as("pairwise different 1 KiB reads of /dev/urandom").hasSize(CLONES);
            assertThat(macs).hasSize(CLONES);
            assertThat(hostnames).hasSize(CLONES).doesNotContain(saved.hostname());
            assertThat(machineIds).hasSize(CLONES).doesNotContain(saved.machineId());
            assertThat(smbios).as("one SMBIOS UUID, the template's, in every clone").hasSize(1);
            assertThat(fetched.get()).isEqualTo(CLONES);
        } finally {
            starter.shutdownNow();
            clones.forEach(CloneVm::close);
            server.stop(0);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void withoutTheVmgenidDriverHostEntropyAndAForcedReseedAreWhatMakeClonesDiffer(QemuBinary qemu)
            throws Exception {
        LinuxTemplates.Saved saved = LinuxTemplates.withoutVmgenid(qemu);
        String version = saved.template().manifest().qemu().version();
        Set<String> unfixed = new HashSet<>();
        for (int i = 0; i < 2; i++) {
            try (CloneVm c = saved.template().startClone(CloneOptions.builder().fixUps().build())) {
                unfixed.add(HexFormat.of().formatHex(sh(c.agent().blocking(), "head -c 1024 /dev/urandom").stdout()));
            }
        }
        assertThat(unfixed).as("the hazard: two clones read the same bytes from /dev/urandom").hasSize(1);

        Set<String> fixed = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            try (CloneVm c = saved.template().startClone(CloneOptions.builder().fixUps(FixUps.entropy()).build())) {
                EntropyFixUp.Result e = c.report().detail(EntropyFixUp.Result.class).orElseThrow();
                assertThat(e.vmgenid()).isNull();
                assertThat(e.driverBound()).isFalse();
                assertThat(e.reseedLogged()).isFalse();
                assertThat(e.hostEntropyBytes()).isEqualTo(EntropyFixUp.HOST_BYTES);
                assertThat(e.reseedForced()).isTrue();
                fixed.add(HexFormat.of().formatHex(sh(c.agent().blocking(), "head -c 1024 /dev/urandom").stdout()));
                System.out.printf("[%s] %s without vmgenid: %s%n", version, c.name(),
                        c.report().fixUp(EntropyFixUp.NAME).orElseThrow());
            }
        }
        assertThat(fixed).as("pairwise different, and none the unfixed clones' bytes").hasSize(3)
                .doesNotContainAnyElementsOf(unfixed);
    }

    static ExecResult sh(BlockingGuestAgent agent, String script) {
        ExecResult r = agent.exec(ExecRequest.builder("sh").args("-c", script).timeout(Duration.ofSeconds(60)).build());
        assertThat(r.exitCode()).as("%s: %s", script, r.stderrText()).isZero();
        return r;
    }

    /** The guest's clock minus the host's, the host's taken halfway through the round trip. */
    static Duration skew(BlockingGuestAgent agent) {
        long t0 = System.nanoTime();
        Instant host = Instant.now();
        Instant guest = agent.getTime();
        return Duration.between(host.plusNanos((System.nanoTime() - t0) / 2), guest);
    }
}
