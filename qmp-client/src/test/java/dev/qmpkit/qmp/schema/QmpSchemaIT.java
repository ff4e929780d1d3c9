package dev.qmpkit.qmp.schema;

import static org.assertj.core.api.Assertions.assertThat;

import dev.qmpkit.qmp.QemuVersion;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.launch.QemuLauncher;
import dev.qmpkit.qmp.launch.QemuProcess;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Schema and QOM questions asked of a live QEMU 10.0 and 7.2, checked against what each version really has. */
class QmpSchemaIT {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void answersMatchTheVersion(QemuBinary qemu) throws Exception {
        try (QemuProcess p = QemuLauncher.builder(qemu).args("-M", "none", "-accel", "tcg").workDir(tmp).build()
                .start()) {
            QmpSchema schema = QmpSchema.of(p.qmp());
            assertThat(QmpSchema.of(p.qmp())).as("cached per client").isSameAs(schema);
            QemuVersion v = p.qmp().qemuVersion();

            assertThat(schema.size()).isGreaterThan(1000);
            assertThat(schema.hasCommand("query-qmp-schema")).isTrue();
            assertThat(schema.hasCommand("no-such-command")).isFalse();
            assertThat(schema.hasEvent("STOP")).isTrue();
            assertThat(schema.hasMigrationCapability("x-ignore-shared")).isTrue();
            assertThat(schema.hasMigrationCapability("mapped-ram")).isEqualTo(v.atLeast(9, 0));
            assertThat(schema.commandHasArgument("migrate", "channels")).isEqualTo(v.atLeast(9, 1));
            assertThat(schema.commandHasArgument("migrate", "uri")).isTrue();
            assertThat(schema.enumHasValue("RunState", "inmigrate")).isTrue();

            assertThat(schema.qomTypeHasProperty("memory-backend-file", "rom")).isEqualTo(v.atLeast(8, 2));
            assertThat(schema.qomTypeHasProperty("memory-backend-file", "mem-path")).isTrue();
            assertThat(schema.qomTypeHasProperty("memory-backend-memfd", "seal")).isTrue();
            assertThat(schema.qomTypeHasProperty("no-such-qom-type", "size")).isFalse();
            assertThat(schema.qomTypeProperties("memory-backend-file").join())
                    .as("cached future").isSameAs(schema.qomTypeProperties("memory-backend-file").join());

            // A second QEMU of the same build shares the parsed entries instead of holding its own copy.
            int shared = QmpSchema.sharedCount();
            try (QemuProcess other = QemuLauncher.builder(qemu).args("-M", "none", "-accel", "tcg").workDir(tmp)
                    .build().start()) {
                QmpSchema second = QmpSchema.of(other.qmp());
                assertThat(second).isNotSameAs(schema);
                assertThat(second.commands()).isEqualTo(schema.commands());
                assertThat(QmpSchema.sharedCount()).isEqualTo(shared);
                assertThat(second.qomTypeHasProperty("memory-backend-file", "rom")).isEqualTo(v.atLeast(8, 2));
            }

            // The offline view of the same QEMU answers the same.
            QmpSchema fresh = QmpSchema.load(p.qmp());
            assertThat(fresh).isNotSameAs(schema);
            assertThat(fresh.commands()).isEqualTo(schema.commands());
        }
        // The client's close future may complete just after close() returns (QEMU's 'quit' races it).
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (QmpSchema.cachedClientCount() > 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(QmpSchema.cachedClientCount()).as("the cache forgets closed clients").isZero();
    }
}
