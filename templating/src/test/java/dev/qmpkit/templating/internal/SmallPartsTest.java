package dev.qmpkit.templating.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.qmpkit.templating.MemoryUsage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SmallPartsTest {

    @Test
    void shellQuoteKeepsQuotesNewlinesAndDollarsLiteral() throws Exception {
        String nasty = "/tmp/a b'c\nd$(touch x)`e`\\f";
        String quoted = ShellQuote.quote(nasty);
        assertThat(quoted).isEqualTo("'/tmp/a b'\\''c\nd$(touch x)`e`\\f'");
        // Prove it with the real shell: printf prints the word back unchanged.
        Process p = new ProcessBuilder("/bin/sh", "-c", "printf %s " + quoted).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).isZero();
        assertThat(out).isEqualTo(nasty);
        assertThatThrownBy(() -> ShellQuote.quote("a\0b")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void smapsRollupIsSummedIntoPrivateAndShared() {
        MemoryUsage u = Smaps.parse(List.of(
                "55d0c0000000-7ffc00000000 ---p 00000000 00:00 0                          [rollup]",
                "Rss:               83000 kB", "Pss:               55000 kB", "Pss_Dirty:         43000 kB",
                "Shared_Clean:      24000 kB", "Shared_Dirty:        100 kB", "Private_Clean:      1000 kB",
                "Private_Dirty:     43000 kB", "Swap:                  0 kB"));
        assertThat(u).isEqualTo(new MemoryUsage(83000, 55000, 44000, 24100));
    }

    @Test
    void ownProcessHasMemoryUsage() {
        MemoryUsage u = MemoryUsage.ofPid(ProcessHandle.current().pid());
        assertThat(u.rssKiB()).isPositive();
        assertThat(u.pssKiB()).isPositive().isLessThanOrEqualTo(u.rssKiB());
    }

    @Test
    void machineTypeAliasesMatchTheirVersionedNames() {
        assertThat(TemplateChecks.machineTypeMatches("q35", "pc-q35-10.0")).isTrue();
        assertThat(TemplateChecks.machineTypeMatches("pc", "pc-i440fx-7.2")).isTrue();
        assertThat(TemplateChecks.machineTypeMatches("pc", "pc-q35-10.0")).isFalse();
        assertThat(TemplateChecks.machineTypeMatches("pc-q35-9.2", "pc-q35-10.0")).isFalse();
    }

    @Test
    void streamHeaderGivesTheMachineTypeOrRefusesOtherFiles(@TempDir Path dir) throws IOException {
        Path state = dir.resolve("state");
        byte[] name = "pc-q35-10.0".getBytes(StandardCharsets.US_ASCII);
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        java.io.DataOutputStream out = new java.io.DataOutputStream(b);
        out.writeInt(0x5145564d);
        out.writeInt(3);
        out.writeByte(7);
        out.writeInt(name.length);
        out.write(name);
        Files.write(state, b.toByteArray());
        assertThat(StreamHeader.machineType(state)).isEqualTo("pc-q35-10.0");
        Files.writeString(state, "not a stream");
        assertThatThrownBy(() -> StreamHeader.machineType(state)).isInstanceOf(IOException.class)
                .hasMessageContaining("not a QEMU migration stream");
    }

    @Test
    void atomicWriteLeavesNoTemporaryFileAndPrivateMode(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("manifest.json");
        Durable.atomicWrite(f, "{}".getBytes(StandardCharsets.UTF_8));
        Durable.atomicWrite(f, "{\"a\":1}".getBytes(StandardCharsets.UTF_8));
        assertThat(Files.readString(f)).isEqualTo("{\"a\":1}");
        assertThat(Files.getPosixFilePermissions(f)).isEqualTo(Durable.FILE_0600);
        try (var s = Files.list(dir)) {
            assertThat(s.toList()).containsExactly(f);
        }
        assertThat(dev.qmpkit.templating.WorkFiles.sha256(f)).isEqualTo(Durable.sha256("{\"a\":1}".getBytes(StandardCharsets.UTF_8)));
    }
}
