package dev.qmpkit.templating.inspect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.qmpkit.qmp.QemuVersion;
import dev.qmpkit.qmp.QmpCommandException;
import dev.qmpkit.qmp.QmpException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** QEMU's templating error messages (QEMU-FACTS.md) come back with an explanation and a fix. */
class QemuErrorHintsTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "qemu-system-x86_64: -object memory-backend-file,id=pc.ram,readonly=on,share=on,rom=off: property 'rom' = 'off' is incompatible with 'readonly' = 'on' and 'share' = 'on'|share=off,readonly=on,rom=off",
        "qemu-system-x86_64: Discarding RAM with readonly files is not supported|free-page-reporting",
        "qemu-system-x86_64: ram_block_discard_range: Discarding RAM in private file mappings is possibly dangerous, because it will modify the underlying file and will affect other users of the file|read-only",
        "qemu-system-x86_64: -device virtio-mem-pci,memdev=mem0: Unexpected error discarding RAM: Invalid argument|hot-plug virtio-mem",
        "Postcopy is not compatible with ignore-shared|postcopy-ram off",
        "Postcopy is not supported: Host backend files need to be TMPFS or HUGETLBFS only|postcopy-ram off",
        "Unknown ramblock \"pc.ram\", cannot accept migration|same VM description",
        "load of migration failed: Invalid argument: Machine type received is 'pc-q35-9.2' and local is 'pc-q35-10.0'|exact machine type",
        "Mismatched GPAs for block pc.ram: local 0x0 remote 0x100000000|memory layout",
        "Capability x-ignore-shared is off, but received capability is on|before migrate-incoming",
        "Parameter 'uri' expects a valid migration protocol|exec:cat"
    })
    void eachKnownMessageGetsAnExplanationAndAFix(String qemuMessage, String fixMentions) {
        ErrorHint hint = QemuErrorHints.find(qemuMessage).orElseThrow();

        assertThat(qemuMessage).contains(hint.match());
        assertThat(hint.fix()).contains(fixMentions);
        assertThat(hint.explanation()).isNotBlank();
        assertThat(QemuErrorHints.explain(qemuMessage)).startsWith(qemuMessage + " -- ").endsWith(hint.fix());
    }

    @Test
    void findsTheHintInsideAWrappedCommandFailure() {
        QmpCommandException qemu = new QmpCommandException("migrate-set-capabilities", "GenericError",
                "Postcopy is not compatible with ignore-shared", new QemuVersion(10, 0, 2));
        Throwable wrapped = new CompletionException(new QmpException("setting capabilities failed", qemu));

        assertThat(QemuErrorHints.find(wrapped)).get().extracting(ErrorHint::match)
                .isEqualTo("Postcopy is not compatible with ignore-shared");
    }

    @Test
    void unknownOrMissingMessagesHaveNoHint() {
        assertThat(QemuErrorHints.find("Device 'foo' not found")).isEmpty();
        assertThat(QemuErrorHints.find((String) null)).isEmpty();
        assertThat(QemuErrorHints.find((Throwable) null)).isEmpty();
        assertThat(QemuErrorHints.explain("Device 'foo' not found")).isEqualTo("Device 'foo' not found");
        assertThat(QemuErrorHints.explain(null)).isEmpty();
    }

    @Test
    void everyHintIsComplete() {
        assertThat(QemuErrorHints.all()).hasSizeGreaterThanOrEqualTo(10)
                .allSatisfy(h -> assertThat(h.render()).contains(" Fix: "));
    }
}
