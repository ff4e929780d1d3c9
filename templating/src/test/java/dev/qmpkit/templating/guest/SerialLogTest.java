package dev.qmpkit.templating.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SerialLogTest {

    @TempDir
    Path tmp;

    @Test
    void parsesWhatTheGuestPrints() {
        SerialLog log = SerialLog.parse("""
                GUEST qmpkit-counter pattern=0x01000000+0x02000000 xor=0x5a17c0de counter=0x00200000
                READY
                COUNT 000000000000000a
                COUNT 0000000000000014
                COUNT 00000000000000""");

        assertThat(log.ready()).isTrue();
        assertThat(log.counts()).as("the unfinished last line is not counted").containsExactly(10L, 20L);
        assertThat(log.firstCount()).isEqualTo(OptionalLong.of(10));
        assertThat(log.lastCount()).isEqualTo(OptionalLong.of(20));
        assertThat(log.failure()).isEmpty();
    }

    @Test
    void aCloneLogHasNoReadyAndContinuesCounting() {
        SerialLog template = SerialLog.parse("READY\nCOUNT 0000000000000064\n");
        SerialLog clone = SerialLog.parse("COUNT 000000000000006e\nCOUNT 0000000000000078\n");

        assertThat(clone.ready()).isFalse();
        assertThat(clone.firstCount().getAsLong()).isGreaterThan(template.lastCount().getAsLong());
    }

    @Test
    void emptyAndMissingLogsHaveNothing() throws Exception {
        SerialLog missing = SerialLog.read(tmp.resolve("not-yet"));
        assertThat(missing.ready()).isFalse();
        assertThat(missing.counts()).isEmpty();
        assertThat(missing.lastCount()).isEmpty();
    }

    @Test
    void reportsTheGuestsFailureLine() {
        SerialLog log = SerialLog.parse("ERROR qmpkit guest needs RAM up to 0x03000000 (48 MiB); give QEMU -m 64 or more\n"
                + "FAULT vector=0x0000000d\n");
        assertThat(log.failure()).hasValueSatisfying(f -> assertThat(f).startsWith("ERROR qmpkit guest needs RAM"));
    }

    @Test
    void ignoresLinesThatAreNotTheGuests() {
        SerialLog log = SerialLog.parse("SeaBIOS noise\r\nCOUNT zz\nCOUNT 0000000000000001\r\n");
        assertThat(log.counts()).containsExactly(1L);
    }

    @Test
    void awaitSeesLinesAppendedLater() throws Exception {
        Path file = tmp.resolve("serial.log");
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try {
                Thread.sleep(100);
                Files.writeString(file, "READY\nCOUNT 00000000000000", StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
                Thread.sleep(100);
                Files.writeString(file, "1e\n", StandardOpenOption.APPEND);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(SerialLog.awaitReady(file, Duration.ofSeconds(5)).ready()).isTrue();
        assertThat(SerialLog.awaitCountAbove(file, 29, Duration.ofSeconds(5)).lastCount())
                .isEqualTo(OptionalLong.of(30));
        writer.join();
    }

    @Test
    void awaitFailsWithTheLogTailOnTimeoutAndOnAGuestFailure() throws Exception {
        Path file = tmp.resolve("serial.log");
        Files.writeString(file, "COUNT 0000000000000005\n");
        assertThatThrownBy(() -> SerialLog.awaitCountAbove(file, 5, Duration.ofMillis(100)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("within 100 ms")
                .hasMessageContaining("COUNT 0000000000000005");

        Files.writeString(file, "FAULT vector=0x0000000d\n", StandardOpenOption.APPEND);
        assertThatThrownBy(() -> SerialLog.awaitReady(file, Duration.ofSeconds(30)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("the guest failed: FAULT vector=0x0000000d");
    }
}
