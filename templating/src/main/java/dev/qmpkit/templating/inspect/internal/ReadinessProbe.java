package dev.qmpkit.templating.inspect.internal;

import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.templating.inspect.QemuFeatures;
import dev.qmpkit.templating.inspect.ReadinessReport;
import dev.qmpkit.templating.inspect.VmRole;

/** Gathers all readiness findings over QMP. */
public final class ReadinessProbe {
    private ReadinessProbe() {
    }

    public static ReadinessReport check(QmpClient client, VmRole role, QemuFeatures features) {
        throw new UnsupportedOperationException("TODO");
    }
}
