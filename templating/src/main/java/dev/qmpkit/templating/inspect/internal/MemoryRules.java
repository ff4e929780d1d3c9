package dev.qmpkit.templating.inspect.internal;

import dev.qmpkit.templating.inspect.Finding;
import dev.qmpkit.templating.inspect.MemoryLayout;
import dev.qmpkit.templating.inspect.VmRole;
import java.util.ArrayList;
import java.util.List;

/** The RAM rules of VM templating, applied to an inspected {@link MemoryLayout}. */
public final class MemoryRules {
    private MemoryRules() {
    }

    /**
     * @param layout the inspected layout; never null
     * @param role the role to check for; never null
     * @return the RAM findings; never null
     */
    public static List<Finding> ramFindings(MemoryLayout layout, VmRole role) {
        List<Finding> findings = new ArrayList<>();
        // TODO implemented next
        return findings;
    }
}
