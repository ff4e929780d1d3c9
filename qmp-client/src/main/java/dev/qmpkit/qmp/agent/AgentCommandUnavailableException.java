package dev.qmpkit.qmp.agent;

/**
 * The agent does not offer the command: it does not know it, its administrator disabled it
 * ({@code qemu-ga --block-rpcs}, or an allow list), or the guest cannot do it (for example
 * {@code guest-set-time} without {@code hwclock}). {@link GuestAgentClient#info()} lists what
 * the agent offers ({@link GuestAgentInfo#enabled(String)}).
 */
public class AgentCommandUnavailableException extends AgentCommandException {
    private static final long serialVersionUID = 1L;

    /** Why the command is unavailable. */
    public enum Reason {
        /** The agent does not know the command (too old, or a typo). */
        NOT_FOUND,
        /** The agent knows it but has it disabled ({@code --block-rpcs}). */
        DISABLED,
        /** The agent knows it but the guest does not support it. */
        UNSUPPORTED
    }

    /** Why the command cannot run. */
    private final Reason reason;

    /**
     * @param command the command; never null
     * @param errorClass the agent's error class; never null
     * @param description the agent's description; never null
     * @param agent where the agent is; never null
     * @param reason why it is unavailable; never null
     */
    public AgentCommandUnavailableException(String command, String errorClass, String description, String agent,
                                            Reason reason) {
        super("guest agent command '" + command + "' is " + switch (reason) {
            case NOT_FOUND -> "unknown to the agent";
            case DISABLED -> "disabled in the agent (qemu-ga --block-rpcs or its allow list)";
            case UNSUPPORTED -> "not supported by this guest";
        } + ": " + errorClass + ": " + description + " (qemu-ga at " + agent + ")", command, errorClass, description,
                agent);
        this.reason = reason;
    }

    /**
     * @return why the command is unavailable; never null
     */
    public Reason reason() {
        return reason;
    }
}
