package dev.qmpkit.qmp.agent;

import java.util.List;

/**
 * What {@code guest-info} reports: the agent's version and its commands.
 *
 * @param version the agent's version, e.g. {@code 7.2.22}; never null
 * @param commands every command it knows, enabled or not; never null
 */
public record GuestAgentInfo(String version, List<GuestAgentCommandInfo> commands) {

    /**
     * Copies the list.
     *
     * @param version the agent's version, e.g. {@code 7.2.22}; never null
     * @param commands every command it knows, enabled or not; never null
     */
    public GuestAgentInfo {
        commands = List.copyOf(commands);
    }

    /**
     * @param command a command name; never null
     * @return whether the agent knows it and it is enabled
     */
    public boolean enabled(String command) {
        return commands.stream().anyMatch(c -> c.name().equals(command) && c.enabled());
    }
}
