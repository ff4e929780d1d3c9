package dev.qmpkit.qmp.internal;

import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.QmpEndpoint;
import dev.qmpkit.qmp.QmpOptions;
import java.util.concurrent.CompletableFuture;

/** STUB: to be implemented. */
public final class DefaultQmpClient {
    private DefaultQmpClient() {
    }

    public static CompletableFuture<QmpClient> connect(QmpEndpoint endpoint, QmpOptions options) {
        throw new UnsupportedOperationException("TODO");
    }
}
