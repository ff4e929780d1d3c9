package dev.qmpkit.templating.inspect.internal;

import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.templating.inspect.VmRole;
import java.util.Map;

/** The migration-capability rules of VM templating, shared by the guard and the readiness check. */
public final class CapabilityRules {
    private CapabilityRules() {
    }

    public static void check(VmRole role, Map<String, Boolean> current, Map<String, Boolean> requested) {
        throw new UnsupportedOperationException("TODO");
    }

    public static void set(QmpClient client, VmRole role, Map<String, Boolean> requested) {
        throw new UnsupportedOperationException("TODO");
    }
}
