package dev.qmpkit.templating.fixup;

import com.fasterxml.jackson.databind.JsonNode;
import dev.qmpkit.qmp.Futures;
import dev.qmpkit.qmp.agent.ExecRequest;
import dev.qmpkit.qmp.agent.ExecResult;
import dev.qmpkit.qmp.agent.GuestAgentClient;
import dev.qmpkit.templating.fixup.internal.ReseedHelper;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.UUID;

/**
 * Makes sure the clone's kernel random number generator no longer produces its siblings'
 * numbers. Every clone wakes with the template's CRNG state in RAM, so without a reseed two
 * clones read identical bytes from {@code /dev/urandom} (and generate identical keys, UUIDs,
 * TCP sequence numbers) until the kernel reseeds on its own schedule, up to a minute later.
 *
 * <ol>
 *   <li><b>vmgenid</b>: each clone is launched with a fresh generation id (when the description
 *       has {@link dev.qmpkit.templating.VmDescription#vmgenid()}); QEMU notifies the guest when
 *       the state is loaded, and a kernel with the vmgenid driver (Linux 5.18+,
 *       {@code CONFIG_VMGENID}) reseeds at once and logs "crng reseeded due to virtual machine
 *       fork". The fix-up checks with {@code query-vm-generation-id} that QEMU holds the clone's
 *       id, and, through the agent, whether the driver is bound and the message was logged.</li>
 *   <li><b>host entropy</b>: it writes {@value #HOST_BYTES} bytes from the host's
 *       {@link SecureRandom} into the guest's {@code /dev/urandom} through the agent. That mixes
 *       them into the kernel's input pool, which the next reseed draws from.</li>
 *   <li><b>forced reseed</b>: when the kernel did not log the vmgenid reseed (no driver, no
 *       vmgenid device, or a kernel before 5.18), it copies a 400-byte static x86-64 helper into
 *       the guest's {@code /tmp} and runs it through the agent; it issues
 *       {@code ioctl(RNDRESEEDCRNG)} (Linux 4.17+), so the host's bytes reach the output now.</li>
 * </ol>
 * The result says which of these happened. Without a guest agent only the first is possible.
 * Obtain with {@link FixUps#entropy()}.
 */
public final class EntropyFixUp extends NamedFixUp {

    /** The fix-up's name. */
    public static final String NAME = "entropy";
    /** How many bytes of host entropy are written into the guest. */
    public static final int HOST_BYTES = 64;
    /** What a kernel with the vmgenid driver logs when it reseeds on a new generation id. */
    public static final String RESEED_MESSAGE = "crng reseeded due to virtual machine fork";

    /** How long to wait for the reseed message once the driver is known to be bound. */
    private static final Duration MESSAGE_WAIT = Duration.ofSeconds(1);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String PROBE = "d=no; for p in /sys/bus/platform/drivers/vmgenid /sys/bus/acpi/drivers/vmgenid; "
            + "do for e in \"$p\"/*:*; do [ -e \"$e\" ] && d=yes; done; done; echo \"driver=$d\"; "
            + "if out=$(dmesg 2>/dev/null); then printf 'logged=%s\\n' \"$(printf '%s\\n' \"$out\" | grep -c '"
            + RESEED_MESSAGE + "')\"; else echo logged=unknown; fi";
    private static final String RUN_HELPER = "chmod 700 \"$0\" && \"$0\"; r=$?; rm -f \"$0\"; exit $r";

    /**
     * What the entropy fix-up found and did.
     *
     * @param vmgenid the clone's fresh vmgenid GUID, or null when the description has no vmgenid
     * @param generationIdConfirmed whether QEMU reported that GUID ({@code query-vm-generation-id})
     * @param driverBound whether the guest's vmgenid driver is bound to the device; null when
     *                    unknown (no agent)
     * @param reseedLogged whether the kernel logged {@value #RESEED_MESSAGE}; null when unknown
     *                     (no agent, or {@code dmesg} not readable)
     * @param hostEntropyBytes how many bytes of host entropy were written into the guest's
     *                         {@code /dev/urandom} (0 without an agent)
     * @param reseedForced whether the fix-up made the kernel reseed ({@code RNDRESEEDCRNG})
     */
    public record Result(UUID vmgenid, boolean generationIdConfirmed, Boolean driverBound, Boolean reseedLogged,
                         int hostEntropyBytes, boolean reseedForced) {

        /** @return whether the guest's CRNG is known to have reseeded since the clone resumed */
        public boolean reseeded() {
            return Boolean.TRUE.equals(reseedLogged) || reseedForced;
        }
    }

    /** Without an agent it still checks the clone's vmgenid, so it does not need one. */
    EntropyFixUp() {
        super(NAME, false, FailurePolicy.FAIL_CLONE);
    }

    @Override
    public FixUpOutcome apply(FixUpContext context) {
        UUID guid = context.vmgenid();
        boolean confirmed = false;
        if (guid != null) {
            JsonNode r = Futures.await(context.qmp().execute("query-vm-generation-id"));
            UUID reported = UUID.fromString(r.path("guid").asText());
            if (!reported.equals(guid)) {
                throw new IllegalStateException("QEMU reports vmgenid " + reported + ", not the clone's " + guid);
            }
            confirmed = true;
        }
        if (!context.hasAgent()) {
            Result result = new Result(guid, confirmed, null, null, 0, false);
            return FixUpOutcome.of(guid == null ? "no vmgenid and no guest agent: nothing could be done"
                    : "fresh vmgenid " + guid + "; no guest agent, so no host entropy and no way to tell whether the "
                    + "guest reseeded", result);
        }
        GuestAgentClient agent = context.agent();
        byte[] seed = new byte[HOST_BYTES];
        RANDOM.nextBytes(seed);
        Futures.await(agent.writeFile("/dev/urandom", seed));
        Probe p = probe(agent);
        if (guid != null && p.driverBound() && Boolean.FALSE.equals(p.logged())) {
            // The guest handles QEMU's notification shortly after it resumes; give it a moment.
            long deadline = System.nanoTime() + MESSAGE_WAIT.toNanos();
            while (Boolean.FALSE.equals(p.logged()) && System.nanoTime() < deadline) {
                sleep(100, "the guest's reseed");
                p = probe(agent);
            }
        }
        boolean forced = false;
        if (!Boolean.TRUE.equals(p.logged())) {
            forceReseed(agent);
            forced = true;
        }
        Result result = new Result(guid, confirmed, p.driverBound(), p.logged(), HOST_BYTES, forced);
        String how = Boolean.TRUE.equals(p.logged()) ? "the kernel reseeded on the new vmgenid"
                : "reseed forced (RNDRESEEDCRNG): " + (guid == null ? "no vmgenid device"
                : !p.driverBound() ? "the kernel has no vmgenid driver bound" : "no vmgenid reseed logged");
        return FixUpOutcome.of(how + "; " + HOST_BYTES + " bytes of host entropy written", result);
    }

    private record Probe(boolean driverBound, Boolean logged) {
    }

    private static Probe probe(GuestAgentClient agent) {
        ExecResult r = Futures.await(agent.exec(ExecRequest.builder("sh").args("-c", PROBE)
                .timeout(Duration.ofSeconds(10)).build()));
        String out = r.stdoutText();
        if (!r.succeeded() || !out.contains("driver=")) {
            throw new IllegalStateException("the probe for the vmgenid driver failed (status " + r.shellStatus()
                    + "): " + r.stderrText().strip());
        }
        boolean driver = out.contains("driver=yes");
        Boolean logged = out.contains("logged=unknown") ? null : !out.contains("logged=0");
        return new Probe(driver, logged);
    }

    private static void forceReseed(GuestAgentClient agent) {
        byte[] b = new byte[6];
        RANDOM.nextBytes(b);
        String path = "/tmp/.qmpkit-reseed-" + HexFormat.of().formatHex(b);
        Futures.await(agent.writeFile(path, ReseedHelper.bytes()));
        ExecResult r = Futures.await(agent.exec(ExecRequest.builder("sh").args("-c", RUN_HELPER, path)
                .timeout(Duration.ofSeconds(10)).build()));
        if (!r.succeeded()) {
            throw new IllegalStateException("the reseed helper failed in the guest (status " + r.shellStatus()
                    + (r.shellStatus() == 1 ? ", EPERM: the agent does not run as root" : r.shellStatus() == 25
                    ? ", ENOTTY: the kernel is older than 4.17" : r.shellStatus() == 61 ? ", ENODATA: the guest's "
                    + "CRNG is not seeded yet" : r.shellStatus() == 126 ? ", not executable: /tmp is mounted noexec, "
                    + "or the guest is not x86-64" : "") + ")"
                    + (r.stderrText().isBlank() ? "" : ": " + r.stderrText().strip()));
        }
    }
}
