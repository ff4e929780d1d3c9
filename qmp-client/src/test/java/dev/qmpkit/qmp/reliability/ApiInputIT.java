package dev.qmpkit.qmp.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.qmpkit.qmp.CommandOptions;
import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.QmpCommandException;
import dev.qmpkit.qmp.QmpProtocolException;
import dev.qmpkit.qmp.QmpOptions;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.launch.QemuLauncher;
import dev.qmpkit.qmp.launch.QemuProcess;
import dev.qmpkit.qmp.testing.ProtocolErrors;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad and hostile input at the client API, against real QEMU 10.0 and 7.2: what cannot be sent
 * is refused at the call, before anything reaches QEMU; what is sent arrives exactly as given
 * (strings full of JSON syntax cannot become a second command); the connection survives all of it.
 */
@Timeout(120)
class ApiInputIT {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void badCallsAreRefusedAtOnce_hostileStringsArriveVerbatim_andTheConnectionSurvives(QemuBinary qemu)
            throws Exception {
        List<QmpProtocolException> protocolErrors = new CopyOnWriteArrayList<>();
        QmpOptions options = QmpOptions.builder().connectionListener(ProtocolErrors.to(protocolErrors::add)).build();
        try (QemuProcess p = QemuLauncher.builder(qemu).args("-M", "none", "-accel", "tcg", "-nodefaults")
                .workDir(tmp).qmpOptions(options).build().start()) {
            QmpClient c = p.qmp();
            // refused at the call: nothing is sent
            assertThatThrownBy(() -> c.execute(null)).isInstanceOf(NullPointerException.class);
            assertThatThrownBy(() -> c.execute("")).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> c.execute(" \n")).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> c.execute("query-status", List.of(1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("JSON object");
            assertThatThrownBy(() -> c.execute("query-status", 42)).isInstanceOf(IllegalArgumentException.class);
            Object unserialisable = new Object() {
                public Object getBoom() {
                    throw new IllegalStateException("boom");
                }
            };
            assertThatThrownBy(() -> c.execute("query-status", unserialisable))
                    .isInstanceOf(IllegalArgumentException.class);
            Map<String, Object> cyclic = new HashMap<>();
            cyclic.put("self", cyclic);
            assertThatThrownBy(() -> c.execute("query-status", cyclic)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> c.execute("query-status", null, (CommandOptions) null))
                    .isInstanceOf(NullPointerException.class);

            // a command name carrying JSON syntax is one (unknown) name, not a second command
            String injectedName = "query-status\", \"arguments\": {}}\r\n{\"execute\": \"quit";
            assertThatThrownBy(() -> c.blocking().execute(injectedName))
                    .isInstanceOfSatisfying(QmpCommandException.class,
                            e -> assertThat(e.errorClass()).isEqualTo("CommandNotFound"));

            // strings round-trip through a QEMU ring buffer byte for byte
            c.blocking().execute("chardev-add", Map.of("id", "rb", "backend",
                    Map.of("type", "ringbuf", "data", Map.of("size", 1 << 16))));
            List<String> hostile = new ArrayList<>(List.of(
                    "\"}}\r\n{\"execute\": \"quit\"}\r\n",
                    "back\\slash \\u0041 \\\" quote",
                    "tab\tnewline\nreturn\r bell\u0007 esc\u001b",
                    "unicode: \u00fc \u20ac \ud83d\ude00 \u202e",
                    "x".repeat(20_000)));
            for (String s : hostile) {
                c.blocking().execute("ringbuf-write", Map.of("device", "rb", "data", s, "format", "utf8"));
                String back = c.blocking().execute("ringbuf-read", Map.of("device", "rb", "size", 1 << 16,
                        "format", "utf8")).asText();
                assertThat(back).isEqualTo(s);
            }
            // arguments of the wrong type are QEMU's error, with the command named
            assertThatThrownBy(() -> c.blocking().execute("qom-list", Map.of("path", 123)))
                    .isInstanceOfSatisfying(QmpCommandException.class,
                            e -> assertThat(e.command()).isEqualTo("qom-list"));
            // arguments nested deeper than QEMU's parser takes (1024) never leave the client
            Map<String, Object> deep = new HashMap<>();
            Map<String, Object> cur = deep;
            for (int i = 0; i < 1100; i++) {
                Map<String, Object> next = new HashMap<>();
                cur.put("a", next);
                cur = next;
            }
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> c.execute("qom-list", deep)).isInstanceOf(IllegalArgumentException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));

            assertThat(c.blocking().execute("query-status").get("status").asText()).isEqualTo("running");
            assertThat(p.isAlive()).as("the injected 'quit' never ran").isTrue();
            assertThat(protocolErrors).as("QEMU never saw a malformed frame").isEmpty();
        }
    }
}
