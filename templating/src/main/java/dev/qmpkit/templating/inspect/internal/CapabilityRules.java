package dev.qmpkit.templating.inspect.internal;

import static dev.qmpkit.qmp.Futures.await;
import static dev.qmpkit.templating.inspect.QemuFeatures.MAPPED_RAM;
import static dev.qmpkit.templating.inspect.QemuFeatures.POSTCOPY_RAM;
import static dev.qmpkit.templating.inspect.QemuFeatures.RELEASE_RAM;
import static dev.qmpkit.templating.inspect.QemuFeatures.X_IGNORE_SHARED;

import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.command.MigrationCapabilityStatus;
import dev.qmpkit.templating.inspect.Finding;
import dev.qmpkit.templating.inspect.FindingCode;
import dev.qmpkit.templating.inspect.Severity;
import dev.qmpkit.templating.inspect.UnsafeCapabilityException;
import dev.qmpkit.templating.inspect.VmRole;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The migration-capability rules of VM templating, shared by {@link
 * dev.qmpkit.templating.inspect.MigrationCapabilityGuard} (refuse before sending) and the
 * readiness check (report what is already on), so both say the same thing.
 */
public final class CapabilityRules {
    private CapabilityRules() {
    }

    private static final String RELEASE_CLONE_WHY = "release-ram discards RAM on the migration source, which a "
            + "clone's private mapping of the template file cannot do: QEMU 8.2+ fails with 'Discarding RAM with "
            + "readonly files is not supported', and a writable private mapping (QEMU 7.2 recipe) punches holes into "
            + "the template file.";
    private static final String RELEASE_TEMPLATE_WHY = "release-ram tells QEMU to discard the source's RAM once it "
            + "is sent (QEMU does so during postcopy); a template's RAM is the template file, which must never be "
            + "discarded, and the guide (docs/system/vm-templating.rst) lists x-release-ram as incompatible with "
            + "templating.";
    private static final String RELEASE_FIX = "Leave release-ram off on templates and clones.";
    private static final String POSTCOPY_CLONE_WHY = "postcopy-ram discards RAM on the destination and refuses "
            + "file-backed RAM that is not on tmpfs or hugetlbfs, as a clone's template file is.";
    private static final String POSTCOPY_IGNORE_WHY = "postcopy-ram cannot be combined with x-ignore-shared, which "
            + "templating needs (QEMU: 'Postcopy is not compatible with ignore-shared').";
    private static final String POSTCOPY_FIX = "Leave postcopy-ram off; templating uses precopy with x-ignore-shared.";
    private static final String MAPPED_WHY = "mapped-ram together with x-ignore-shared is not a tested combination "
            + "(a parsing bug was reported in late 2025) and the template would store RAM it should skip.";
    private static final String MAPPED_FIX = "Turn mapped-ram off when saving or loading a template.";

    /**
     * @throws UnsafeCapabilityException for the first requested capability that would make the set unsafe
     */
    public static void check(VmRole role, Map<String, Boolean> current, Map<String, Boolean> requested) {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(current, "current");
        Objects.requireNonNull(requested, "requested");
        Map<String, Boolean> after = new HashMap<>(current);
        after.putAll(requested);
        // Refuse only what this request turns on, so a caller can always switch an unsafe capability off.
        if (on(requested, RELEASE_RAM)) {
            throw refuse(RELEASE_RAM, role, role == VmRole.CLONE ? RELEASE_CLONE_WHY : RELEASE_TEMPLATE_WHY,
                    RELEASE_FIX);
        }
        if (role == VmRole.CLONE && on(requested, POSTCOPY_RAM)) {
            throw refuse(POSTCOPY_RAM, role, POSTCOPY_CLONE_WHY, POSTCOPY_FIX);
        }
        if (on(after, POSTCOPY_RAM) && on(after, X_IGNORE_SHARED)
                && (on(requested, POSTCOPY_RAM) || on(requested, X_IGNORE_SHARED))) {
            throw refuse(on(requested, POSTCOPY_RAM) ? POSTCOPY_RAM : X_IGNORE_SHARED, role, POSTCOPY_IGNORE_WHY,
                    POSTCOPY_FIX);
        }
        if (on(after, MAPPED_RAM) && on(after, X_IGNORE_SHARED)
                && (on(requested, MAPPED_RAM) || on(requested, X_IGNORE_SHARED))) {
            throw refuse(on(requested, MAPPED_RAM) ? MAPPED_RAM : X_IGNORE_SHARED, role, MAPPED_WHY, MAPPED_FIX);
        }
    }

    /** Reads the current state, checks, then sends migrate-set-capabilities. */
    public static void set(QmpClient client, VmRole role, Map<String, Boolean> requested) {
        Objects.requireNonNull(client, "client");
        check(role, current(client), requested);
        List<MigrationCapabilityStatus> list = new ArrayList<>();
        requested.forEach((name, state) -> list.add(new MigrationCapabilityStatus(name, state)));
        await(client.commands().migrateSetCapabilities(list));
    }

    /** @return every capability and its state */
    public static Map<String, Boolean> current(QmpClient client) {
        Map<String, Boolean> states = new LinkedHashMap<>();
        for (MigrationCapabilityStatus s : await(client.commands().queryMigrateCapabilities())) {
            states.put(s.capability(), s.state());
        }
        return states;
    }

    /**
     * @param role the role checked
     * @param states the capabilities that are on now
     * @return findings for what is already on
     */
    public static List<Finding> findings(VmRole role, Map<String, Boolean> states) {
        List<Finding> findings = new ArrayList<>();
        if (on(states, RELEASE_RAM)) {
            findings.add(new Finding(Severity.ERROR, FindingCode.RELEASE_RAM, RELEASE_RAM, "release-ram is on. "
                    + (role == VmRole.CLONE ? RELEASE_CLONE_WHY : RELEASE_TEMPLATE_WHY),
                    Fixes.capabilityOff(RELEASE_RAM)));
        }
        if (on(states, POSTCOPY_RAM)) {
            findings.add(new Finding(Severity.ERROR, FindingCode.POSTCOPY_RAM, POSTCOPY_RAM,
                    "postcopy-ram is on. " + (role == VmRole.CLONE ? POSTCOPY_CLONE_WHY : POSTCOPY_IGNORE_WHY),
                    Fixes.capabilityOff(POSTCOPY_RAM)));
        }
        if (on(states, MAPPED_RAM) && on(states, X_IGNORE_SHARED)) {
            findings.add(new Finding(Severity.ERROR, FindingCode.MAPPED_RAM_WITH_IGNORE_SHARED, MAPPED_RAM,
                    "mapped-ram and x-ignore-shared are both on. " + MAPPED_WHY, Fixes.capabilityOff(MAPPED_RAM)));
        }
        return findings;
    }

    private static boolean on(Map<String, Boolean> states, String capability) {
        return Boolean.TRUE.equals(states.get(capability));
    }

    private static UnsafeCapabilityException refuse(String capability, VmRole role, String why, String fix) {
        return new UnsafeCapabilityException(capability, role, "Refusing to enable " + capability + " on a "
                + (role == VmRole.CLONE ? "clone" : "template") + ": " + why + " Fix: " + fix);
    }
}
