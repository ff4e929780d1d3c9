package dev.qmpkit.qmp.internal;

import dev.qmpkit.qmp.QmpResources;

/** STUB: to be implemented. */
public final class DefaultQmpResources {
    private DefaultQmpResources() {
    }

    public static QmpResources create(int ioThreads) {
        throw new UnsupportedOperationException("TODO");
    }

    public static QmpResources shared() {
        throw new UnsupportedOperationException("TODO");
    }
}
