package dev.qmpkit.templating.fixup;

import com.fasterxml.jackson.databind.JsonNode;
import dev.qmpkit.qmp.Futures;
import dev.qmpkit.qmp.agent.ExecRequest;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * The built-in fix-ups, and the standard sequence a clone gets unless its
 * {@link dev.qmpkit.templating.CloneOptions} say otherwise.
 *
 * <pre>{@code
 * CloneOptions options = CloneOptions.builder()
 *     .fixUps(FixUps.clock(), FixUps.entropy(), FixUps.machineId(), FixUps.hostname(),
 *             FixUps.network(),
 *             FixUps.guestCommand("ssh-keys", ExecRequest.of("ssh-keygen", "-A")).onFailure(FailurePolicy.WARN))
 *     .build();
 * }</pre>
 */
public final class FixUps {

    private FixUps() {
    }

    /**
     * @return clock, entropy, machine id, hostname, in that order (the clock first, so whatever
     *         the others log carries the right time); the default of
     *         {@link dev.qmpkit.templating.CloneOptions#fixUps()}; never null, immutable
     */
    public static List<FixUp> standard() {
        return List.of(clock(), entropy(), machineId(), hostname());
    }

    /** @return the guest's wall clock set from the host's; see {@link ClockFixUp}; never null */
    public static FixUp clock() {
        return new ClockFixUp();
    }

    /** @return the guest's CRNG reseeded with host entropy; see {@link EntropyFixUp}; never null */
    public static FixUp entropy() {
        return new EntropyFixUp();
    }

    /** @return a new {@code /etc/machine-id}; see {@link MachineIdFixUp}; never null */
    public static FixUp machineId() {
        return new MachineIdFixUp();
    }

    /**
     * @return a host name of the clone's own: its name and six random hex digits, e.g.
     *         {@code clone-3-4f09a2}; see {@link HostnameFixUp}; never null
     */
    public static FixUp hostname() {
        return new HostnameFixUp(HostnameFixUp::defaultName);
    }

    /**
     * @param naming gives each clone its host name (letters, digits, inner '-', up to 63); never null
     * @return the hostname fix-up with names of the caller's; never null
     */
    public static FixUp hostname(Function<FixUpContext, String> naming) {
        return new HostnameFixUp(naming);
    }

    /**
     * @return a NIC with a MAC from the owner's allocator on a per-clone user-mode network,
     *         configured with DHCP; see {@link NetworkFixUp} for taps and static addresses; never null
     */
    public static FixUp network() {
        return NetworkFixUp.builder().build();
    }

    /**
     * A hook: a program run in the guest, which must exit 0.
     *
     * @param name the fix-up's name; never null or blank
     * @param request the program; never null
     * @return the fix-up; see {@link GuestCommandFixUp}; never null
     */
    public static FixUp guestCommand(String name, ExecRequest request) {
        return new GuestCommandFixUp(name, request);
    }

    /**
     * A hook: any guest agent command, e.g. {@code guest-fstrim}; fails on an error reply.
     *
     * @param name the fix-up's name; never null or blank
     * @param command the agent command; never null
     * @param arguments its arguments (null, a {@code Map}, a record ...)
     * @return the fix-up, whose detail is the command's JSON reply; never null
     */
    public static FixUp agentCommand(String name, String command, Object arguments) {
        Objects.requireNonNull(command, "command");
        return new NamedFixUp.Simple(name, true, FailurePolicy.FAIL_CLONE, ctx -> {
            JsonNode reply = Futures.await(ctx.agent().execute(command, arguments));
            return FixUpOutcome.of(command + " answered", reply);
        }, command);
    }
}
