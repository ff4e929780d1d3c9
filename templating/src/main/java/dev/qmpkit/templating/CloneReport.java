package dev.qmpkit.templating;

import dev.qmpkit.templating.fixup.FixUpResult;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * What was done to make a clone its own after it resumed: how long its guest agent took to
 * answer and how each fix-up went, with its time; and the identity the guest cannot be given a
 * new one of. Obtain with {@link CloneVm#report()}.
 *
 * <pre>{@code
 * clone.report().detail(ClockFixUp.Result.class)
 *      .ifPresent(c -> System.out.println("clock was " + c.skewBefore().toMillis() + " ms off"));
 * }</pre>
 *
 * @param cloneName the clone's name; never null
 * @param pending whether the clone waits paused and its readiness wait and fix-ups run at its
 *                first {@link CloneVm#resume()} (then {@link #fixUps()} is empty)
 * @param agentReady from the clone's {@code cont} to its agent's first answer; null when it was
 *                   not awaited (no agent channel, {@link CloneOptions#awaitAgent()} off, or pending)
 * @param fixUps each fix-up's result, in the order they ran; never null, immutable
 * @param qemuUuid the clone's own {@code -uuid}, which QEMU reports ({@code query-uuid}); null
 *                 without {@link CloneOptions#freshUuid()}
 * @param guestSmbiosUuid the UUID the guest reads from its SMBIOS tables
 *                        ({@code /sys/class/dmi/id/product_uuid}, through the agent): the
 *                        template's, in every clone, because the firmware built those tables in
 *                        guest memory when the template booted. No clone gets a new one. Null
 *                        when the guest has none (QEMU puts none into SMBIOS for a template started
 *                        without {@code -uuid}) or it could not be read (no agent, not Linux)
 */
public record CloneReport(String cloneName, boolean pending, Duration agentReady, List<FixUpResult> fixUps,
                          UUID qemuUuid, UUID guestSmbiosUuid) {

    /**
     * Validates and copies.
     *
     * @param cloneName the clone's name; never null
     * @param pending whether the fix-ups wait for the first resume
     * @param agentReady cont to the agent's answer, or null
     * @param fixUps the results; never null
     * @param qemuUuid QEMU's {@code -uuid} of the clone, or null
     * @param guestSmbiosUuid the guest's SMBIOS UUID, or null
     */
    public CloneReport {
        Objects.requireNonNull(cloneName, "cloneName");
        fixUps = List.copyOf(Objects.requireNonNull(fixUps, "fixUps"));
    }

    /**
     * @param name a fix-up's name, e.g. {@code clock}; never null
     * @return its result; never null
     */
    public Optional<FixUpResult> fixUp(String name) {
        Objects.requireNonNull(name, "name");
        return fixUps.stream().filter(r -> r.name().equals(name)).findFirst();
    }

    /**
     * @param type a fix-up's result type, e.g. {@code ClockFixUp.Result.class}; never null
     * @param <T> that type
     * @return the first fix-up detail of that type; never null
     */
    public <T> Optional<T> detail(Class<T> type) {
        return fixUps.stream().map(r -> r.detail(type)).flatMap(Optional::stream).findFirst();
    }

    /** @return the fix-ups that failed with {@link dev.qmpkit.templating.fixup.FailurePolicy#WARN}; never null */
    public List<FixUpResult> warnings() {
        return fixUps.stream().filter(r -> r.status() == FixUpResult.Status.WARNED).toList();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(cloneName).append(pending ? ": fix-ups pending (paused)" : "");
        if (agentReady != null) {
            sb.append(": agent answered ").append(agentReady.toMillis()).append(" ms after cont");
        }
        for (FixUpResult r : fixUps) {
            sb.append("\n  ").append(r);
        }
        if (guestSmbiosUuid != null) {
            sb.append("\n  guest SMBIOS UUID ").append(guestSmbiosUuid).append(" (the template's)");
        }
        return sb.toString();
    }
}
