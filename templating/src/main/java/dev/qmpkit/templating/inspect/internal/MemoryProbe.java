package dev.qmpkit.templating.inspect.internal;

import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.templating.inspect.MemoryLayout;

/** Reads the memory layout over QMP. */
public final class MemoryProbe {
    private MemoryProbe() {
    }

    public static MemoryLayout inspect(QmpClient client) {
        throw new UnsupportedOperationException("TODO");
    }
}
