package dev.qmpkit.qmp.internal;

import dev.qmpkit.qmp.QmpListener;
import dev.qmpkit.qmp.QmpOptions;
import java.nio.file.Path;

/** STUB: to be implemented. */
public final class DefaultQmpListener {
    private DefaultQmpListener() {
    }

    public static QmpListener bind(Path path, QmpOptions options) {
        throw new UnsupportedOperationException("TODO");
    }
}
