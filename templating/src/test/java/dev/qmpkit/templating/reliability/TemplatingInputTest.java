package dev.qmpkit.templating.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.qmpkit.templating.Accel;
import dev.qmpkit.templating.CloneOptions;
import dev.qmpkit.templating.ClonePool;
import dev.qmpkit.templating.RamBackend;
import dev.qmpkit.templating.Template;
import dev.qmpkit.templating.VmDescription;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Bad input at the templating API that must be refused before anything touches the disk or
 * QEMU: ids that would inject options or escape the template directory, sizes that QEMU would
 * round or reject, machine types and extra arguments that would contradict the description.
 */
class TemplatingInputTest {

    @Test
    void backendIdsThatWouldInjectOptionsOrEscapeTheDirectoryAreRefused() {
        for (String id : List.of("ram0,share=on", "ram0=x", "../ram", "a/b", "ram 0", "ram\n0", "0ram", "",
                ".hidden", "r".repeat(65), "ram0\u0000")) {
            assertThatThrownBy(() -> RamBackend.main(id, 64L << 20)).as("id '%s'", id)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("letters");
        }
        assertThat(RamBackend.main("ram0.a-b_c", 64L << 20).fileName()).doesNotContain("/");
    }

    @Test
    void sizesQemuWouldRoundOrRejectAreRefused() {
        for (long size : List.of(0L, -1L, (64L << 20) + 1, 4096L, Long.MIN_VALUE)) {
            assertThatThrownBy(() -> RamBackend.main("ram0", size)).as("size %d", size)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiple of 1 MiB");
        }
        assertThatThrownBy(() -> VmDescription.builder().ramBackend(RamBackend.main("ram0", 64L << 20))
                .ramBackend(RamBackend.numaNode("node0", 64L << 20)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("MAIN");
        assertThatThrownBy(() -> VmDescription.builder().ramBackend(RamBackend.numaNode("n", 64L << 20))
                .ramBackend(RamBackend.numaNode("n", 64L << 20)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unique");
    }

    @Test
    void machineTypesAndExtraArgumentsThatContradictTheDescriptionAreRefused() {
        for (String machine : List.of("q35,memory-backend=evil", "", " ")) {
            assertThatThrownBy(() -> VmDescription.builder().machineType(machine).ram(64L << 20).build())
                    .as("machine '%s'", machine).isInstanceOf(IllegalArgumentException.class);
        }
        for (String arg : List.of("-mem-path", "--mem-path", "-mem-prealloc", "-m", "-machine", "--machine", "-M",
                "-numa", "-incoming")) {
            assertThatThrownBy(() -> VmDescription.builder().accel(Accel.TCG).ram(64L << 20)
                    .extraArgs(arg, "x").build()).as(arg).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(arg.replace("--", "-"));
        }
        assertThatThrownBy(() -> VmDescription.builder().ram(64L << 20).extraArgs((String) null).build())
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void nullsAndOutOfRangeSettingsAreRefusedAtTheCall() {
        assertThatThrownBy(() -> Template.open(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> CloneOptions.builder().restoreTimeout(Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CloneOptions.builder().restoreTimeout(Duration.ofSeconds(-1)).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ClonePool.start(null, 1, CloneOptions.defaults()))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Template.open(Path.of("/nonexistent-qmpkit-template")))
                .hasMessageContaining("manifest.json");
    }
}
