package dev.qmpkit.templating.inspect.internal;

import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.templating.inspect.QemuFeatures;

/** Detects {@link QemuFeatures} by introspection. */
public final class FeatureProbe {
    private FeatureProbe() {
    }

    public static QemuFeatures detect(QmpClient client) {
        throw new UnsupportedOperationException("TODO");
    }
}
