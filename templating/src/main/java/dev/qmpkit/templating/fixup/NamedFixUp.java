package dev.qmpkit.templating.fixup;

import java.util.Objects;

/**
 * A fix-up with a fixed name and policy: the built-ins, and what {@link FixUp#of},
 * {@link FixUp#onFailure} and {@link FixUps#agentCommand} make.
 */
abstract class NamedFixUp implements FixUp {

    private final String name;
    private final boolean needsAgent;
    private final FailurePolicy policy;

    NamedFixUp(String name, boolean needsAgent, FailurePolicy policy) {
        this.name = Objects.requireNonNull(name, "name");
        this.needsAgent = needsAgent;
        this.policy = Objects.requireNonNull(policy, "policy");
        if (name.isBlank()) {
            throw new IllegalArgumentException("a fix-up needs a name");
        }
    }

    NamedFixUp(String name) {
        this(name, true, FailurePolicy.FAIL_CLONE);
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final boolean needsAgent() {
        return needsAgent;
    }

    @Override
    public final FailurePolicy failurePolicy() {
        return policy;
    }

    /** @return what the fix-up does beyond its name, for {@link #toString()}; empty for nothing */
    String describe() {
        return "";
    }

    @Override
    public String toString() {
        String d = describe();
        return "FixUp[" + name + (d.isEmpty() ? "" : ": " + d) + "]"
                + (policy == FailurePolicy.FAIL_CLONE ? "" : " (on failure " + policy + ")");
    }

    /** Waits between polls of the guest. */
    static void sleep(long millis, String what) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + what, e);
        }
    }

    /** A fix-up made of a name, a policy and a body. */
    static final class Simple extends NamedFixUp {
        private final Action action;
        private final String description;

        Simple(String name, boolean needsAgent, FailurePolicy policy, Action action, String description) {
            super(name, needsAgent, policy);
            this.action = Objects.requireNonNull(action, "action");
            this.description = description;
        }

        @Override
        public FixUpOutcome apply(FixUpContext context) throws Exception {
            return action.apply(context);
        }

        @Override
        String describe() {
            return description;
        }
    }
}
