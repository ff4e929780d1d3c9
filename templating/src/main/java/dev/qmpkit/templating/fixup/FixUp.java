package dev.qmpkit.templating.fixup;

import java.util.Objects;

/**
 * One step of what a clone must change before it is handed out, run after the clone resumed
 * and its guest agent answered (see {@link dev.qmpkit.templating.CloneOptions.Builder#fixUps}).
 * The built-ins are in {@link FixUps}; implement this (or use {@link #of}) for steps of your own,
 * such as new SSH host keys or certificates.
 *
 * <pre>{@code
 * FixUp sshKeys = FixUp.of("ssh-host-keys", ctx -> {
 *     ExecResult r = ctx.agent().blocking().exec(ExecRequest.of("ssh-keygen", "-A"));
 *     return FixUpOutcome.of("ssh-keygen -A exit " + r.exitCode());
 * }).onFailure(FailurePolicy.WARN);
 * }</pre>
 *
 * <p>Fix-ups run one after another on the thread that starts (or first resumes) the clone. A
 * fix-up that throws fails according to its {@link #failurePolicy()}.
 */
public interface FixUp {

    /** @return a short name for reports and logs, e.g. {@code clock}; never null */
    String name();

    /**
     * @return whether it needs the guest agent; when the VM has no agent channel, such a fix-up
     *         is skipped and reported as {@link FixUpResult.Status#SKIPPED} (default true)
     */
    default boolean needsAgent() {
        return true;
    }

    /** @return what its failure does to the clone (default {@link FailurePolicy#FAIL_CLONE}); never null */
    default FailurePolicy failurePolicy() {
        return FailurePolicy.FAIL_CLONE;
    }

    /**
     * Does the fix-up.
     *
     * @param context the clone; never null
     * @return what it did; never null
     * @throws Exception when it failed; its {@link #failurePolicy()} decides what follows
     */
    FixUpOutcome apply(FixUpContext context) throws Exception;

    /**
     * @param policy what its failure does to the clone; never null
     * @return this fix-up with that policy; never null
     */
    default FixUp onFailure(FailurePolicy policy) {
        Objects.requireNonNull(policy, "policy");
        String description = this instanceof NamedFixUp n ? n.describe() : toString();
        return new NamedFixUp.Simple(name(), needsAgent(), policy, this::apply, description);
    }

    /** The body of a fix-up made with {@link #of}. */
    @FunctionalInterface
    interface Action {
        /**
         * @param context the clone; never null
         * @return what it did; never null
         * @throws Exception when it failed
         */
        FixUpOutcome apply(FixUpContext context) throws Exception;
    }

    /**
     * A fix-up of the user's. It runs whether or not the VM has a guest agent
     * ({@link FixUpContext#agent()} throws without one), and fails the clone when it throws
     * unless given another policy with {@link #onFailure}.
     *
     * @param name its name; never null or blank
     * @param action what it does; never null
     * @return the fix-up
     */
    static FixUp of(String name, Action action) {
        return new NamedFixUp.Simple(name, false, FailurePolicy.FAIL_CLONE, action, "");
    }
}
