package dev.qmpkit.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.qmpkit.qmp.launch.QemuBinary;
import java.io.ByteArrayOutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code ./qmpkit shell} on a terminal (JLine over a pair of streams, typed into key by key):
 * Tab completes a command name and then an argument name from the QEMU's schema, the line runs,
 * and it is saved in the history file, on QEMU 10.0 and 7.2.
 */
class ShellTerminalIT {

    @TempDir
    Path dir;

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void tabCompletesFromTheSchemaAndHistoryIsKept(QemuBinary qemu) throws Exception {
        Path history = dir.resolve("history");
        try (ExternalQemu vm = ExternalQemu.start(qemu, dir, "-M", "none")) {
            PipedOutputStream keys = new PipedOutputStream();
            PipedInputStream in = new PipedInputStream(keys, 4096);
            ByteArrayOutputStream screen = new ByteArrayOutputStream();
            PrintStream out = new PrintStream(screen, true, StandardCharsets.UTF_8);
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            CompletableFuture<Integer> code = CompletableFuture.supplyAsync(() -> Main.run(new String[] {"shell",
                "--socket", vm.socket().toString(), "--history", history.toString()}, in, out,
                    new PrintStream(err, true, StandardCharsets.UTF_8), Map.of(), true));
            await(screen, "(QEMU) ");
            // "qom-ge" + Tab -> "qom-get "; "pa" + Tab -> "path="; "prop" + Tab -> "property="
            type(keys, "qom-ge\t");
            type(keys, "pa\t/machine ");
            type(keys, "prop\ttype\r");
            await(screen, "{\"return\":\"none-machine\"}");
            type(keys, "\u0004"); // Ctrl-D
            assertThat(code.get(30, TimeUnit.SECONDS)).as(screen.toString(StandardCharsets.UTF_8)).isZero();
        }
        assertThat(Files.readString(history)).contains("qom-get path=/machine property=type");
    }

    private static void type(PipedOutputStream keys, String text) throws Exception {
        keys.write(text.getBytes(StandardCharsets.UTF_8));
        keys.flush();
        Thread.sleep(300); // as a person types: completion answers before the next key
    }

    private static void await(ByteArrayOutputStream screen, String text) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!screen.toString(StandardCharsets.UTF_8).contains(text)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the terminal never showed '" + text + "': "
                        + screen.toString(StandardCharsets.UTF_8));
            }
            Thread.sleep(20);
        }
    }
}
