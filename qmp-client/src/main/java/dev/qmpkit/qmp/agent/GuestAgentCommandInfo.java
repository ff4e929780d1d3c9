package dev.qmpkit.qmp.agent;

/**
 * One command as {@code guest-info} lists it.
 *
 * @param name the command name; never null
 * @param enabled whether the agent's administrator left it enabled (false under {@code --block-rpcs})
 * @param successResponse whether it answers on success ({@code guest-shutdown} and the suspend commands do not)
 */
public record GuestAgentCommandInfo(String name, boolean enabled, boolean successResponse) {
}
