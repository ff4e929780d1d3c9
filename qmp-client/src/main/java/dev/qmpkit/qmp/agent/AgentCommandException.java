package dev.qmpkit.qmp.agent;

import dev.qmpkit.qmp.QmpCommandException;

/**
 * The guest agent answered a command with an {@code error} reply: the command, the agent's
 * error class (e.g. {@code GenericError}) and its description, and the socket of the agent.
 * {@link AgentCommandUnavailableException} is the case of a command the agent does not offer.
 */
public class AgentCommandException extends QmpCommandException {
    private static final long serialVersionUID = 1L;

    /** Where the agent is (its socket), for messages. */
    private final String agent;

    /**
     * @param command the command that failed; never null
     * @param errorClass the agent's error class; never null
     * @param description the agent's description; never null
     * @param agent where the agent is, e.g. its socket path; never null
     */
    public AgentCommandException(String command, String errorClass, String description, String agent) {
        this("guest agent command '" + command + "' failed: " + errorClass + ": " + description
                + " (qemu-ga at " + agent + ")", command, errorClass, description, agent);
    }

    /**
     * @param message the whole message; never null
     * @param command the command that failed; never null
     * @param errorClass the agent's error class; never null
     * @param description the agent's description; never null
     * @param agent where the agent is; never null
     */
    protected AgentCommandException(String message, String command, String errorClass, String description,
                                    String agent) {
        super(message, command, errorClass, description);
        this.agent = agent;
    }

    /**
     * @return where the agent is, e.g. its socket path; never null
     */
    public String agent() {
        return agent;
    }
}
