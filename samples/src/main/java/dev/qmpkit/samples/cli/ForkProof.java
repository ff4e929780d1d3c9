package dev.qmpkit.samples.cli;

import com.sun.net.httpserver.HttpServer;
import dev.qmpkit.qmp.agent.BlockingGuestAgent;
import dev.qmpkit.qmp.agent.ExecRequest;
import dev.qmpkit.qmp.agent.ExecResult;
import dev.qmpkit.templating.CloneOptions;
import dev.qmpkit.templating.CloneReport;
import dev.qmpkit.templating.CloneVm;
import dev.qmpkit.templating.fixup.ClockFixUp;
import dev.qmpkit.templating.fixup.EntropyFixUp;
import dev.qmpkit.templating.fixup.FixUps;
import dev.qmpkit.templating.fixup.NetworkFixUp;
import dev.qmpkit.templating.guest.LinuxGuest;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

/**
 * Proves that clones of a running Linux are each their own and do real work at once (issue 9):
 * each starts with every fix-up (clock, entropy, machine id, host name, a NIC with a MAC of its
 * own and DHCP), runs a command as soon as it is handed out, fetches a page the demo serves on
 * the host's loopback through 10.0.2.2, and writes a file on its data disk that its siblings do
 * not see. Everything is read through the clones' guest agents.
 */
final class ForkProof {

    /** Where the guest reaches the host's loopback under user-mode networking. */
    static final String HOST_FROM_GUEST = "10.0.2.2";
    private static final Duration EXEC_TIMEOUT = Duration.ofSeconds(60);

    /**
     * What {@link #inspect} found in one clone.
     *
     * @param firstExecMs {@code startClone()} to the first exec result; never null
     * @param identity never null
     * @param network never null
     * @param disk never null
     */
    record Found(Double firstExecMs, DemoReport.Identity identity, DemoReport.Network network,
                 DemoReport.DiskCheck disk) {
    }

    private ForkProof() {
    }

    /** @return every fix-up the SDK has, the network one included */
    static CloneOptions options() {
        return CloneOptions.builder()
                .fixUps(FixUps.clock(), FixUps.entropy(), FixUps.machineId(), FixUps.hostname(), FixUps.network())
                .build();
    }

    /**
     * The clone's first command: its host name (set by the fix-up), as a user's first command
     * would run right after {@code startClone()} returned.
     *
     * @param clone a clone just handed out; never null
     * @return what the command printed
     */
    static ExecResult firstExec(CloneVm clone) {
        return sh(clone.agent().blocking(), "hostname");
    }

    /**
     * A small HTTP server on the host's loopback that answers {@code /page/NAME} with a token
     * and the name, and counts what it served. Close it to stop it.
     */
    static final class HostPage implements AutoCloseable {
        private final HttpServer server;
        private final String token = UUID.randomUUID().toString();

        HostPage() throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/page/", ex -> {
                byte[] body = body(ex.getRequestURI().getPath().substring("/page/".length()))
                        .getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
                ex.close();
            });
            server.start();
        }

        int port() {
            return server.getAddress().getPort();
        }

        String body(String name) {
            return "qmpkit " + token + " for " + name + "\n";
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    /**
     * Reads each clone's identity, fetches the host's page from it and checks its disk writes
     * stay its own.
     *
     * @param clones running clones, started with {@link #options()}; never null
     * @param firstExecMs each clone's {@code startClone()} to first exec result, by name; never null
     * @param page the host's page; never null
     * @param progress one line per clone; never null
     * @return one entry per clone, in order
     */
    static List<Found> inspect(List<CloneVm> clones, Map<String, Double> firstExecMs, HostPage page,
                               Progress progress) throws NoSuchAlgorithmException {
        // Every clone writes first, then each looks for its siblings' files.
        for (CloneVm c : clones) {
            sh(c.agent().blocking(), "echo " + c.name() + " > " + written(c) + " && sync");
        }
        List<Found> found = new ArrayList<>();
        for (CloneVm c : clones) {
            BlockingGuestAgent agent = c.agent().blocking();
            CloneReport r = c.report();
            String machineId = new String(agent.readFile("/etc/machine-id"), StandardCharsets.US_ASCII).strip();
            byte[] random = sh(agent, "head -c 1024 /dev/urandom").stdout();
            String urandom = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(random));
            ClockFixUp.Result clock = r.detail(ClockFixUp.Result.class).orElse(null);
            EntropyFixUp.Result entropy = r.detail(EntropyFixUp.Result.class).orElse(null);
            DemoReport.Identity identity = new DemoReport.Identity(c.mac(), agent.hostName(), machineId, urandom,
                    clock == null ? null : clock.skewBefore().toMillis(),
                    clock == null ? null : clock.skewAfter().toMillis(),
                    entropy == null ? null : entropy.reseeded());

            String url = "http://" + HOST_FROM_GUEST + ":" + page.port() + "/page/" + c.name();
            // busybox's wget -T crashes (QEMU-FACTS): timeout bounds it instead.
            ExecResult fetch = agent.exec(ExecRequest.builder("sh").args("-c", "timeout 20 wget -q -O - " + url)
                    .timeout(EXEC_TIMEOUT).build());
            boolean fetched = fetch.succeeded() && fetch.stdoutText().equals(page.body(c.name()));
            DemoReport.Network network = new DemoReport.Network(
                    r.detail(NetworkFixUp.Result.class).map(NetworkFixUp.Result::ipv4).orElse(null), fetched);

            ExecResult own = agent.exec(ExecRequest.of("cat", written(c)));
            String listing = sh(agent, "ls " + LinuxGuest.DATA_MOUNT_POINT).stdoutText();
            boolean readBack = own.succeeded() && own.stdoutText().equals(c.name() + "\n");
            Boolean writePrivate = clones.size() < 2 ? null : readBack && siblingsSee(c, clones).isEmpty();
            found.add(new Found(firstExecMs.get(c.name()), identity, network, new DemoReport.DiskCheck(
                    writePrivate)));
            progress.step("%s: %s, %s, machine-id %s, clock %s -> %s ms, reseeded %s, %s fetched %s from the host; "
                            + "data disk: %s", c.name(), identity.mac(), identity.hostname(), machineId,
                    identity.clockSkewBeforeMs(), identity.clockSkewAfterMs(), identity.reseeded(), network.ip(),
                    fetched ? "the page" : "NOTHING (" + fetch.stderrText().strip() + ")", listing.strip()
                            .replace('\n', ' '));
        }
        return found;
    }

    /**
     * @param found what {@link #inspect} returned; never null
     * @return whether MACs, host names, machine ids and urandom reads are pairwise different
     */
    static boolean distinct(List<Found> found) {
        return distinct(found, DemoReport.Identity::mac) && distinct(found, DemoReport.Identity::hostname)
                && distinct(found, DemoReport.Identity::machineId) && distinct(found, DemoReport.Identity::urandomSha256);
    }

    /** Prints the per-clone table of what makes each clone its own. */
    static void print(List<DemoReport.CloneInfo> clones, PrintStream out) {
        TextTable t = new TextTable("clone", "first exec", "MAC", "hostname", "machine-id", "urandom sha256",
                "clock skew", "reseeded", "IP", "host page", "disk private");
        for (DemoReport.CloneInfo c : clones) {
            DemoReport.Identity id = c.identity();
            t.row(c.name(), c.firstExecMs() == null ? "-" : CloneProof.fmt(c.firstExecMs()), id.mac(), id.hostname(),
                    id.machineId().substring(0, Math.min(12, id.machineId().length())) + "...",
                    id.urandomSha256().substring(0, 12) + "...",
                    id.clockSkewBeforeMs() == null ? "-" : id.clockSkewBeforeMs() + " -> " + id.clockSkewAfterMs() + " ms",
                    id.reseeded() == null ? "-" : id.reseeded() ? "yes" : "NO",
                    c.network() == null ? "-" : c.network().ip(),
                    c.network() == null ? "-" : c.network().fetchedFromHost() ? "fetched" : "NO",
                    c.disk() == null || c.disk().writePrivate() == null ? "-" : c.disk().writePrivate() ? "yes" : "NO");
        }
        out.print(t);
    }

    private static List<String> siblingsSee(CloneVm writer, List<CloneVm> clones) {
        List<String> seenBy = new ArrayList<>();
        for (CloneVm other : clones) {
            if (other != writer && other.agent().blocking().exec(ExecRequest.of("test", "-e", written(writer)))
                    .succeeded()) {
                seenBy.add(other.name());
            }
        }
        return seenBy;
    }

    private static String written(CloneVm c) {
        return LinuxGuest.DATA_MOUNT_POINT + "/written-by-" + c.name();
    }

    private static boolean distinct(List<Found> found, Function<DemoReport.Identity, String> field) {
        Set<String> seen = new HashSet<>();
        return found.stream().map(f -> field.apply(f.identity())).allMatch(v -> v != null && seen.add(v));
    }

    private static ExecResult sh(BlockingGuestAgent agent, String script) {
        ExecResult r = agent.exec(ExecRequest.builder("sh").args("-c", script).timeout(EXEC_TIMEOUT).build());
        if (!r.succeeded()) {
            throw new CliFailure("in the guest, '" + script + "' failed: " + r, "see the progress lines above", null);
        }
        return r;
    }
}
