package dev.qmpkit.templating.fixup;

import dev.qmpkit.qmp.Futures;
import dev.qmpkit.qmp.agent.GuestAgentClient;
import java.time.Duration;
import java.time.Instant;

/**
 * Sets the guest's wall clock from the host's ({@code guest-set-time}, which also writes the
 * guest's hardware clock, so the guest needs {@code hwclock}). A restored clone's clock resumes
 * at the moment the template was saved and never catches up by itself: without this, a clone of
 * a template saved an hour ago lives an hour in the past. The result gives the skew before and
 * after (guest minus host, the host's time taken in the middle of each {@code guest-get-time}).
 * Obtain with {@link FixUps#clock()}.
 */
public final class ClockFixUp extends NamedFixUp {

    /** The fix-up's name. */
    public static final String NAME = "clock";

    /**
     * What the clock fix-up measured.
     *
     * @param skewBefore the guest's clock minus the host's before the fix-up (negative: behind); never null
     * @param skewAfter the same right after it; never null
     */
    public record Result(Duration skewBefore, Duration skewAfter) {
    }

    ClockFixUp() {
        super(NAME);
    }

    @Override
    public FixUpOutcome apply(FixUpContext context) {
        GuestAgentClient agent = context.agent();
        Duration before = skew(agent);
        Futures.await(agent.setTime(Instant.now()));
        Duration after = skew(agent);
        return FixUpOutcome.of("guest clock skew " + before.toMillis() + " ms -> " + after.toMillis()
                + " ms (set from the host's)", new Result(before, after));
    }

    /** @return the guest's time minus the host's, the host's taken halfway through the round trip */
    static Duration skew(GuestAgentClient agent) {
        long h0 = System.nanoTime();
        Instant host0 = Instant.now();
        Instant guest = Futures.await(agent.getTime());
        long rtt = System.nanoTime() - h0;
        return Duration.between(host0.plusNanos(rtt / 2), guest);
    }
}
