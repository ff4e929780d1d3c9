package dev.qmpkit.qmp.command;

/** STUB: blocking typed commands, to be implemented. */
public final class BlockingQmpCommands {
    public BlockingQmpCommands(QmpCommands commands) {
    }
}
