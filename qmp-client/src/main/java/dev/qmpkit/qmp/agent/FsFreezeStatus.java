package dev.qmpkit.qmp.agent;

/** What {@code guest-fsfreeze-status} reports. */
public enum FsFreezeStatus {
    /** No file system is frozen by the agent. */
    THAWED,
    /** The guest's local file systems are frozen. */
    FROZEN
}
