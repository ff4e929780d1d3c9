package dev.qmpkit.templating.inspect;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which capability changes the guard refuses, before anything reaches QEMU. */
class MigrationCapabilityGuardTest {

    private static final Map<String, Boolean> NONE = Map.of();

    @Test
    void refusesReleaseRamOnAnyRoleAndPostcopyOnAClone() {
        assertThatThrownBy(() -> MigrationCapabilityGuard.check(VmRole.CLONE, NONE, Map.of("release-ram", true)))
                .isInstanceOf(UnsafeCapabilityException.class)
                .hasMessageContaining("Refusing to enable release-ram on a clone")
                .hasMessageContaining("Fix: Leave release-ram off on templates and clones.");
        assertThatThrownBy(() -> MigrationCapabilityGuard.check(VmRole.TEMPLATE, NONE, Map.of("release-ram", true)))
                .isInstanceOf(UnsafeCapabilityException.class)
                .hasMessageContaining("Refusing to enable release-ram on a template")
                .hasMessageContaining("incompatible");
        assertThatThrownBy(() -> MigrationCapabilityGuard.check(VmRole.CLONE, NONE, Map.of("postcopy-ram", true)))
                .isInstanceOfSatisfying(UnsafeCapabilityException.class, e -> {
                    org.assertj.core.api.Assertions.assertThat(e.capability()).isEqualTo("postcopy-ram");
                    org.assertj.core.api.Assertions.assertThat(e.role()).isEqualTo(VmRole.CLONE);
                });
    }

    @Test
    void refusesPostcopyWithIgnoreSharedInEitherOrderOnAnyRole() {
        assertThatThrownBy(() -> MigrationCapabilityGuard.check(VmRole.TEMPLATE, Map.of("x-ignore-shared", true),
                Map.of("postcopy-ram", true))).isInstanceOf(UnsafeCapabilityException.class);
        assertThatThrownBy(() -> MigrationCapabilityGuard.check(VmRole.TEMPLATE, Map.of("postcopy-ram", true),
                Map.of("x-ignore-shared", true))).isInstanceOf(UnsafeCapabilityException.class)
                .hasMessageContaining("Postcopy is not compatible with ignore-shared");
        assertThatThrownBy(() -> MigrationCapabilityGuard.check(VmRole.TEMPLATE, NONE,
                Map.of("x-ignore-shared", true, "mapped-ram", true))).isInstanceOf(UnsafeCapabilityException.class);
    }

    @Test
    void allowsTheTemplatingCapabilitiesAndSwitchingUnsafeOnesOff() {
        assertThatCode(() -> MigrationCapabilityGuard.check(VmRole.CLONE, NONE, Map.of("x-ignore-shared", true)))
                .doesNotThrowAnyException();
        assertThatCode(() -> MigrationCapabilityGuard.check(VmRole.TEMPLATE, Map.of("release-ram", true),
                Map.of("release-ram", false))).doesNotThrowAnyException();
        assertThatCode(() -> MigrationCapabilityGuard.check(VmRole.CLONE,
                Map.of("release-ram", true, "postcopy-ram", true), Map.of("release-ram", false, "postcopy-ram", false)))
                .doesNotThrowAnyException();
    }
}
