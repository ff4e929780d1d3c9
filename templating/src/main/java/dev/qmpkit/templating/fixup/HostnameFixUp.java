package dev.qmpkit.templating.fixup;

import dev.qmpkit.qmp.Futures;
import dev.qmpkit.qmp.agent.GuestAgentClient;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Gives the clone a host name of its own through the agent: the kernel's
 * ({@code /proc/sys/kernel/hostname}) and {@code /etc/hostname}, then reads it back with
 * {@code guest-get-host-name}. Every clone of a template otherwise answers to the template's
 * name. Services that read the name at boot keep the old one until restarted. Obtain with
 * {@link FixUps#hostname()}.
 */
public final class HostnameFixUp extends NamedFixUp {

    /** The fix-up's name. */
    public static final String NAME = "hostname";

    private static final Pattern HOSTNAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * What the hostname fix-up changed.
     *
     * @param before the name the guest had (the template's); never null
     * @param after the name it has now, read back from the guest; never null
     */
    public record Result(String before, String after) {
    }

    private final Function<FixUpContext, String> naming;

    HostnameFixUp(Function<FixUpContext, String> naming) {
        super(NAME);
        this.naming = Objects.requireNonNull(naming, "naming");
    }

    /**
     * @param context the clone; never null
     * @return the default name: the clone's name and six random hex digits, e.g. {@code clone-3-4f09a2},
     *         so clones of different owners or processes differ too
     */
    static String defaultName(FixUpContext context) {
        byte[] b = new byte[3];
        RANDOM.nextBytes(b);
        return context.cloneName() + "-" + HexFormat.of().formatHex(b);
    }

    @Override
    public FixUpOutcome apply(FixUpContext context) {
        String name = naming.apply(context);
        if (name == null || !HOSTNAME.matcher(name).matches()) {
            throw new IllegalArgumentException("the hostname fix-up's naming function gave '" + name + "', which is "
                    + "not a host name (letters, digits, inner '-', up to 63)");
        }
        GuestAgentClient agent = context.agent();
        String before = Futures.await(agent.hostName());
        Futures.await(agent.writeFile("/proc/sys/kernel/hostname", name.getBytes(StandardCharsets.US_ASCII)));
        Futures.await(agent.writeFile("/etc/hostname", (name + "\n").getBytes(StandardCharsets.US_ASCII)));
        String after = Futures.await(agent.hostName());
        if (!after.equals(name)) {
            throw new IllegalStateException("the guest's host name is '" + after + "' after setting '" + name + "'");
        }
        return FixUpOutcome.of("hostname " + before + " -> " + after, new Result(before, after));
    }
}
