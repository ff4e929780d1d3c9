package dev.qmpkit.templating.fixup;

import dev.qmpkit.qmp.Futures;
import dev.qmpkit.qmp.QmpException;
import dev.qmpkit.qmp.agent.GuestAgentClient;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Writes a new {@code /etc/machine-id} through the agent: 32 lower-case hex digits from the
 * host's {@link SecureRandom} (a random v4 UUID without dashes, as systemd writes it). Every
 * clone otherwise shares the template's, which systemd, journald, D-Bus and DHCP client ids
 * derive from. Services that read it at boot keep the old one until restarted. Obtain with
 * {@link FixUps#machineId()}.
 */
public final class MachineIdFixUp extends NamedFixUp {

    /** The fix-up's name. */
    public static final String NAME = "machine-id";
    /** Where the id lives in the guest. */
    public static final String PATH = "/etc/machine-id";

    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * What the machine-id fix-up changed.
     *
     * @param before the id the guest had (the template's), empty when the file was missing; never null
     * @param after the id it has now, read back from the guest; never null
     */
    public record Result(String before, String after) {
    }

    MachineIdFixUp() {
        super(NAME);
    }

    @Override
    public FixUpOutcome apply(FixUpContext context) {
        GuestAgentClient agent = context.agent();
        String before;
        try {
            before = read(agent);
        } catch (QmpException e) {
            before = "";
        }
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        b[6] = (byte) ((b[6] & 0x0f) | 0x40);
        b[8] = (byte) ((b[8] & 0x3f) | 0x80);
        String id = HexFormat.of().formatHex(b);
        Futures.await(agent.writeFile(PATH, (id + "\n").getBytes(StandardCharsets.US_ASCII)));
        String after = read(agent);
        if (!after.equals(id)) {
            throw new IllegalStateException(PATH + " reads '" + after + "' after writing '" + id + "'");
        }
        return FixUpOutcome.of("machine-id " + (before.isEmpty() ? "(none)" : before) + " -> " + after,
                new Result(before, after));
    }

    private static String read(GuestAgentClient agent) {
        return new String(Futures.await(agent.readFile(PATH)), StandardCharsets.US_ASCII).strip();
    }
}
