package dev.qmpkit.qmp.internal;

import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.command.QmpCommands;

/** Creates the typed command API for a client. */
final class CommandsFactory {
    private CommandsFactory() {
    }

    static QmpCommands create(QmpClient client) {
        try {
            return QmpCommands.class.getConstructor(QmpClient.class).newInstance(client);
        } catch (ReflectiveOperationException e) {
            throw new UnsupportedOperationException("typed commands are not available yet", e);
        }
    }
}
