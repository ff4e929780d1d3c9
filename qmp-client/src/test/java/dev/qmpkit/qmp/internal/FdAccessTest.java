package dev.qmpkit.qmp.internal;

import dev.qmpkit.qmp.QmpEndpoint;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.QmpOptions;
import dev.qmpkit.testing.FakeMonitor;
import java.io.FileDescriptor;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The descriptor number behind a {@link FileDescriptor}, read without {@code sun.misc.Unsafe}:
 * with {@code --add-opens java.base/java.io} (the test JVM has it, as the README asks of users)
 * it is the caller's own descriptor; without it, {@code executeWithFd} refuses with the option
 * to add, and the connection carries on.
 */
@Timeout(60)
class FdAccessTest {

    @TempDir
    Path tmp;

    @Test
    void readsTheCallersOwnDescriptor_withoutTouchingTheFile() throws Exception {
        Path file = tmp.resolve("data");
        Files.writeString(file, "keep me");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            int n = FdAccess.intValue(raf.getFD());
            assertThat(Files.readSymbolicLink(Path.of("/proc/self/fd/" + n))).isEqualTo(file.toRealPath());
            assertThat(raf.getFD().valid()).isTrue();
        }
        assertThat(Files.readString(file)).isEqualTo("keep me");
        assertThat(FdAccess.intValue(FileDescriptor.out)).isEqualTo(1);
    }

    @Test
    void aClosedDescriptorIsRefused() throws Exception {
        RandomAccessFile raf = new RandomAccessFile(tmp.resolve("f").toFile(), "rw");
        FileDescriptor fd = raf.getFD();
        raf.close();
        assertThatThrownBy(() -> FdAccess.intValue(fd)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not open");
    }

    @Test
    void withoutAddOpens_executeWithFdNamesTheOption_andTheJvmPrintsNoWarning() throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Probe.class.getName(), tmp.resolve("f").toString()));
        Path out = tmp.resolve("out");
        Path err = tmp.resolve("err");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(45, TimeUnit.SECONDS)).as("probe finished").isTrue();
        String stdout = Files.readString(out, StandardCharsets.UTF_8);
        String stderr = Files.readString(err, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(stdout + stderr).isZero();
        assertThat(stdout).contains("UnsupportedOperationException")
                .contains("Fix: start the JVM with --add-opens java.base/java.io=ALL-UNNAMED")
                .contains("after: running");
        assertThat(stderr).as("the JVM's stderr").doesNotContain("WARNING");
    }

    /** Runs in a JVM started without {@code --add-opens}: tries to pass a descriptor, then a plain command. */
    static final class Probe {
        public static void main(String[] args) throws Exception {
            try (FakeMonitor m = FakeMonitor.start();
                 QmpClient c = QmpClient.connectBlocking(QmpEndpoint.unix(m.socketPath()), QmpOptions.defaults());
                 RandomAccessFile raf = new RandomAccessFile(args[0], "rw")) {
                try {
                    c.executeWithFd(raf.getFD(), "getfd", Map.of("fdname", "x"));
                    System.out.println("passed (unexpected)");
                } catch (RuntimeException e) {
                    System.out.println(e.getClass().getSimpleName() + ": " + e.getMessage());
                }
                System.out.println("after: " + c.blocking().execute("query-status").path("status").asText());
            }
        }
    }
}
