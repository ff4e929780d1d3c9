package dev.qmpkit.qmp.testing;

import dev.qmpkit.qmp.ConnectionListener;
import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.QmpProtocolException;
import java.util.function.Consumer;

/** Test listeners that hand a client's protocol errors to the test. */
public final class ProtocolErrors {
    private ProtocolErrors() {
    }

    /**
     * @param sink receives every protocol error the client reports, on the client's thread; never null
     * @return a listener that overrides only {@link ConnectionListener#onProtocolError}
     */
    public static ConnectionListener to(Consumer<? super QmpProtocolException> sink) {
        return new ConnectionListener() {
            @Override
            public void onProtocolError(QmpClient client, QmpProtocolException problem) {
                sink.accept(problem);
            }
        };
    }
}
