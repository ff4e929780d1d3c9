package dev.qmpkit.templating.inspect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.qmpkit.qmp.launch.Confinement;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.launch.QemuLauncher;
import dev.qmpkit.qmp.launch.QemuProcess;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Feature detection answers differently on QEMU 7.2 and 10.0, found by introspection; the
 * test compares with the version only to know the right answer, and proves the answers by
 * using them (a file: migration and the rom property work where detected, and fail where not).
 */
class QemuFeaturesIT {

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void detectsRomFileUriAndCapabilitiesByIntrospection(QemuBinary qemu, @TempDir Path tmp) {
        // Unconfined: proving the answers means QEMU opens host paths after its start (object-add of a
        // file backend, a file: migration), which a confined QEMU would do as nobody (ConfinementIT).
        try (QemuProcess vm = QemuLauncher.builder(qemu).name("features").args("-M", "none", "-S")
                .confinement(Confinement.none()).build().start()) {
            QemuFeatures features = QemuFeatures.detect(vm.qmp());
            boolean newer = vm.version().atLeast(8, 2);
            System.out.println(features);

            assertThat(features.version()).isEqualTo(vm.version());
            assertThat(features.romProperty()).isEqualTo(newer);
            assertThat(features.readonlyCloneRecipe()).isEqualTo(newer);
            assertThat(features.fileMigrationUri()).isEqualTo(newer);
            assertThat(features.incomingChannels()).isEqualTo(newer);
            assertThat(features.migrateIncomingArguments()).contains("uri");
            assertThat(features.migrationCapabilities()).contains(QemuFeatures.X_IGNORE_SHARED,
                    QemuFeatures.RELEASE_RAM, QemuFeatures.POSTCOPY_RAM, QemuFeatures.VALIDATE_UUID);
            assertThat(features.hasIgnoreShared()).isTrue();
            assertThat(features.hasMappedRam()).isEqualTo(vm.version().atLeast(9, 0));
            assertThat(features.hasCapability("no-such-capability")).isFalse();

            // A machine with no RAM, devices or objects is still checked without failing.
            ReadinessReport bare = ReadinessChecker.check(vm.qmp(), VmRole.TEMPLATE, features);
            assertThat(bare.memory().backends()).isEmpty();
            assertThat(bare.findings()).extracting(Finding::code).containsExactly(FindingCode.VMGENID_MISSING);

            // The answer matches what QEMU then does: object-add with rom only where detected.
            Map<String, Object> backend = Map.of("qom-type", "memory-backend-file", "id", "probe", "size", 1 << 20,
                    "mem-path", tmp.resolve("probe.ram").toString(), "rom", "off");
            boolean romAccepted;
            try {
                vm.qmp().blocking().execute("object-add", backend);
                romAccepted = true;
            } catch (dev.qmpkit.qmp.QmpCommandException e) {
                romAccepted = false;
            }
            assertThat(romAccepted).isEqualTo(features.romProperty());
            // ...and a file: migration only where detected (7.2: "expects a valid migration protocol").
            boolean fileAccepted;
            try {
                vm.qmp().blocking().execute("migrate", Map.of("uri", "file:" + tmp.resolve("state.bin")));
                fileAccepted = true;
            } catch (dev.qmpkit.qmp.QmpCommandException e) {
                fileAccepted = false;
                assertThat(QemuErrorHints.find(e)).as("the refusal has a hint").isPresent();
            }
            assertThat(fileAccepted).isEqualTo(features.fileMigrationUri());
        }
    }
}
