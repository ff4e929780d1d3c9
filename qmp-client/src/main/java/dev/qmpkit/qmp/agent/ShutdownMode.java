package dev.qmpkit.qmp.agent;

import java.util.Locale;

/** How {@code guest-shutdown} takes the guest down. */
public enum ShutdownMode {
    /** Power off (the agent's default). */
    POWERDOWN,
    /** Halt without powering off. */
    HALT,
    /** Reboot. */
    REBOOT;

    /**
     * @return the name the agent expects, e.g. {@code powerdown}; never null
     */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
