package dev.qmpkit.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.testing.TestQemus;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The command-line jar run the way users run it, {@code java -jar samples-*-all.jar} with no JVM
 * option, on the newest JDK here (Temurin 25 on the project's machines): it talks QMP and passes
 * a file descriptor to real QEMU, and the JVM prints no warning. JDK 24+ warns about
 * {@code sun.misc.Unsafe} (no longer used) and about Netty loading its JNI library (allowed by the
 * jar's {@code Enable-Native-Access}); {@code Add-Opens} lets it read descriptor numbers.
 */
class CliOnNewestJdkIT {
    private static final Jdks.Jdk NEWEST = Jdks.newest();
    /** Logged at DEBUG (QMPKIT_DEBUG=1) when a descriptor went to QEMU with SCM_RIGHTS. */
    private static final String FD_PASSED = "swallowed QEMU's expected parse error for the payload byte of a passed fd";

    @TempDir
    Path dir;

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void qmpTalksToQemu_withoutAWarning(QemuBinary qemu) throws Exception {
        try (ExternalQemu vm = ExternalQemu.start(qemu, dir, "-M", "none")) {
            ChildProcess r = cli(NEWEST, Map.of(), "qmp", "--socket", vm.socket().toString(), "query-status");
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.out()).contains("\"status\" : \"running\"");
            assertThat(r.err()).as(r.toString()).isEmpty();
        }
    }

    static Stream<Arguments> jdksAndQemus() {
        List<Arguments> all = new ArrayList<>();
        TestQemus.all().forEach(q -> all.add(Arguments.of(NEWEST, q)));
        all.add(Arguments.of(Jdks.current(), TestQemus.qemu10()));
        return all.stream();
    }

    @ParameterizedTest
    @MethodSource("jdksAndQemus")
    void templateCreatePassesAnFdToQemu_withoutAWarning(Jdks.Jdk jdk, QemuBinary qemu) throws Exception {
        // QEMU 7.2 always takes the state file as a descriptor; ",offset=" in the path makes 10.0
        // do so too, since its file: URI would be cut there.
        Path template = dir.resolve("tpl,offset=0");
        List<String> args = new ArrayList<>(List.of("template", "create", "--dir", template.toString(),
                "--memory", "64", "--qemu", qemu.executable().toString()));
        qemu.firmwareDirs().forEach(d -> args.addAll(List.of("--firmware-dir", d.toString())));
        ChildProcess r = cli(jdk, Map.of("QMPKIT_DEBUG", "1"), args.toArray(String[]::new));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(template.resolve("manifest.json")).isRegularFile();
        assertThat(r.err()).as(r.toString()).contains(FD_PASSED).doesNotContain("exec:cat");
        assertThat(r.err().lines().filter(l -> l.contains("WARN"))).as(r.toString()).isEmpty();
    }

    private static ChildProcess cli(Jdks.Jdk jdk, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(jdk.java(), "-jar", ArtifactManifestsIT.cliJar().toString()));
        cmd.addAll(List.of(args));
        return ChildProcess.run(cmd, Path.of("").toAbsolutePath(), env, 120);
    }
}
