package dev.qmpkit.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.qmpkit.qmp.command.BlockingQmpCommands;
import java.time.Duration;
import java.util.function.Predicate;

/**
 * A blocking view over a {@link QmpClient}: each method waits for the async call it wraps
 * and throws the {@link QmpException} family directly. Obtain with {@link QmpClient#blocking()}.
 */
public final class BlockingQmpClient {
    private final QmpClient client;

    /** @param client the async client; never null */
    public BlockingQmpClient(QmpClient client) {
        this.client = java.util.Objects.requireNonNull(client, "client");
    }

    /** @return the async client this view wraps; never null */
    public QmpClient async() {
        return client;
    }

    /**
     * @param command the command name; never null
     * @param arguments arguments, or null
     * @return the return value
     */
    public JsonNode execute(String command, Object arguments) {
        return Futures.await(client.execute(command, arguments));
    }

    /**
     * @param command the command name; never null
     * @return the return value
     */
    public JsonNode execute(String command) {
        return Futures.await(client.execute(command));
    }

    /**
     * @param command the command name; never null
     * @param arguments arguments, or null
     * @param options per-command options; never null
     * @return the return value
     */
    public JsonNode execute(String command, Object arguments, CommandOptions options) {
        return Futures.await(client.execute(command, arguments, options));
    }

    /**
     * @param fd an open descriptor, kept open by the caller until this returns; never null
     * @param command {@code getfd} or {@code add-fd}; never null
     * @param arguments the command's arguments, or null
     * @return the return value
     * @see QmpClient#executeWithFd
     */
    public JsonNode executeWithFd(java.io.FileDescriptor fd, String command, Object arguments) {
        return Futures.await(client.executeWithFd(fd, command, arguments));
    }

    /**
     * @param eventName event name; never null
     * @param filter filter, or null
     * @param timeout positive; never null
     * @return the event
     */
    public QmpEvent awaitEvent(String eventName, Predicate<QmpEvent> filter, Duration timeout) {
        return Futures.await(client.awaitEvent(eventName, filter, timeout));
    }

    /** @return the typed commands, blocking; never null */
    public BlockingQmpCommands commands() {
        return new BlockingQmpCommands(client.commands());
    }
}
