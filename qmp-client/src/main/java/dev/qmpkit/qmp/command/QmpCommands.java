package dev.qmpkit.qmp.command;

/** STUB: typed async commands, to be implemented. */
public final class QmpCommands {
}
